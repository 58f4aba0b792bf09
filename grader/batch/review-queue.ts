import type { CheckResult } from '../report/types.ts';
import { csvLine } from './csv.ts';
import { answerTextOf, groupKeyOf, reviewGroupId, wasForReview } from './review-groups.ts';
import type { SubmissionResult } from './types.ts';

/**
 * The review queue of a batch: every learner x check the grader could not decide (status `review`), or
 * that a person has decided since (kept, with the decision, so the queue shows what is done). Items are
 * grouped by their answer group so one decision covers identical and near-identical answers.
 */

export interface ReviewItem {
  learner: string;
  scenario: string;
  check: string;
  /** the answers.yaml key */
  key: string;
  answer: string;
  group: string;
  /** the grouping key (normalised claims or text), what `labctl review learn` turns into accepted claims */
  groupKey: string;
  /** points at stake: the check's maximum */
  points: number;
  /** a person's decision, once made */
  decided?: { points: number; comment?: string };
  /** the learner's report, relative to the output folder */
  report?: string;
}

export interface ReviewGroup {
  id: string;
  scenario: string;
  check: string;
  key: string;
  groupKey: string;
  points: number;
  count: number;
  /** up to three different answers as written, most common first */
  answers: string[];
  items: ReviewItem[];
  /** the decision when every item of the group has the same one */
  decided?: { points: number; comment?: string };
}

export interface ReviewQueue {
  items: ReviewItem[];
  groups: ReviewGroup[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type KeyOf = (scenario: string, check: string) => string | undefined;

function itemOf(r: SubmissionResult, check: CheckResult, report: string | undefined, keyOf: KeyOf): ReviewItem {
  const key = check.answer?.key ?? keyOf(r.scenario, check.id) ?? '';
  const answer = answerTextOf(check, key ? r.answers[key] : undefined);
  const groupKey = groupKeyOf(check.answer, answer);
  return {
    learner: r.learner,
    scenario: r.scenario,
    check: check.id,
    key,
    answer,
    group: reviewGroupId(r.scenario, check.id, groupKey),
    groupKey,
    points: check.maxPoints,
    ...(check.override ? { decided: { points: check.points, ...(check.override.comment ? { comment: check.override.comment } : {}) } } : {}),
    ...(report ? { report } : {}),
  };
}

/**
 * Builds the queue from the kept submissions (`kept`: indexes into `results`), with each learner's report
 * file when known. Deterministic: groups by scenario, check, size (largest first), id; items by learner.
 */
export function buildReviewQueue(results: SubmissionResult[], kept: number[], reportOf: (index: number) => string | undefined = () => undefined, keyOf: KeyOf = () => undefined): ReviewQueue {
  const items: ReviewItem[] = [];
  for (const i of kept) {
    const r = results[i];
    if (!r.report.gradable) continue;
    for (const check of r.report.checks) if (check.kind === 'answer' && wasForReview(check)) items.push(itemOf(r, check, reportOf(i), keyOf));
  }
  items.sort((a, b) => cmp(a.scenario, b.scenario) || cmp(a.check, b.check) || cmp(a.learner, b.learner));
  const byId = new Map<string, ReviewItem[]>();
  for (const it of items) {
    const list = byId.get(it.group);
    if (list) list.push(it);
    else byId.set(it.group, [it]);
  }
  const groups: ReviewGroup[] = [...byId.entries()].map(([id, its]) => {
    const counts = new Map<string, number>();
    for (const it of its) counts.set(it.answer, (counts.get(it.answer) ?? 0) + 1);
    const answers = [...counts.entries()].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, 3).map(([a]) => a);
    const first = its[0];
    const same = its.every((it) => it.decided && it.decided.points === first.decided?.points && it.decided.comment === first.decided?.comment);
    return {
      id,
      scenario: first.scenario,
      check: first.check,
      key: first.key,
      groupKey: first.groupKey,
      points: first.points,
      count: its.length,
      answers,
      items: its,
      ...(same && first.decided ? { decided: first.decided } : {}),
    };
  });
  groups.sort((a, b) => cmp(a.scenario, b.scenario) || cmp(a.check, b.check) || b.count - a.count || cmp(a.id, b.id));
  return { items, groups };
}

export const REVIEW_COLUMNS = ['learner', 'scenario', 'check', 'key', 'answer', 'group', 'groupSize', 'points', 'decidedPoints', 'comment', 'groupKey'] as const;

/** grades/review.csv: one row per learner x check to review, CRLF line ends, spreadsheet-safe text. */
export function renderReviewCsv(queue: ReviewQueue): string {
  const size = new Map(queue.groups.map((g) => [g.id, g.count]));
  let out = csvLine([...REVIEW_COLUMNS]);
  for (const it of queue.items) {
    out += csvLine([it.learner, it.scenario, it.check, it.key, it.answer, it.group, size.get(it.group) ?? 1, it.points, it.decided?.points, it.decided?.comment, it.groupKey]);
  }
  return out;
}
