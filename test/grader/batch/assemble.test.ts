import { describe, expect, it } from 'vitest';
import { assembleBatch } from '../../../grader/batch/assemble.ts';
import { renderGradebook } from '../../../grader/batch/gradebook.ts';
import type { SubmissionResult } from '../../../grader/batch/types.ts';

let nextId = 0;
function result(entry: string, learner: string, over: Partial<SubmissionResult> & { score?: number; gradable?: boolean } = {}): SubmissionResult {
  const { score = 80, gradable = true, ...rest } = over;
  return {
    id: nextId++,
    entry,
    learner,
    learnerFrom: 'provenance',
    scenario: 'ghost-load',
    report: { scenario: 'ghost-load', learner, score: gradable ? score : 0, maxScore: gradable ? 100 : 0, passed: gradable && score >= 70, gradable, checks: [], captures: [], notes: gradable ? [] : ['answers.yaml: missing'] },
    provenance: { status: 'verified', message: 'ok' },
    createdAt: '2026-11-25T10:00:00.000Z',
    answers: {},
    digests: [],
    ms: 1,
    ...rest,
  };
}

describe('assembleBatch', () => {
  it('keeps the newest of duplicate submissions and reports the older ones', () => {
    const results = [
      result('a-old.tar.gz', 'ana', { createdAt: '2026-11-25T09:00:00.000Z', score: 40 }),
      result('a-new.tar.gz', 'ana', { createdAt: '2026-11-25T11:00:00.000Z', score: 90 }),
      result('a-mid.tar.gz', 'ana', { createdAt: '2026-11-25T10:00:00.000Z', score: 60 }),
    ];
    const out = assembleBatch(results);
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0]).toMatchObject({ learner: 'ana', file: 'a-new.tar.gz', score: 90, percent: 90, passed: true, status: 'graded' });
    expect(out.rows[0].message).toBe('newest of 3 submissions (ignored: a-mid.tar.gz, a-old.tar.gz)');
    expect(out.superseded.map((s) => s.file)).toEqual(['a-mid.tar.gz', 'a-old.tar.gz']);
    expect(out.problems.map((p) => [p.kind, p.file])).toEqual([
      ['duplicate', 'a-mid.tar.gz'],
      ['duplicate', 'a-old.tar.gz'],
    ]);
  });

  it('lists roster learners without a submission as missing, and flags submissions from learners not on it', () => {
    const out = assembleBatch([result('ana.tgz', 'ana'), result('zed.tgz', 'zed')], {
      roster: [{ learner: 'ana', name: 'Ana' }, { learner: 'ben', name: 'Ben', email: 'b@x.org' }],
    });
    expect(out.rows.map((r) => [r.learner, r.status, r.onRoster, r.provenance])).toEqual([
      ['ana', 'graded', true, 'verified'],
      ['ben', 'missing', true, 'missing'],
      ['zed', 'graded', false, 'verified'],
    ]);
    expect(out.rows[1]).toMatchObject({ name: 'Ben', email: 'b@x.org', score: null, file: '' });
    expect(out.problems.map((p) => p.kind)).toEqual(['not-on-roster', 'missing']);
    expect(out.problems[1].message).toBe('no ghost-load submission from ben (Ben)');
  });

  it('turns ungradable reports and bad provenance into problems; unsigned only when signatures are expected', () => {
    const results = [
      result('bad.tgz', 'cy', { gradable: false }),
      result('t.tgz', 'dee', { provenance: { status: 'tampered', message: 'execsnoop.txt: changed' } }),
      result('w.tgz', 'eve', { provenance: { status: 'wrong-learner', message: 'another lab' } }),
      result('u.tgz', 'fay', { provenance: { status: 'unsigned', message: 'no record' } }),
    ];
    expect(assembleBatch(results).problems.map((p) => p.kind)).toEqual(['tampered', 'wrong-learner', 'ungradable']);
    const strict = assembleBatch(results, { expectSigned: true });
    expect(strict.problems.map((p) => p.kind)).toEqual(['tampered', 'wrong-learner', 'ungradable', 'unsigned']);
    expect(strict.rows.find((r) => r.learner === 'cy')).toMatchObject({ status: 'ungradable', score: null, gradable: false, message: 'answers.yaml: missing' });
    expect(strict.rows.find((r) => r.learner === 'dee')!.message).toBe('unverified (tampered): not counted as dee\'s grade; provenance tampered: execsnoop.txt: changed');
    expect(assembleBatch(results).rows.find((r) => r.learner === 'dee')!.message).toBe('provenance tampered: execsnoop.txt: changed');
  });

  it('is deterministic whatever order results arrive in', () => {
    const a = [result('b.tgz', 'ben'), result('a.tgz', 'ana'), result('c.tgz', 'cy', { scenario: 'offcpu-lock' })];
    const one = renderGradebook(assembleBatch(a, { roster: [{ learner: 'dee' }] }).rows);
    const two = renderGradebook(assembleBatch([...a].reverse(), { roster: [{ learner: 'dee' }] }).rows);
    expect(two).toBe(one);
    expect(one.split('\r\n').slice(0, 1)[0]).toBe('learner,scenario,score,maxScore,percent,passed,gradable,provenance,file,status,name,email,message,pendingPoints,instructorPoints,selfChecks,hints,why');
    expect(one.split('\r\n').slice(1, -1).map((l) => l.split(',').slice(0, 2).join('/'))).toEqual(['ana/ghost-load', 'ben/ghost-load', 'cy/offcpu-lock', 'dee/ghost-load', 'dee/offcpu-lock']);
  });
});
