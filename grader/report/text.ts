import pc from 'picocolors';
import type { CheckResult, GradeReport } from './types.ts';
import { safeMultiline, safeText } from '../../core/sanitize.ts';
import { formatScore, groupChecks, KIND_TITLE, needsHint, STATUS_MARK, verdict } from './format.ts';
import { answerLines, overrideLine, verdictReasons } from './verdict.ts';

export interface TextOptions {
  /** ANSI colours on (a TTY) or off (pipes, files, `NO_COLOR`). The layout is the same either way. */
  color: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

/**
 * The terminal report: header with scenario, learner, score and verdict; checks grouped by kind, each
 * with a status mark and points, the hint dimmed beneath those not passed; the captures found; notes.
 * Marks and words carry the meaning, so it reads the same without colour.
 */
export function renderText(report: GradeReport, options: TextOptions): string {
  const c = pc.createColors(options.color);
  const lines: string[] = [];

  lines.push(c.bold(`Scenario: ${name(report.scenario)}`));
  if (report.learner !== undefined) lines.push(`Learner:  ${name(report.learner)}`);
  lines.push(`Score:    ${c.bold(formatScore(report.score, report.maxScore))}  ${verdictBadge(report, c)}`);
  const why = verdictReasons(report);
  if (why.length) {
    lines.push('', c.bold(report.passed ? 'Pending review' : 'Why it did not pass'));
    for (const reason of why) lines.push(...indentBlock(clean(reason), '  - ', '    '));
  }

  // One column layout for all groups, so evidence and answer checks line up with each other.
  const idWidth = Math.max(0, ...report.checks.map((ch) => name(ch.id).length));
  const ptsWidth = Math.max(0, ...report.checks.map((ch) => formatScore(ch.points, ch.maxPoints).length));
  for (const group of groupChecks(report.checks)) {
    lines.push('', c.bold(KIND_TITLE[group.kind]));
    for (const check of group.checks) lines.push(...checkLines(check, idWidth, ptsWidth, c));
  }
  if (report.checks.length === 0) lines.push('', c.dim('No checks were run.'));

  lines.push('', c.bold('Captures'));
  if (report.captures.length === 0) lines.push(`  ${c.dim('none found')}`);
  const fileWidth = Math.max(0, ...report.captures.map((cap) => name(cap.file).length));
  for (const cap of report.captures) {
    const recognised = cap.tool !== 'unknown';
    const what = recognised ? `${name(cap.tool)} (${name(cap.flavor)})` : 'not recognised';
    lines.push(`  ${name(cap.file).padEnd(fileWidth)}  ${recognised ? c.cyan(what) : c.yellow(what)}`);
  }

  if (report.notes && report.notes.length > 0) {
    lines.push('', c.bold(report.gradable ? 'Notes' : 'Why it could not be graded'));
    for (const note of report.notes) lines.push(`  - ${name(note)}`);
  }
  return `${lines.join('\n')}\n`;
}

function verdictBadge(report: GradeReport, c: Colors): string {
  const v = verdict(report);
  if (v === 'PASSED') return c.green(c.bold(`${STATUS_MARK.pass} ${v}`));
  if (v === 'UNGRADABLE') return c.yellow(c.bold(`! ${v}`));
  return c.red(c.bold(`${STATUS_MARK.fail} ${v}`));
}

function checkLines(check: CheckResult, idWidth: number, ptsWidth: number, c: Colors): string[] {
  const paint = check.status === 'pass' ? c.green : check.status === 'partial' ? c.yellow : check.status === 'review' ? c.cyan : c.red;
  const mark = paint(STATUS_MARK[check.status]);
  const pts = formatScore(check.points, check.maxPoints).padStart(ptsWidth);
  const id = name(check.id).padEnd(idWidth);
  const lead = `  ${mark} ${pts}  ${c.bold(id)}  `;
  // Continuation lines of a multi-line message line up under the message's first character.
  const pad = ' '.repeat(2 + 1 + 1 + ptsWidth + 2 + idWidth + 2);
  const out = indentBlock(clean(check.message), lead, pad);
  if (check.status === 'review') out.push(c.cyan(`${pad}pending review: your instructor decides these points`));
  const by = overrideLine(check);
  if (by) out.push(...indentBlock(clean(by), pad, pad).map((l) => c.cyan(l)));
  if (check.status !== 'pass') for (const line of answerLines(check)) out.push(...indentBlock(clean(line), pad, `${pad}  `).map((l) => c.dim(l)));
  if (needsHint(check)) out.push(...indentBlock(clean(check.hint), `${pad}hint: `, `${pad}      `).map((l) => c.dim(l)));
  return out;
}

function indentBlock(text: string, first: string, rest: string): string[] {
  return text.split('\n').map((line, i) => `${i === 0 ? first : rest}${line}`);
}

/** Names, ids and notes (a note may quote a file name): one line each, every control or bidi character escaped. */
function name(s: string): string {
  return safeText(s);
}

/** Messages and hints may span lines; CR, ESC, bidi overrides and the rest are escaped. */
function clean(s: string): string {
  return safeMultiline(s);
}
