import { beforeAll, describe, expect, it } from 'vitest';
import { accuracyTable, measureKeys, measureStuffed, pooled, type KeyAccuracy, type StuffedResult } from './accuracy-harness.ts';

/**
 * The bar of issue 8, on the labelled learner answers of test/fixtures/answers/: per key, at least 97% of
 * right answers pass and 95% of wrong answers fail on the main set, and no keyword-stuffed submission passes.
 * The hold-out set (20% kept aside by the first writer) and the fresh set (a second writer, who never saw the
 * grader or the first set) are never tuned on: they hold 4-14 answers per key, where one answer moves a key
 * by 7-25 points, so they are held to the bar pooled over all keys, with the margin such small samples need,
 * and their per-key figures are printed (here and in `npm run bench`) for the closing note.
 */
const MIN_RIGHT_ACCEPTED = 0.97;
const MIN_WRONG_REJECTED = 0.95;
const UNSEEN_MIN_RIGHT_ACCEPTED = 0.93;
const UNSEEN_MIN_WRONG_REJECTED = 0.93;

let main: KeyAccuracy[] = [];
let holdout: KeyAccuracy[] = [];
let fresh: KeyAccuracy[] = [];
let stuffed: StuffedResult[] = [];

beforeAll(async () => {
  main = await measureKeys('main');
  holdout = await measureKeys('holdout');
  fresh = await measureKeys('fresh');
  stuffed = await measureStuffed();
  console.log(`\n${accuracyTable(main, holdout, fresh)}\n`);
}, 120_000);

describe('answer grading accuracy on labelled learner answers', () => {
  it('covers every free-text and name key of the three scenarios', () => {
    expect(main.length).toBe(17);
    expect(main.every((r) => r.counts.right > 0 && r.counts.wrong > 0)).toBe(true);
  });

  it('accepts >= 97% of right answers and rejects >= 95% of wrong answers, per key (main set)', () => {
    const below: string[] = [];
    for (const m of main) {
      const accepted = m.rightAccepted / m.counts.right;
      const rejected = m.wrongRejected / m.counts.wrong;
      if (accepted < MIN_RIGHT_ACCEPTED) below.push(`${m.scenario}/${m.key}: ${(accepted * 100).toFixed(1)}% of right answers accepted`);
      if (rejected < MIN_WRONG_REJECTED) below.push(`${m.scenario}/${m.key}: ${(rejected * 100).toFixed(1)}% of wrong answers rejected`);
    }
    expect(below).toEqual([]);
  });

  it.each(['holdout', 'fresh'] as const)('generalises: the %s set, never tuned on, clears the bar pooled over keys', (set) => {
    const rows = set === 'holdout' ? holdout : fresh;
    expect(rows.length).toBeGreaterThanOrEqual(set === 'holdout' ? 17 : 9);
    const t = pooled(rows);
    expect(t.rightAccepted / t.right, `${set}: ${t.rightAccepted}/${t.right} right answers accepted`).toBeGreaterThanOrEqual(UNSEEN_MIN_RIGHT_ACCEPTED);
    expect(t.wrongRejected / t.wrong, `${set}: ${t.wrongRejected}/${t.wrong} wrong answers rejected`).toBeGreaterThanOrEqual(UNSEEN_MIN_WRONG_REJECTED);
  });

  it('passes no keyword-stuffed submission', () => {
    expect(stuffed.length).toBeGreaterThanOrEqual(18);
    expect(stuffed.filter((s) => s.passed).map((s) => `${s.id}: ${s.score}/${s.maxScore}`)).toEqual([]);
  });
});
