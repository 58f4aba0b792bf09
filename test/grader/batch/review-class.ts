import type { SubmissionResult } from '../../../grader/batch/types.ts';
import type { CheckResult } from '../../../grader/report/types.ts';

/**
 * Test helper: six graded ghost-load submissions whose root cause the grader left to a person. ana and ben
 * wrote the same sentence (case and punctuation aside); cy's and fay's answers have the same claims (the
 * grader's claim key), fay's already decided; eve's is a spreadsheet formula; dee's carries markup.
 */
export function reviewClass(): { results: SubmissionResult[]; kept: number[]; reportOf: (i: number) => string } {
  const rc = (answer: string, claimKey?: string, decided = false): CheckResult => ({
    id: 'root-cause-answer',
    kind: 'answer',
    points: decided ? 10 : 0,
    maxPoints: 10,
    status: decided ? 'pass' : 'review',
    message: 'Root cause: names no known cause and no known misconception',
    answer: { key: 'root_cause', answer, asserted: [], rejected: [], missing: ['short-lived processes'], ...(claimKey ? { claimKey } : {}) },
    ...(decided ? { override: { by: 'instructor' as const, comment: 'spawning in a loop, yes', graded: { status: 'review' as const, points: 0 } } } : {}),
  });
  const answers: [string, CheckResult][] = [
    ['ana', rc('The monitor pings the web service NON-STOP!')],
    ['ben', rc('  monitor pings the web service non-stop.')],
    ['cy', rc('curl gets spawned in a loop', 'loop curl spawn', true)],
    ['dee', rc('<b>it is CPU</b>')],
    ['eve', rc('=HYPERLINK("http://evil/","click")')],
    ['fay', rc('a loop keeps spawning curl', 'loop curl spawn', true)],
  ];
  const results = answers.map(([learner, check], id): SubmissionResult => ({
    id,
    entry: learner,
    learner,
    learnerFrom: 'provenance',
    scenario: 'ghost-load',
    report: {
      scenario: 'ghost-load',
      learner,
      score: 80 + check.points,
      maxScore: 100,
      passed: true,
      gradable: true,
      passPercent: 70,
      checks: [{ id: 'execsnoop-captured', kind: 'evidence', points: 80, maxPoints: 80, status: 'pass', message: 'ok', required: true }, { id: 'fix-answer', kind: 'answer', points: 10, maxPoints: 10, status: 'pass', message: 'ok' }, check],
      captures: [],
      ...(check.status === 'review' ? { pendingPoints: 10 } : {}),
    },
    provenance: { status: 'verified', message: 'ok' },
    createdAt: '2026-11-25T10:00:00.000Z',
    answers: { root_cause: check.answer!.answer! },
    digests: [],
    activity: { selfChecks: id, hints: id % 3 },
    ms: 1,
  }));
  return { results, kept: results.map((_, i) => i), reportOf: (i) => `reports/${results[i].learner}-ghost-load-1a2b3c.md` };
}
