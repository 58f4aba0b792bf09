import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from '../../../grader/grade.ts';
import type { LabManifest } from '../../../grader/manifest.ts';
import { createBundle } from '../../../grader/provenance/bundle.ts';
import { learnerKey } from '../../../grader/provenance/key.ts';
import { verifyBundle } from '../../../grader/provenance/verify.ts';
import { sealManifest, type SealedManifest } from '../../../grader/sealed-manifest.ts';
import { loadScenario } from '../../../scenarios/load.ts';
import { ghostLoadWork, manifestFor } from './learner-lab.ts';

/**
 * A lab host keeps only the sealed manifest, so `labctl submit` bundles that one. With the class secret
 * the grader derives every fact and checks the seal against them; without it, nothing is taken on trust.
 */

const SECRET = 'sealed-bundle-secret-Vq3Lr8Tn2Wx6';
const tmp = await mkdtemp(join(tmpdir(), 'labctl-sealed-bundle-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

let n = 0;
async function sealedBundle(learner: string, opts: { captureFrom?: string; edit?: (s: SealedManifest) => void; sealFor?: LabManifest } = {}): Promise<{ file: string; root: string; manifest: LabManifest }> {
  const base = join(tmp, `b${++n}`);
  const manifest = manifestFor(SECRET, learner, 'ghost-load');
  const from = opts.captureFrom ? manifestFor(SECRET, opts.captureFrom, 'ghost-load') : manifest;
  const { dir, manifestPath } = await ghostLoadWork(base, manifest, from);
  const sealed = sealManifest(opts.sealFor ?? manifest, loadScenario('ghost-load'));
  opts.edit?.(sealed);
  await writeFile(manifestPath, `${JSON.stringify(sealed, null, 2)}\n`);
  const res = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, learner), out: base, now: new Date('2026-11-25T09:40:00Z') });
  const root = join(base, 'extracted');
  await mkdir(root);
  await extract({ file: res.file, cwd: root });
  return { file: res.file, root, manifest };
}

describe('a bundle carrying the sealed manifest', () => {
  it('names no fact and no seed, and verifies with the class secret; its record carries the seed hash, not the seed', async () => {
    const { root, manifest } = await sealedBundle('ana');
    const text = await readFile(join(root, 'lab-manifest.json'), 'utf8');
    const record = await readFile(join(root, '.provenance.json'), 'utf8');
    for (const v of [manifest.seed, manifest.facts.parent_comm, manifest.facts.url]) {
      expect(text).not.toContain(String(v));
      expect(record).not.toContain(String(v));
    }
    const r = await verifyBundle(root, { classSecret: SECRET });
    expect(r.status, r.message).toBe('verified');
    expect((await verifyBundle(root)).status).toBe('unchecked');
  });

  it('grades with the secret exactly as the plaintext bundle of the same work (facts derived, no tampering)', async () => {
    const { file, manifest } = await sealedBundle('ana');
    const base = join(tmp, 'plain-ana');
    const { dir, manifestPath } = await ghostLoadWork(base, manifest);
    const plain = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, 'ana'), out: base, now: new Date('2026-11-25T09:40:00Z') });
    const sealed = await gradeSubmission(file, { classSecret: SECRET });
    const clear = await gradeSubmission(plain.file, { classSecret: SECRET });
    expect(sealed.gradable, sealed.notes?.join('\n')).toBe(true);
    expect(sealed.checks).toEqual(clear.checks);
    expect(sealed.score).toBe(clear.score);
    expect(sealed.checks.find((c) => c.id === 'parent-answer')?.status).toBe('pass');
    expect(sealed.notes?.join('\n') ?? '').not.toMatch(/tampered|sealed/);
  });

  it('without the secret: names are matched by hash (the right ones pass), a wrong one is left for review', async () => {
    const { file } = await sealedBundle('ana');
    const report = await gradeSubmission(file);
    expect(report.gradable).toBe(true);
    expect(report.checks.find((c) => c.id === 'parent-answer')?.status).toBe('pass');
    const wrong = await sealedBundle('ana', { sealFor: manifestFor(SECRET, 'gus', 'ghost-load') });
    const r = await gradeSubmission(wrong.file);
    expect(r.checks.find((c) => c.id === 'parent-answer')?.status).toBe('review');
    expect(r.pendingPoints).toBeGreaterThan(0);
  });

  it('a lowered threshold in the sealed manifest is tampering, with the secret or without', async () => {
    const { root, file } = await sealedBundle('ben', { edit: (s) => (s.shared.min_rate_per_sec = 1) });
    const withSecret = await verifyBundle(root, { classSecret: SECRET });
    expect(withSecret.status).toBe('tampered');
    expect(withSecret.message).toMatch(/min_rate_per_sec does not match ben's lab/);
    const without = await verifyBundle(root);
    expect(without.status).toBe('tampered');
    expect(without.message).toMatch(/min_rate_per_sec does not match any lab of this scenario/);
    const report = await gradeSubmission(file, { classSecret: SECRET });
    expect(report.notes?.join('\n')).toMatch(/tampered: lab-manifest\.json facts differ from ben's lab .*min_rate_per_sec 1 \(the lab's: 5\)/);
  });

  it("another learner's sealed lab, re-signed with one's own key, is wrong-learner", async () => {
    const { root } = await sealedBundle('cy', { sealFor: { ...manifestFor(SECRET, 'dee', 'ghost-load'), learner: 'cy' } });
    const r = await verifyBundle(root, { classSecret: SECRET });
    // as with a plaintext manifest: its facts are not cy's (tampered, the most serious), nor its seed
    expect(r.status).toBe('tampered');
    expect(r.message).toMatch(/parent_comm, url do not match cy's lab/);
    expect(r.findings.some((f) => f.status === 'wrong-learner' && /seed is not cy's/.test(f.message))).toBe(true);
  });

  it("captures from another learner's lab are wrong-learner even without the secret (the URL hashes to nothing)", async () => {
    const { root } = await sealedBundle('eve', { captureFrom: 'fay' });
    const r = await verifyBundle(root);
    expect(r.status).toBe('wrong-learner');
    expect(r.message).toMatch(/url ".*", but this lab's \(sealed\) name is another/);
    const own = await sealedBundle('eve');
    expect((await verifyBundle(own.root)).findings.some((f) => f.status === 'wrong-learner')).toBe(false);
  });
});
