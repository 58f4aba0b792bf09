import type { CheckResult, GradeReport } from './types.ts';
import { formatPoints, formatScore, verdict } from './format.ts';
import { escapeXmlAttr, escapeXmlText } from './xml.ts';
import { answerLines, overrideLine, pendingPoints, verdictReasons } from './verdict.ts';

/**
 * JUnit XML for CI test reporters: one `<testcase>` per check (classname `<scenario>.<kind>`, name the
 * check id), `<failure>` for fail and partial with the hint in its body, score and verdict as suite
 * `<properties>`. A check pending review is `<skipped>` (a person decides it, it is not a failure); the
 * properties say why the submission did not pass and how many points are pending. An ungradable report is a single `<error>` testcase carrying the reasons, so CI shows
 * "could not grade" rather than a row of failed checks that the learner did not actually fail.
 */
export function renderJunit(report: GradeReport): string {
  const scenario = report.scenario;
  const cases = report.gradable ? report.checks.map((c) => checkCase(scenario, c)) : [ungradableCase(report)];
  const failures = report.gradable ? report.checks.filter((c) => c.status === 'fail' || c.status === 'partial').length : 0;
  const skipped = report.gradable ? report.checks.filter((c) => c.status === 'review').length : 0;
  const errors = report.gradable ? 0 : 1;
  const tests = cases.length;
  const counts = `tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}"`;

  const props: [string, string][] = [
    ['score', formatPoints(report.score)],
    ['maxScore', formatPoints(report.maxScore)],
    ['passed', String(report.passed)],
    ['gradable', String(report.gradable)],
  ];
  if (report.passPercent !== undefined) props.push(['passPercent', formatPoints(report.passPercent)]);
  const pending = report.gradable ? pendingPoints(report) : 0;
  if (pending > 0) props.push(['pendingPoints', formatPoints(pending)]);
  const why = verdictReasons(report);
  if (why.length) props.push([report.passed ? 'pending' : 'whyNotPassed', why.join('\n')]);
  if (report.learner !== undefined) props.push(['learner', report.learner]);

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<testsuites name="labctl grade" ${counts}>`);
  out.push(`  <testsuite name="${escapeXmlAttr(scenario)}" ${counts}>`);
  out.push('    <properties>');
  for (const [name, value] of props) {
    out.push(`      <property name="${escapeXmlAttr(name)}" value="${escapeXmlAttr(value)}"/>`);
  }
  out.push('    </properties>');
  out.push(...cases);
  const summary = suiteOutput(report);
  out.push(`    <system-out>${escapeXmlText(summary)}</system-out>`);
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function checkCase(scenario: string, c: CheckResult): string {
  const open = `    <testcase classname="${escapeXmlAttr(`${scenario}.${c.kind}`)}" name="${escapeXmlAttr(c.id)}">`;
  const points = formatScore(c.points, c.maxPoints);
  const inner: string[] = [];
  const by = overrideLine(c);
  if (c.status === 'pass') {
    inner.push(`      <system-out>${escapeXmlText([`${points} ${c.message}`, by ?? ''].filter(Boolean).join('\n'))}</system-out>`);
  } else if (c.status === 'review') {
    inner.push(`      <skipped message="${escapeXmlAttr(`pending review: ${c.message}`)}"/>`);
    inner.push(`      <system-out>${escapeXmlText([`${formatScore(0, c.maxPoints)} pending review: your instructor decides these points`, ...answerLines(c)].join('\n'))}</system-out>`);
  } else {
    const body = [`${points} (${c.status})`, by ?? '', ...answerLines(c), c.hint ? `hint: ${c.hint}` : ''].filter(Boolean).join('\n');
    inner.push(`      <failure message="${escapeXmlAttr(c.message)}" type="${c.status}">${escapeXmlText(body)}</failure>`);
  }
  return [open, ...inner, '    </testcase>'].join('\n');
}

function ungradableCase(report: GradeReport): string {
  const reasons = report.notes && report.notes.length > 0 ? report.notes : ['no reason was recorded'];
  return [
    `    <testcase classname="${escapeXmlAttr(`${report.scenario}.grade`)}" name="gradable">`,
    `      <error message="${escapeXmlAttr('the submission could not be graded')}" type="ungradable">${escapeXmlText(reasons.join('\n'))}</error>`,
    '    </testcase>',
  ].join('\n');
}

function suiteOutput(report: GradeReport): string {
  const lines = [`${report.scenario}: ${formatScore(report.score, report.maxScore)} ${verdict(report)}`];
  for (const reason of verdictReasons(report)) lines.push(`${report.passed ? 'pending' : 'why not passed'}: ${reason}`);
  for (const cap of report.captures) lines.push(`capture ${cap.file}: ${cap.tool} (${cap.flavor})`);
  for (const note of report.notes ?? []) lines.push(`note: ${note}`);
  return lines.join('\n');
}
