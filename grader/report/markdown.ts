import type { CheckResult, CheckStatus, GradeReport } from './types.ts';
import { formatPoints, formatScore, groupChecks, needsHint, verdict, visibleControls } from './format.ts';
import { answerLines, overrideLine, pendingPoints, verdictReasons } from './verdict.ts';

const STATUS_EMOJI: Record<CheckStatus, string> = { pass: '✅', partial: '🟡', fail: '❌', review: '👀' };

/**
 * Markdown for a GitHub Actions job summary (`$GITHUB_STEP_SUMMARY`): heading with score and a badge
 * emoji, a table of checks, hints folded in a `<details>` block, a table of captures, notes.
 * All learner-controlled text is escaped so it cannot break the table or inject HTML.
 */
export function renderMarkdown(report: GradeReport): string {
  const v = verdict(report);
  const badge = v === 'PASSED' ? '✅' : v === 'UNGRADABLE' ? '⚠️' : '❌';
  const out: string[] = [];
  const pending = report.gradable ? pendingPoints(report) : 0;
  const pendingNote = pending > 0 ? `, ${formatPoints(pending)} points pending review` : '';
  out.push(`## ${badge} ${inline(report.scenario)}: ${formatScore(report.score, report.maxScore)} (${v.toLowerCase()}${pendingNote})`);
  out.push('');
  if (report.learner !== undefined) out.push(`**Learner:** ${inline(report.learner)}`, '');
  const why = verdictReasons(report);
  if (why.length) {
    out.push(report.passed ? '**Pending review:**' : '**Why it did not pass:**', '');
    for (const reason of why) out.push(`- ${inline(reason)}`);
    out.push('');
  }

  if (report.checks.length > 0) {
    out.push('| Status | Points | Check | Message |', '| :---: | ---: | --- | --- |');
    for (const group of groupChecks(report.checks)) {
      for (const c of group.checks) out.push(checkRow(c));
    }
    out.push('');
  } else {
    out.push('_No checks were run._', '');
  }

  const explained = groupChecks(report.checks).flatMap((g) => g.checks.filter((c) => c.status !== 'pass' && answerLines(c).length > 0));
  if (explained.length > 0) {
    out.push(`<details><summary>How your answers were read (${explained.length})</summary>`, '');
    for (const c of explained) out.push(`- **${inline(c.id)}**: ${answerLines(c).map(inline).join('; ')}`);
    out.push('', '</details>', '');
  }
  const hinted = groupChecks(report.checks).flatMap((g) => g.checks.filter(needsHint));
  if (hinted.length > 0) {
    out.push(`<details><summary>Hints (${hinted.length})</summary>`, '');
    for (const c of hinted) out.push(`- **${inline(c.id)}**: ${inline(c.hint)}`);
    out.push('', '</details>', '');
  }

  out.push('### Captures', '');
  if (report.captures.length === 0) {
    out.push('_None found._', '');
  } else {
    out.push('| File | Tool | Flavor |', '| --- | --- | --- |');
    for (const cap of report.captures) out.push(`| ${cell(cap.file)} | ${cell(cap.tool)} | ${cell(cap.flavor)} |`);
    out.push('');
  }

  if (report.notes && report.notes.length > 0) {
    out.push('### Notes', '');
    for (const note of report.notes) out.push(`- ${inline(note)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function checkRow(c: CheckResult): string {
  const status = c.status === 'review' ? `${STATUS_EMOJI.review} pending review` : `${STATUS_EMOJI[c.status]} ${c.status}`;
  const by = overrideLine(c);
  const message = by ? `${c.message}\n${by}` : c.message;
  return `| ${status} | ${formatScore(c.points, c.maxPoints)} | ${cell(`${c.id} (${c.kind})`)} | ${cell(message)} |`;
}

/**
 * Text on one Markdown line: HTML-significant characters become entities (GitHub renders raw HTML in
 * summaries), backslashes and Markdown markers are escaped, line breaks become `<br>`.
 */
function inline(s: string): string {
  return visibleControls(s.replace(/\r\n?/g, '\n'))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]#])/g, '\\$1')
    .replace(/\n/g, '<br>');
}

/** A table cell: like {@link inline}, and `|` escaped so it does not end the cell. */
function cell(s: string): string {
  return inline(s).replace(/\|/g, '\\|');
}
