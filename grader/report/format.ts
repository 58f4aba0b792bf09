import type { CheckKind, CheckResult, CheckStatus, GradeReport } from './types.ts';

/**
 * Points as people write them: `3`, `2.5`, `0.33`. Scores come from weighted rules and may be fractional;
 * two decimals are enough and keep `0.1 + 0.2` from showing up as `0.30000000000000004`.
 */
export function formatPoints(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return n.toFixed(2).replace(/\.?0+$/, '');
}

/** `7/10` */
export function formatScore(points: number, max: number): string {
  return `${formatPoints(points)}/${formatPoints(max)}`;
}

/**
 * Learner-controlled text (answers echoed back in messages, file names) may carry terminal escapes or
 * other control characters: show them as `\xNN` instead of letting them act. Newlines and tabs are kept.
 */
export function visibleControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The one-word verdict used in headers. An ungradable report is neither passed nor failed. */
export function verdict(report: GradeReport): 'PASSED' | 'NOT PASSED' | 'UNGRADABLE' {
  if (!report.gradable) return 'UNGRADABLE';
  return report.passed ? 'PASSED' : 'NOT PASSED';
}

/** Evidence first: answers are judged against it. */
export const KIND_ORDER: readonly CheckKind[] = ['evidence', 'answer'];

/** Group headings used by the human-readable formats. */
export const KIND_TITLE: Record<CheckKind, string> = {
  evidence: 'Evidence checks',
  answer: 'Answer checks',
};

/** Checks grouped by kind (evidence first), keeping the report's order inside each group. */
export function groupChecks(checks: readonly CheckResult[]): { kind: CheckKind; checks: CheckResult[] }[] {
  return KIND_ORDER.map((kind) => ({ kind, checks: checks.filter((c) => c.kind === kind) })).filter((g) => g.checks.length > 0);
}

/** Whether a check's hint should be shown: only where the learner has something left to do. */
export function needsHint(check: CheckResult): check is CheckResult & { hint: string } {
  return check.status !== 'pass' && typeof check.hint === 'string' && check.hint.length > 0;
}

/** Status marks for terminals; the shape tells them apart without colour. */
export const STATUS_MARK: Record<CheckStatus, string> = { pass: '✔', fail: '✖', partial: '◐', review: '?' };
