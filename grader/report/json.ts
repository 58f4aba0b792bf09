import type { CaptureListing, CheckResult, GradeReport } from './types.ts';

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
