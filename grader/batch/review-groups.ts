import { createHash } from 'node:crypto';
import type { AnswerReading, CheckResult } from '../report/types.ts';

/**
 * Answer groups: identical and near-identical answers to one check share a group, so an instructor decides
 * them at once (as Gradescope's answer groups do). The grouping key is the grader's normalised claims
 * (`answer.claimKey`), else the answer text with case, punctuation, articles and spacing taken out.
 * The group id is a short hash of scenario, check and key: the same answers get the same id on every run,
 * which is what lets grades/overrides.yaml name a group.
 */

const FILLER = new Set(['a', 'an', 'the']);

/** Answer text reduced to what tells answers apart: `The curl LOOP!` and `curl loop` are one group. */
export function normaliseAnswerText(text: string): string {
  const words = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}/._-]+/gu, ' ')
    .split(' ')
    .map((w) => w.replace(/^[._-]+|[._-]+$/g, ''))
    .filter((w) => w && !FILLER.has(w));
  return words.join(' ');
}

/** The answers.yaml key of each answer check, from the scenarios, for reports whose checks carry no reading. */
export function answerKeysOf(scenarios: Record<string, { checks: readonly { id: string; kind: string; with: object }[] }>): (scenario: string, check: string) => string | undefined {
  return (scenario, check) => {
    const def = scenarios[scenario]?.checks.find((c) => c.id === check);
    const key = def?.kind === 'answer' ? (def.with as { key?: unknown }).key : undefined;
    return typeof key === 'string' ? key : undefined;
  };
}

/** The text a check's answer was read as: the grader's reading, else the raw answers.yaml value. */
export function answerTextOf(check: CheckResult, raw: string | undefined): string {
  return check.answer?.answer ?? raw ?? '';
}

export function groupKeyOf(reading: AnswerReading | undefined, answerText: string): string {
  const claims = reading?.claimKey?.trim();
  if (claims) return `claims:${claims}`;
  return `text:${normaliseAnswerText(answerText) || '(empty)'}`;
}

export function reviewGroupId(scenario: string, check: string, groupKey: string): string {
  return `g-${createHash('sha256').update(`${scenario}\0${check}\0${groupKey}`).digest('hex').slice(0, 8)}`;
}

/** Whether a check is, or was before a person decided it, pending review. */
export function wasForReview(check: CheckResult): boolean {
  return check.status === 'review' || check.override?.graded?.status === 'review';
}
