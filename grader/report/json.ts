import type { AnswerReading, CaptureListing, CheckResult, GradeReport } from './types.ts';
import { pendingPoints, verdictReasons } from './verdict.ts';

/**
 * The report as DESIGN.md's `--format json` shape, with keys in the documented order. Fields are copied
 * one by one, so key order never depends on how the report object was built and stray runtime
 * properties never leak into the contract.
 */
export function toJsonShape(report: GradeReport): Record<string, unknown> {
  const out: Record<string, unknown> = { scenario: report.scenario };
  if (report.learner !== undefined) out.learner = report.learner;
  out.score = report.score;
  out.maxScore = report.maxScore;
  out.passed = report.passed;
  out.gradable = report.gradable;
  if (report.passPercent !== undefined) out.passPercent = report.passPercent;
  const pending = report.gradable ? pendingPoints(report) : 0;
  if (pending > 0) out.pendingPoints = pending;
  const why = verdictReasons(report);
  if (why.length) out.why = why;
  out.checks = report.checks.map(checkShape);
  out.captures = report.captures.map(captureShape);
  if (report.notes !== undefined) out.notes = [...report.notes];
  return out;
}

function checkShape(c: CheckResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: c.id,
    kind: c.kind,
    points: c.points,
    maxPoints: c.maxPoints,
    status: c.status,
    message: c.message,
  };
  if (c.hint !== undefined) out.hint = c.hint;
  if (c.required) out.required = true;
  if (c.answer) out.answer = answerShape(c.answer);
  if (c.override) {
    const o: Record<string, unknown> = { by: c.override.by };
    if (c.override.comment !== undefined) o.comment = c.override.comment;
    if (c.override.graded) o.graded = { status: c.override.graded.status, points: c.override.graded.points };
    out.override = o;
  }
  return out;
}

function answerShape(a: AnswerReading): Record<string, unknown> {
  const out: Record<string, unknown> = { key: a.key };
  if (a.answer !== undefined) out.answer = a.answer;
  out.asserted = [...a.asserted];
  out.rejected = [...a.rejected];
  out.missing = [...a.missing];
  if (a.misconception) out.misconception = { id: a.misconception.id, feedback: a.misconception.feedback };
  if (a.contradiction !== undefined) out.contradiction = a.contradiction;
  if (a.claimKey !== undefined) out.claimKey = a.claimKey;
  return out;
}

function captureShape(c: CaptureListing): Record<string, unknown> {
  return { file: c.file, tool: c.tool, flavor: c.flavor };
}

/**
 * `labctl grade --format json`: the same report always gives byte-identical output
 * (2-space indent, trailing newline).
 */
export function renderJson(report: GradeReport): string {
  return `${JSON.stringify(toJsonShape(report), null, 2)}\n`;
}
