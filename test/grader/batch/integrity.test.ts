import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, type BatchRun } from '../../../grader/batch/run.ts';
import { createBundle } from '../../../grader/provenance/bundle.ts';
import { learnerKey } from '../../../grader/provenance/key.ts';
import { ghostLoadWork, manifestFor } from '../provenance/learner-lab.ts';

/**
 * Issue 9, reproduced with real `labctl submit` bundles of real captures:
 * - a learner lowers their own bar (min_rate_per_sec: 1) and re-signs with their own key;
 * - a manifest fact of the wrong type ("abc");
 * - an unsigned folder saying `learner: ana`, and a bundle dated 2099 signed with someone else's key,
 *   try to displace ana's verified grade.
 */

const SECRET = 'Zq3v9Lr0Xw2mT8kPcY5nB1hJ6sD4fG7a';
let root: string;
let batch: string;

async function signedBundle(learner: string, at: string, edit: (m: ReturnType<typeof manifestFor>) => unknown = (m) => m, opts: { key?: string; answers?: string } = {}): Promise<string> {
  const m = manifestFor(SECRET, learner, 'ghost-load');
  const w = await ghostLoadWork(join(root, `work-${learner}-${at}`), m);
  await writeFile(w.manifestPath, JSON.stringify(edit(structuredClone(m))));
  if (opts.answers) await writeFile(join(w.dir, 'answers.yaml'), opts.answers);
  const res = await createBundle({ scenario: 'ghost-load', dir: w.dir, manifestPath: w.manifestPath, key: opts.key ?? learnerKey(SECRET, learner), out: batch, now: new Date(at) });
  return res.file;
}

// a slow loop: the learner's own capture shows ~2 curl/s (under the lab's 5/s), so a lowered bar would pass it
const SLOW_ANSWERS = (m: ReturnType<typeof manifestFor>) =>
  [`culprit_command: curl`, `parent_process: ${m.facts.parent_comm}`, 'rate_per_second: 2', 'root_cause: a loop starts curl over and over', 'fix: sleep between polls', ''].join('\n');

let honest: BatchRun;
let run: BatchRun;
const rowOf = (r: BatchRun, file: string) => r.outcome.rows.find((x) => x.file === file)!;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'labctl-integrity-'));
  batch = join(root, 'submissions');
  await mkdir(batch);
  const ben = manifestFor(SECRET, 'ben', 'ghost-load');
  // ben, honest, then ben again with the threshold lowered and re-signed with his own key
  await signedBundle('ben', '2026-11-25T09:00:00Z', (m) => m, { answers: SLOW_ANSWERS(ben) });
  honest = await runBatch({ dir: batch, outDir: join(root, 'grades-honest'), classSecret: SECRET, jobs: 0 });
  await rm(batch, { recursive: true });
  await mkdir(batch);
  await signedBundle('ben', '2026-11-25T09:00:00Z', (m) => ({ ...m, facts: { ...m.facts, min_rate_per_sec: 1 } }), { answers: SLOW_ANSWERS(ben) });
  // cy: a fact of the wrong type, signed
  await signedBundle('cy', '2026-11-25T09:00:00Z', (m) => ({ ...m, facts: { ...m.facts, min_rate_per_sec: 'abc' } }));
  // ana: verified
  await signedBundle('ana', '2026-11-25T09:30:00Z');
  // an unsigned folder saying it is ana's
  const eve = await ghostLoadWork(join(root, 'work-eve'), manifestFor(SECRET, 'ana', 'ghost-load'));
  await mkdir(join(batch, 'ana-resubmit'));
  await writeFile(join(batch, 'ana-resubmit', 'execsnoop.txt'), await readFile(join(eve.dir, 'execsnoop.txt')));
  await writeFile(join(batch, 'ana-resubmit', 'answers.yaml'), 'learner: ana\nscenario: ghost-load\nculprit_command: sleep\n');
  // a bundle for ana dated 2099, signed with eve's key (eve cannot have ana's)
  await signedBundle('ana', '2099-01-01T00:00:00Z', (m) => m, { key: learnerKey(SECRET, 'eve'), answers: 'culprit_command: ls\n' });
  run = await runBatch({ dir: batch, outDir: join(root, 'grades'), classSecret: SECRET, jobs: 0 });
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('grade --batch with the class secret', () => {
  it('a threshold lowered in the manifest and re-signed with the learner key is tampering, graded against the lab\'s own', () => {
    const h = honest.outcome.rows.find((r) => r.learner === 'ben')!;
    expect(h).toMatchObject({ provenance: 'verified', status: 'graded' });
    const forged = run.outcome.rows.find((r) => r.learner === 'ben' && r.file.startsWith('submission-ben-'))!;
    expect(forged.provenance).toBe('tampered');
    expect(forged.message).toMatch(/min_rate_per_sec does not match ben's lab/);
    expect(forged.status).toBe('unverified');
    // the same answers and capture: the same score as the honest bundle, not the lowered bar's
    expect(forged.score).toBe(h.score);
    const report = run.results[forged.result!].report;
    expect(report.notes?.join('\n')).toMatch(/tampered: lab-manifest\.json facts differ from ben's lab .*min_rate_per_sec 1 \(the lab's: 5\)/);
  });

  it('a fact of the wrong type is tampering', () => {
    const cy = run.outcome.rows.find((r) => r.learner === 'cy' && r.file.startsWith('submission-cy-'))!;
    expect(cy.provenance).toBe('tampered');
    expect(cy.message).toContain('facts.min_rate_per_sec: expected a number, got "abc"');
  });

  it('neither an unsigned folder saying `learner: ana` nor a bundle dated 2099 displaces ana\'s verified grade', () => {
    const own = run.outcome.rows.filter((r) => r.learner === 'ana' && r.status !== 'unverified');
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({ provenance: 'verified', status: 'graded', file: 'submission-ana-ghost-load-20261125T093000Z.tar.gz' });
    const conflicts = run.outcome.problems.filter((p) => p.kind === 'conflict').map((p) => p.file);
    expect(conflicts.sort()).toEqual(['ana-resubmit', 'submission-ana-ghost-load-20990101T000000Z.tar.gz']);
    expect(run.outcome.superseded).toEqual([]);
  });
});
