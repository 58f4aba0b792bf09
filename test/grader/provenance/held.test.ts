import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeOne } from '../../../grader/batch/grade-one.ts';
import { createBundle } from '../../../grader/provenance/bundle.ts';
import { bundleHeld } from '../../../grader/provenance/files.ts';
import { learnerKey } from '../../../grader/provenance/key.ts';
import { verifyBundle } from '../../../grader/provenance/verify.ts';
import { loadSubmission } from '../../../grader/submission/load.ts';
import { ghostLoadWork, manifestFor } from './learner-lab.ts';

/**
 * The batch reads each bundle into memory instead of extracting it (10,000 entries took 20 s to write
 * out): provenance must come to the same verdict, with the same messages, as on the extracted folder.
 */

const SECRET = 'Zq3v9Lr0Xw2mT8kPcY5nB1hJ6sD4fG7a';
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'labctl-held-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A real `labctl submit` bundle of ana's lab, and the same bundle extracted by GNU tar. */
async function anaBundle(name: string): Promise<{ file: string; folder: string }> {
  const base = join(tmp, name);
  const manifest = manifestFor(SECRET, 'ana', 'ghost-load');
  const { dir, manifestPath } = await ghostLoadWork(base, manifest, manifest);
  const res = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, 'ana'), out: base, now: new Date('2026-11-25T09:40:00Z') });
  const folder = join(base, 'extracted');
  await mkdir(folder);
  execFileSync('tar', ['xzf', res.file, '-C', folder]);
  return { file: res.file, folder };
}

async function verifyBoth(file: string, folder: string) {
  const sub = await loadSubmission(file);
  try {
    expect(sub.held).toBeDefined();
    const fromMemory = await verifyBundle(bundleHeld(sub.held!), { classSecret: SECRET });
    expect(fromMemory).toEqual(await verifyBundle(folder, { classSecret: SECRET }));
    return fromMemory;
  } finally {
    await sub.cleanup();
  }
}

describe('provenance of a bundle read into memory', () => {
  it('an untouched bundle is verified, as extracted', async () => {
    const { file, folder } = await anaBundle('ok');
    expect((await verifyBoth(file, folder)).status).toBe('verified');
  });

  it('a capture changed and a file added after submit are tampered, with the same findings as extracted', async () => {
    const { folder } = await anaBundle('edited');
    const capture = execFileSync('sh', ['-c', "ls | grep -v -e answers -e manifest | head -1"], { cwd: folder, encoding: 'utf8' }).trim();
    await appendFile(join(folder, capture), 'curl 1 2 0 /usr/bin/curl http://127.0.0.1/\n');
    await appendFile(join(folder, 'extra.txt'), 'added later\n');
    const file = join(tmp, 'edited.tgz');
    execFileSync('tar', ['czf', file, '-C', folder, '.']);
    const r = await verifyBoth(file, folder);
    expect(r.status).toBe('tampered');
    expect(r.message).toContain(`${capture}: changed after \`labctl submit\``);
    expect(r.message).toContain('extra.txt: added after `labctl submit`');
  });

  it('the batch grades the .tgz as verified without extracting it', async () => {
    const { file } = await anaBundle('batch');
    const r = await gradeOne({ id: 0, path: file, entry: 'ana.tgz', classSecret: SECRET, requireDerivedSeed: true });
    expect(r.provenance.status).toBe('verified');
    expect(r.learner).toBe('ana');
    expect(r.report.gradable).toBe(true);
  });
});
