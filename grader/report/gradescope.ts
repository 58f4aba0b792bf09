import type { CheckResult, GradeReport } from './types.ts';
import { formatPoints, formatScore, verdict } from './format.ts';
import { answerLines, overrideLine, pendingPoints, verdictReasons } from './verdict.ts';

/** One entry of Gradescope's `tests` array (autograder results.json). */
export interface GradescopeTest {
  name: string;
  score: number;
  max_score: number;
  output: string;
  visibility: 'visible';
  /** left out for a check pending review: it neither passed nor failed yet */
  status?: 'passed' | 'failed';
}

/** Gradescope's autograder `results.json`. */
export interface GradescopeResults {
  score: number;
  max_score: number;
  output: string;
  tests: GradescopeTest[];
}

/**
 * The report in Gradescope's results.json shape. Partial checks count as `failed` (Gradescope has
 * only passed/failed) but keep their partial score. An ungradable report says so in the top-level
 * `output` and as a zero-point test, so a zero score is never unexplained. A check pending review has no
 * status (Gradescope shows it neutral) and its output starts with "PENDING REVIEW"; the top-level output
 * says why the submission did not pass.
 */
export function toGradescope(report: GradeReport): GradescopeResults {
  const tests = report.gradable ? report.checks.map(checkTest) : [ungradableTest(report)];
  return {
    score: report.score,
    max_score: report.maxScore,
    output: summary(report),
    tests,
  };
}

/** `labctl grade --format gradescope`: deterministic JSON, 2-space indent, trailing newline. */
export function renderGradescope(report: GradeReport): string {
  return `${JSON.stringify(toGradescope(report), null, 2)}\n`;
}

function checkTest(c: CheckResult): GradescopeTest {
  const lines = [c.status === 'review' ? `PENDING REVIEW: your instructor decides these ${formatPoints(c.maxPoints)} points.\n${c.message}` : c.message];
  const by = overrideLine(c);
  if (by) lines.push(by);
  if (c.status !== 'pass') lines.push(...answerLines(c));
  if (c.status !== 'pass' && c.hint) lines.push(`Hint: ${c.hint}`);
  const test: GradescopeTest = {
    name: `${c.kind}: ${c.id}`,
    score: c.points,
    max_score: c.maxPoints,
    output: lines.join('\n'),
    visibility: 'visible',
  };
  if (c.status !== 'review') test.status = c.status === 'pass' ? 'passed' : 'failed';
  return test;
}

function ungradableTest(report: GradeReport): GradescopeTest {
  return {
    name: 'submission: gradable',
    score: 0,
    max_score: 0,
    output: (report.notes && report.notes.length > 0 ? report.notes : ['no reason was recorded']).join('\n'),
    visibility: 'visible',
    status: 'failed',
  };
}

function summary(report: GradeReport): string {
  const who = report.learner !== undefined ? ` (${report.learner})` : '';
  const lines = [`${report.scenario}${who}: ${formatScore(report.score, report.maxScore)} ${verdict(report)}`];
  if (!report.gradable) lines.push('The submission could not be graded; see the reasons below and resubmit.');
  const why = verdictReasons(report);
  if (why.length) {
    lines.push('', report.passed ? 'Pending review:' : 'Why it did not pass:');
    for (const reason of why) lines.push(`- ${reason}`);
  }
  const pending = report.gradable ? pendingPoints(report) : 0;
  if (pending > 0) lines.push('', `PENDING REVIEW: ${formatPoints(pending)} points are not in the score yet; your instructor decides them.`);
  if (report.captures.length > 0) {
    lines.push('', 'Captures:');
    for (const cap of report.captures) lines.push(`- ${cap.file}: ${cap.tool} (${cap.flavor})`);
  }
  if (report.notes && report.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const note of report.notes) lines.push(`- ${note}`);
  }
  return lines.join('\n');
}
