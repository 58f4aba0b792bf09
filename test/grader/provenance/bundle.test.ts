import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFileName, createBundle, utcStamp } from '../../../grader/provenance/bundle.ts';
import { learnerKey } from '../../../grader/provenance/key.ts';
import { ghostLoadWork, manifestFor } from './learner-lab.ts';

const SECRET = 'bundle-secret';
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'labctl-bundle-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function entries(file: string): Promise<string[]> {
  const out: string[] = [];
  await list({ file, onReadEntry: (e) => out.push(e.path) });
  return out.sort();
}

describe('createBundle', () => {
  it('names the file after learner, scenario and UTC time', () => {
    expect(utcStamp(new Date('2026-11-25T09:05:07.123Z'))).toBe('20261125T090507Z');
    expect(bundleFileName('ana maria/../x', 'ghost-load', new Date('2026-11-25T09:05:07Z'))).toBe('submission-ana_maria_.._x-ghost-load-20261125T090507Z.tar.gz');
  });

  it('packs answers, captures (subfolders too), the manifest and a signed record; returns the archive sha256', async () => {
    const base = join(tmp, 'pack');
    const m = manifestFor(SECRET, 'ana', 'ghost-load');
    const { dir, manifestPath } = await ghostLoadWork(base, m);
    await mkdir(join(dir, 'more'));
    await writeFile(join(dir, 'more', 'runqlat.log'), 'not really a capture but text\n');
    await writeFile(join(dir, '.bash_history'), 'secret stuff\n');
    await writeFile(join(dir, 'shot.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    const now = new Date('2026-11-25T09:40:00Z');
    const res = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, 'ana'), out: base, now });
    expect(basename(res.file)).toBe('submission-ana-ghost-load-20261125T094000Z.tar.gz');
    expect(res.sha256).toBe(createHash('sha256').update(await readFile(res.file)).digest('hex'));
    expect(res.files).toEqual(['answers.yaml', 'execsnoop.txt', 'lab-manifest.json', 'more/runqlat.log']);
    expect(await entries(res.file)).toEqual(['.provenance.json', 'answers.yaml', 'execsnoop.txt', 'lab-manifest.json', 'more/runqlat.log']);
    expect(res.warnings.join('\n')).toMatch(/left out shot\.png/);
    expect(res.warnings.join('\n')).not.toMatch(/bash_history/);
    // no temp file left beside it
    expect((await readdir(base)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // same inputs, same time: byte-identical archive
    const again = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, 'ana'), out: join(base, 'again.tar.gz'), now });
    expect(again.sha256).toBe(res.sha256);
  });

  it('takes explicit capture files, stored by their path under the work folder or their name', async () => {
    const base = join(tmp, 'explicit');
    const { dir, manifestPath } = await ghostLoadWork(base, manifestFor(SECRET, 'ben', 'ghost-load'));
    await writeFile(join(base, 'outside.txt'), 'x\n');
    const res = await createBundle({ scenario: 'ghost-load', dir, files: [join(dir, 'execsnoop.txt'), join(base, 'outside.txt')], manifestPath, key: learnerKey(SECRET, 'ben'), out: base });
    expect(res.files).toEqual(['answers.yaml', 'execsnoop.txt', 'lab-manifest.json', 'outside.txt']);
  });

  it('makes an unsigned bundle (no record) when there is no key', async () => {
    const base = join(tmp, 'unsigned');
    const { dir, manifestPath } = await ghostLoadWork(base, manifestFor(SECRET, 'cy', 'ghost-load'));
    const res = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: null, out: base });
    expect(res.signed).toBe(false);
    expect(await entries(res.file)).not.toContain('.provenance.json');
  });

  it('refuses clearly: no answers, wrong scenario, unsigned-able manifest, missing capture', async () => {
    const base = join(tmp, 'bad');
    const m = manifestFor(SECRET, 'dee', 'ghost-load');
    const { dir, manifestPath } = await ghostLoadWork(base, m);
    const key = learnerKey(SECRET, 'dee');
    await expect(createBundle({ scenario: 'offcpu-lock', dir, manifestPath, key, out: base })).rejects.toThrow(/manifest of ghost-load, not offcpu-lock/);
    await expect(createBundle({ scenario: 'ghost-load', dir, files: [join(dir, 'nope.txt')], manifestPath, key, out: base })).rejects.toThrow(/nope\.txt does not exist/);
    const { learner: _l, ...anon } = m;
    await writeFile(join(base, 'anon.json'), JSON.stringify(anon));
    await expect(createBundle({ scenario: 'ghost-load', dir, manifestPath: join(base, 'anon.json'), key, out: base })).rejects.toThrow(/names no learner/);
    await writeFile(join(base, 'broken.json'), '{');
    await expect(createBundle({ scenario: 'ghost-load', dir, manifestPath: join(base, 'broken.json'), key, out: base })).rejects.toThrow(/broken\.json: not valid JSON/);
    await rm(join(dir, 'answers.yaml'));
    await expect(createBundle({ scenario: 'ghost-load', dir, manifestPath, key, out: base })).rejects.toThrow(/no answers\.yaml/);
  });
});
