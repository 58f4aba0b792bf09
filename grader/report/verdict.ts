import { formatPoints, formatScore } from './format.ts';
import type { CheckResult, GradeReport } from './types.ts';

/** The pass mark when a report does not carry its scenario's (scenario.yaml's default). */
const DEFAULT_PASS_PERCENT = 70;

/** Points of checks waiting for a person's decision. */
export function pendingPoints(report: Pick<GradeReport, 'checks' | 'pendingPoints'>): number {
  if (typeof report.pendingPoints === 'number') return report.pendingPoints;
  return round1(report.checks.filter((c) => c.status === 'review').reduce((s, c) => s + c.maxPoints, 0));
}

/** Points a person set (grades/overrides.yaml), summed over the overridden checks. */
export function instructorPoints(report: Pick<GradeReport, 'checks'>): number {
  return round1(report.checks.filter((c) => c.override).reduce((s, c) => s + c.points, 0));
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The points needed to pass: passPercent% of maxScore. */
export function passPoints(report: Pick<GradeReport, 'maxScore' | 'passPercent'>): number {
  return ((report.passPercent ?? DEFAULT_PASS_PERCENT) / 100) * report.maxScore;
}

/**
 * Score, pending points and verdict from the checks, by the grader's rule: every required check passed and
 * score >= the pass mark. Used after a person changed some checks' points.
 */
export function recomputeVerdict(report: GradeReport): GradeReport {
  if (!report.gradable) return report;
  const score = round1(report.checks.reduce((s, c) => s + c.points, 0));
  const maxScore = report.checks.reduce((s, c) => s + c.maxPoints, 0);
  const requiredFailed = report.checks.some((c) => c.required && c.status !== 'pass');
  const next: GradeReport = { ...report, score, maxScore };
  const pending = round1(report.checks.filter((c) => c.status === 'review').reduce((s, c) => s + c.maxPoints, 0));
  if (pending > 0) next.pendingPoints = pending;
  else delete next.pendingPoints;
  next.passed = !requiredFailed && score >= passPoints(next);
  return next;
}

/**
 * Why a gradable report did not pass, one reason per line, most decisive first: required checks that did
 * not pass, then the score against the pass mark; and, passed or not, points still pending review and
 * whether a decision could change the verdict. Empty for a passed report with nothing pending and for an
 * ungradable one (its notes say why).
 */
export function verdictReasons(report: GradeReport): string[] {
  if (!report.gradable) return [];
  const out: string[] = [];
  const pending = pendingPoints(report);
  const reviewIds = report.checks.filter((c) => c.status === 'review').map((c) => c.id);
  const need = passPoints(report);
  const percent = report.passPercent ?? DEFAULT_PASS_PERCENT;
  if (!report.passed) {
    const failedRequired = report.checks.filter((c) => c.required && c.status !== 'pass');
    for (const c of failedRequired) out.push(`required check ${c.id} ${requiredVerb(c)}: the submission cannot pass without it`);
    if (report.score < need) {
      out.push(`score ${formatScore(report.score, report.maxScore)} is below the pass mark of ${formatPoints(percent)}% (${formatPoints(need)} points)`);
    }
    if (!failedRequired.length && report.score >= need) out.push('not passed (no reason was recorded)');
  }
  if (pending > 0) {
    const couldPass = !report.passed && report.checks.every((c) => !c.required || c.status === 'pass' || c.status === 'review') && report.score + pending >= need;
    const effect = report.passed ? 'they can only add to the score' : couldPass ? 'the submission passes if a person accepts enough of them' : 'even all of them would not make it pass';
    out.push(`${formatPoints(pending)} points pending review (${reviewIds.join(', ')}): ${effect}`);
  }
  return out;
}

function requiredVerb(c: CheckResult): string {
  if (c.status === 'review') return 'is pending review';
  if (c.status === 'partial') return `passed only in part (${formatScore(c.points, c.maxPoints)})`;
  return 'failed';
}

/** One line saying where a check's points came from, when a person set them. */
export function overrideLine(c: CheckResult): string | undefined {
  if (!c.override) return undefined;
  return `points set by the instructor${c.override.comment ? `: ${c.override.comment}` : ''}`;
}

/**
 * The structure behind an answer check's message, as short lines: concepts asserted, rejected and missing,
 * the misconception's feedback, a contradiction with the learner's capture. Empty when there is no reading.
 */
export function answerLines(c: CheckResult): string[] {
  const a = c.answer;
  if (!a) return [];
  const out: string[] = [];
  if (a.asserted.length) out.push(`asserted: ${a.asserted.join('; ')}`);
  if (a.rejected.length) out.push(`rejected: ${a.rejected.join('; ')}`);
  if (a.missing.length && c.status !== 'pass') out.push(`missing: ${a.missing.join('; ')}`);
  if (a.misconception) out.push(`misconception: ${a.misconception.feedback}`);
  if (a.contradiction) out.push(`contradicts your capture: ${a.contradiction}`);
  return out;
}
