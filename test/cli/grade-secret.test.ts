import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundle } from '../../grader/provenance/bundle.ts';
import { learnerKey } from '../../grader/provenance/key.ts';
import { ghostLoadWork, manifestFor } from '../grader/provenance/learner-lab.ts';
import { labctl as run } from '../support/labctl.ts';

/**
 * `labctl grade BUNDLE --secret S` (one submission, as an instructor or a CI job grades it): the signature
 * names the learner and the expected facts come from the secret, never from the manifest in the bundle.
 */
const SECRET = 'Zq3v9Lr0Xw2mT8kPcY5nB1hJ6sD4fG7a';

// the secret comes only from each test, never from the environment the suite runs in
const labctl = (args: string[], env: Record<string, string> = {}) => run(args, { env: { LABCTL_CLASS_SECRET: '', ...env } });

let root: string;
let honest: string;
let lowered: string;
let foreign: string;

async function bundle(name: string, learner: string, edit: (m: ReturnType<typeof manifestFor>) => unknown, key: string): Promise<string> {
  const m = manifestFor(SECRET, learner, 'ghost-load');
  const w = await ghostLoadWork(join(root, `work-${name}`), m);
  await writeFile(w.manifestPath, JSON.stringify(edit(structuredClone(m))));
  const out = join(root, name);
  await mkdir(out);
  return (await createBundle({ scenario: 'ghost-load', dir: w.dir, manifestPath: w.manifestPath, key, out, now: new Date('2026-11-20T10:00:00Z') })).file;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'labctl-grade-secret-'));
  honest = await bundle('honest', 'ana', (m) => m, learnerKey(SECRET, 'ana'));
  // the learner holds their own key: a lowered bar re-signed with it still carries a valid HMAC
  lowered = await bundle('lowered', 'ana', (m) => ({ ...m, facts: { ...m.facts, min_rate_per_sec: 1 } }), learnerKey(SECRET, 'ana'));
  foreign = await bundle('foreign', 'ana', (m) => m, learnerKey('another-class-secret-of-real-strength-42', 'ana'));
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('labctl grade --secret on one bundle', () => {
  it('grades a verified bundle for the learner its signature names', async () => {
    const res = await labctl(['grade', honest, '--secret', SECRET, '--format', 'json']);
    const report = JSON.parse(res.stdout) as { learner: string; gradable: boolean; notes?: string[] };
    expect(report.gradable).toBe(true);
    expect(report.learner).toBe('ana');
    expect(report.notes?.some((n) => n.startsWith('provenance: verified'))).toBe(true);
    expect([0, 1]).toContain(res.code);
  });

  it('does not grade a bundle whose facts were edited, even re-signed with the learner key (exit 2, says why)', async () => {
    const res = await labctl(['grade', lowered, '--format', 'json'], { LABCTL_CLASS_SECRET: SECRET });
    const report = JSON.parse(res.stdout) as { gradable: boolean; notes: string[] };
    expect(res.code).toBe(2);
    expect(report.gradable).toBe(false);
    expect(report.notes[0]).toMatch(/^not graded: the bundle is tampered: /);
  });

  it('does not grade a bundle signed with another class key', async () => {
    const res = await labctl(['grade', foreign, '--secret', SECRET, '--format', 'json']);
    expect(res.code).toBe(2);
    expect((JSON.parse(res.stdout) as { notes: string[] }).notes[0]).toMatch(/^not graded: the bundle is (tampered|wrong-learner|unsigned)/);
  });

  it('refuses --manifest next to the secret, and a weak secret, before reading anything', async () => {
    const both = await labctl(['grade', honest, '--secret', SECRET, '--manifest', join(root, 'nope.json')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--manifest does not go with the class secret/);
    const weak = await labctl(['grade', honest, '--secret', 'abc']);
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/secret/i);
  });

  it('without a secret grades as before (the manifest in the bundle)', async () => {
    const res = await labctl(['grade', lowered, '--format', 'json']);
    expect((JSON.parse(res.stdout) as { gradable: boolean }).gradable).toBe(true);
  });
});
