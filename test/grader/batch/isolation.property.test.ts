import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleBatch, type GradebookRow } from '../../../grader/batch/assemble.ts';
import type { ProvenanceCell, SubmissionResult } from '../../../grader/batch/types.ts';

/**
 * Issue 9, property: for random rosters and submissions graded with the class secret, changing one
 * learner's submissions (anything they can make: other answers, other dates, any claimed learner id,
 * broken or unsigned bundles) never changes another learner's row in the gradebook. What a learner can
 * make is modelled by what verification allows: a submission verifies only for the learner whose key
 * signed it, so learner X's verified submissions are X's; everything else X makes is unverified.
 */

const LEARNERS = ['ana', 'ben', 'cy', 'dee', 'eve', 'fay'];
const SCENARIOS = ['ghost-load', 'offcpu-lock'];
const OTHER_STATUS: ProvenanceCell[] = ['unsigned', 'tampered', 'wrong-learner', 'unchecked', 'not-checked'];

interface Sub {
  /** who the submission claims to be */
  claims: string;
  verified: boolean;
  status: ProvenanceCell;
  scenario: string;
  createdAt: string;
  gradable: boolean;
  score: number;
  entry: string;
}

const arbDate = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2099, 11, 31) }).map((t) => new Date(t).toISOString());
const arbName = fc.oneof(fc.constantFrom(...LEARNERS), fc.string({ minLength: 1, maxLength: 300 }), fc.constant('a'.repeat(260)), fc.constant('x\u001b[2K\r\u202E'));

/** What learner `who` can submit: verified only as themselves. */
const arbSubs = (who: string) =>
  fc.array(
    fc.record({
      verified: fc.boolean(),
      claims: arbName,
      status: fc.constantFrom(...OTHER_STATUS),
      scenario: fc.constantFrom(...SCENARIOS),
      createdAt: arbDate,
      gradable: fc.boolean(),
      score: fc.integer({ min: 0, max: 100 }),
      tag: fc.string({ maxLength: 30 }),
    }),
    { maxLength: 4 },
  ).map((list) =>
    list.map((s, i): Sub => ({
      claims: s.verified ? who : s.claims,
      verified: s.verified,
      status: s.verified ? 'verified' : s.status,
      scenario: s.scenario,
      createdAt: s.createdAt,
      gradable: s.gradable,
      score: s.score,
      // entry names are unique in a folder; each learner's own prefix keeps them apart
      entry: `${who}/${i}/${s.tag}`,
    })),
  );

function results(subs: Sub[]): SubmissionResult[] {
  return subs.map((s, id) => ({
    id,
    entry: s.entry,
    learner: s.claims,
    learnerFrom: s.verified ? 'provenance' : 'answers',
    trusted: s.verified,
    scenario: s.scenario,
    report: { scenario: s.scenario, learner: s.claims, score: s.gradable ? s.score : 0, maxScore: s.gradable ? 100 : 0, passed: s.gradable && s.score >= 70, gradable: s.gradable, checks: [], captures: [], notes: s.gradable ? [] : ['broken'] },
    provenance: { status: s.status, message: s.status },
    createdAt: s.createdAt,
    answers: {},
    digests: [],
    ms: 1,
  }));
}

/** A learner's own rows: their verified submission or a missing row (unverified claims are rows of their own). */
function ownRows(rows: GradebookRow[], except: string): string[] {
  return rows
    .filter((r) => r.learner !== except && (r.provenance === 'verified' || r.provenance === 'missing'))
    .map(({ result: _r, ...r }) => JSON.stringify(r))
    .sort();
}

describe('gradebook isolation (property)', () => {
  it('changing one learner\'s submissions never changes another learner\'s row', () => {
    fc.assert(
      fc.property(
        fc.subarray(LEARNERS, { minLength: 1 }),
        fc.record(Object.fromEntries(LEARNERS.map((l) => [l, arbSubs(l)]))) as fc.Arbitrary<Record<string, Sub[]>>,
        fc.constantFrom(...LEARNERS),
        fc.constantFrom(...LEARNERS).chain((who) => arbSubs(who).map((subs) => ({ who, subs }))),
        (roster, byLearner, _unused, change) => {
          const before = LEARNERS.flatMap((l) => byLearner[l]);
          const after = LEARNERS.flatMap((l) => (l === change.who ? change.subs : byLearner[l]));
          const opts = { roster: roster.map((learner) => ({ learner })), scenarios: SCENARIOS, expectSigned: true };
          const a = assembleBatch(results(before), opts);
          const b = assembleBatch(results(after), opts);
          expect(ownRows(b.rows, change.who)).toEqual(ownRows(a.rows, change.who));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('without the isolation (no class secret) a claim can take another learner\'s row: why the secret matters', () => {
    const ana: Sub = { claims: 'ana', verified: true, status: 'verified', scenario: 'ghost-load', createdAt: '2026-11-25T09:00:00.000Z', gradable: true, score: 90, entry: 'ana.tgz' };
    const forged: Sub = { claims: 'ana', verified: false, status: 'unsigned', scenario: 'ghost-load', createdAt: '2099-01-01T00:00:00.000Z', gradable: true, score: 10, entry: 'zed.tgz' };
    const loose = assembleBatch(results([ana, forged]), { expectSigned: false });
    expect(loose.rows.find((r) => r.learner === 'ana')!.file).toBe('zed.tgz');
    const strict = assembleBatch(results([ana, forged]), { expectSigned: true });
    expect(strict.rows.find((r) => r.learner === 'ana' && r.status === 'graded')!.file).toBe('ana.tgz');
  });
});
