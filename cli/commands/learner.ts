/**
 * Learner commands: `labctl hint ID` (progressive hints) and `labctl self-check ID` (grade the work so
 * far without giving answers away). Both run on the learner's lab host.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { gradeSubmission } from '../../grader/grade.ts';
import { MANIFEST_FILE } from '../../grader/manifest.ts';
import { lookupLabFile } from '../../grader/provenance/lab-files.ts';
import type { GradeReport } from '../../grader/report/types.ts';
import { parseYamlSource } from '../../grader/yaml-source.ts';
import { safeMultiline } from '../../core/sanitize.ts';
import { loadScenario } from '../../scenarios/load.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { assertScenarioId } from '../../scenarios/variants.ts';
import { LabctlError } from '../../core/errors.ts';
import { exitCodeFor } from './grade.ts';
import { countSelfCheck, hintStateFile, readHintLevel, saveCount } from './learner-activity.ts';

export { hintStateFile } from './learner-activity.ts';

export interface HintResult {
  level: number;
  total: number;
  text: string;
  note?: string;
}

/** The next hint (or hint `level`, 1-based), remembering how far the learner got. */
export async function nextHint(scenario: Scenario, opts: { level?: number; reset?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<HintResult> {
  const hints = scenario.hints;
  if (!hints.length) throw new LabctlError(`${scenario.id} has no hints`, `read the brief: scenarios/${scenario.id}/README.md`);
  const file = hintStateFile(scenario.id, opts.env);
  const env = opts.env ?? process.env;
  if (opts.level !== undefined && (!Number.isInteger(opts.level) || opts.level < 1 || opts.level > hints.length)) {
    throw new LabctlError(`--level ${opts.level}: ${scenario.id} has hints 1 to ${hints.length}`, `labctl hint ${scenario.id} --level 1`);
  }
  const reached = opts.reset ? 0 : await readHintLevel(scenario.id, env);
  const level = opts.level ?? Math.min(reached + 1, hints.length);
  // the level shown is the level reached: `--level 1` after hint 3 makes the next call show hint 2
  const saved = await saveCount(file, 'level', level);
  const note = saved ? `hint level: ${saved}` : null;
  return { level, total: hints.length, text: hints[level - 1], ...(note ? { note } : {}) };
}

async function selfCheckManifest(scenario: string, dir: string, explicit?: string): Promise<{ path?: string; note?: string }> {
  if (explicit) return { path: explicit };
  const found = await lookupLabFile(scenario, MANIFEST_FILE);
  if (found.path) return { path: found.path };
  const inDir = await readFile(join(dir, MANIFEST_FILE)).then(() => true, () => false);
  if (inDir) return {};
  return { note: `no lab manifest found (looked in ${found.tried.join(', ')}): checked against the scenario's default variant, so names from your own lab may show as wrong` };
}

const ICON: Record<string, string> = { pass: pc.green('✔'), partial: pc.yellow('◐'), fail: pc.red('✘'), review: pc.cyan('?') };
const WORD: Record<string, string> = { pass: '[pass]', partial: '[part]', fail: '[fail]', review: '[open]' };

/** Whether each answers.yaml key has an answer (a non-empty value), from the file in the work folder. */
export async function answeredKeys(dir: string): Promise<Record<string, boolean>> {
  for (const name of ['answers.yaml', 'answers.yml']) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => null);
    if (text === null) continue;
    const data = parseYamlSource(text, name).data;
    if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
    const out: Record<string, boolean> = {};
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) out[k] = v !== null && v !== undefined && String(v).trim() !== '' && !(Array.isArray(v) && v.length === 0);
    return out;
  }
  return {};
}

export interface SelfCheckOptions {
  notes?: string[];
  color?: boolean;
  /** answers.yaml keys with an answer: answer checks show only answered / not answered */
  answered?: Record<string, boolean>;
  /** how many self-checks this is, shown so the learner knows it is counted */
  count?: number;
}

/**
 * What self-check prints. Evidence checks in full (status, points, message, hint): they are about the
 * learner's own captures. Answer checks only as answered or not answered, unless the scenario opts in with
 * `selfCheck: { answerFeedback: true }`; then their status, points and hint, still never the grader's
 * message (it can quote the learner's evidence against them, which points straight at the expected value).
 * The verdict covers the evidence only, unless answers are shown too.
 */
export function renderSelfCheck(report: GradeReport, scenario: Scenario, options: SelfCheckOptions = {}): string {
  const color = options.color ?? false;
  const c = color ? pc : { green: (s: string) => s, red: (s: string) => s, yellow: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s, cyan: (s: string) => s };
  const icon = (s: string) => (color ? ICON[s] : WORD[s]);
  const feedback = scenario.selfCheck?.answerFeedback === true;
  const lines: string[] = [c.bold(`self-check: ${scenario.title}`)];
  for (const n of options.notes ?? []) lines.push(c.yellow(`note: ${safeMultiline(n)}`));
  const counted = options.count ? c.dim(`self-check ${options.count} for ${scenario.id}: the count goes into your submission`) : undefined;
  if (!report.gradable) {
    lines.push(c.red('not gradable yet:'));
    for (const n of report.notes ?? []) lines.push(`  ${safeMultiline(n)}`);
    if (counted) lines.push(counted);
    return `${lines.join('\n')}\n`;
  }
  const evidence = report.checks.filter((ch) => ch.kind === 'evidence');
  const answers = report.checks.filter((ch) => ch.kind === 'answer');
  if (evidence.length) lines.push(c.bold('Your captures'));
  for (const check of evidence) {
    const def = scenario.checks.find((d) => d.id === check.id);
    lines.push(`${icon(check.status)} ${def?.title ?? check.id} ${c.dim(`(${check.points}/${check.maxPoints})`)}`);
    const message = check.message.startsWith(`${def?.title}: `) ? check.message.slice(`${def?.title}: `.length) : check.message;
    lines.push(`    ${safeMultiline(message).replace(/\n/g, '\n    ')}`);
    if (check.status !== 'pass' && def?.hint) lines.push(c.dim(`    hint: ${def.hint}`));
  }
  if (answers.length) lines.push(c.bold(feedback ? 'Your answers' : 'Your answers (checked when you submit)'));
  let unanswered = 0;
  for (const check of answers) {
    const def = scenario.checks.find((d) => d.id === check.id);
    const key = def && 'key' in def.with ? String(def.with.key) : (check.answer?.key ?? '');
    const given = check.answer ? check.answer.answer !== undefined && check.answer.answer.trim() !== '' : (options.answered?.[key] ?? false);
    if (!given) unanswered++;
    if (feedback) {
      lines.push(`${icon(check.status)} ${def?.title ?? check.id} ${c.dim(`(${check.points}/${check.maxPoints})`)}`);
      if (check.answer?.misconception) lines.push(`    ${safeMultiline(check.answer.misconception.feedback)}`);
      if (check.status !== 'pass' && def?.hint) lines.push(c.dim(`    hint: ${def.hint}`));
    } else {
      lines.push(`${given ? (color ? pc.green('✔') : '[done]') : color ? pc.yellow('○') : '[todo]'} ${def?.title ?? check.id} ${c.dim(`(${key}: ${given ? 'answered' : 'not answered yet'})`)}`);
    }
  }
  for (const n of report.notes ?? []) lines.push(c.dim(`note: ${safeMultiline(n)}`));
  if (feedback) {
    lines.push(`${report.passed ? c.green('would pass') : c.red('would not pass yet')}: ${report.score}/${report.maxScore} (pass mark ${scenario.passPercent}%)`);
  } else {
    const got = evidence.reduce((s, ch) => s + ch.points, 0);
    const max = evidence.reduce((s, ch) => s + ch.maxPoints, 0);
    const ok = evidence.every((ch) => ch.status === 'pass');
    lines.push(`${ok ? c.green('captures complete') : c.red('captures not complete yet')}: ${got}/${max} evidence points; ${answers.length - unanswered} of ${answers.length} answers given`);
  }
  if (counted) lines.push(counted);
  return `${lines.join('\n')}\n`;
}

/** Exit status of self-check: with answer feedback the grade's; else 0 when the captures pass and every answer is given. */
export function selfCheckExitCode(report: GradeReport, scenario: Scenario, answered: Record<string, boolean>): number {
  if (!report.gradable) return 2;
  if (scenario.selfCheck?.answerFeedback) return exitCodeFor(report);
  const evidenceOk = report.checks.every((ch) => ch.kind !== 'evidence' || ch.status === 'pass');
  const keys = scenario.checks.flatMap((d) => (d.kind === 'answer' && 'key' in d.with ? [String(d.with.key)] : []));
  return evidenceOk && keys.every((k) => answered[k]) ? 0 : 1;
}

export function registerLearner(program: Command): void {
  program
    .command('hint')
    .description('show the next hint for a scenario (each call shows the next, gentlest first)')
    .argument('<scenario>', 'scenario id, e.g. ghost-load')
    .option('--level <n>', 'show hint N (1 = gentlest)')
    .option('--reset', 'start again from the first hint')
    .action(async (id: string, opts: { level?: string; reset?: boolean }) => {
      const scenario = loadScenario(assertScenarioId(id));
      const level = opts.level === undefined ? undefined : Number(opts.level);
      const h = await nextHint(scenario, { level, reset: opts.reset });
      process.stdout.write(`hint ${h.level}/${h.total}: ${h.text}\n`);
      if (h.level < h.total && opts.level === undefined) process.stdout.write(pc.dim(`(run \`labctl hint ${id}\` again for the next one)\n`));
      if (h.note) process.stderr.write(`${pc.yellow('note:')} ${h.note}\n`);
    });

  program
    .command('self-check')
    .description('check your work so far against your lab, without revealing the expected answers')
    .argument('<scenario>', 'scenario id, e.g. ghost-load')
    .option('--dir <dir>', 'folder holding answers.yaml and your captures', '.')
    .option('--manifest <file>', "lab manifest (default: your lab host's)")
    .addHelpText(
      'after',
      `
Shows your captures' checks in full and, for answers, only whether each is given (a scenario may show
more). Each run is counted; \`labctl submit\` records the count and the hints you used.
Exit status: 0 captures complete and every answer given (or, with answer feedback, would pass),
1 not yet, 2 not gradable yet (the output says what is missing).`,
    )
    .action(async (id: string, opts: { dir: string; manifest?: string }) => {
      const scenario = loadScenario(assertScenarioId(id));
      const m = await selfCheckManifest(scenario.id, opts.dir, opts.manifest);
      const report = await gradeSubmission(opts.dir, { scenario: scenario.id, manifestPath: m.path });
      const answered = await answeredKeys(opts.dir);
      const counted = await countSelfCheck(scenario.id);
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      process.stdout.write(renderSelfCheck(report, scenario, { notes: m.note ? [m.note] : [], color, answered, count: counted.count }));
      if (counted.note) process.stderr.write(`${pc.yellow('note:')} ${counted.note}\n`);
      process.exitCode = selfCheckExitCode(report, scenario, answered);
    });
}
