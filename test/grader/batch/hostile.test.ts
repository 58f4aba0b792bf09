import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../grader/batch/csv.ts';
import { createBundle } from '../../../grader/provenance/bundle.ts';
import { learnerKey } from '../../../grader/provenance/key.ts';
import { labctl as run } from '../../support/labctl.ts';
import { ghostLoadWork, manifestFor } from '../provenance/learner-lab.ts';

/**
 * Issue 9: one learner could take down the class's batch (a 300-character learner id made a report file
 * name too long: stack trace, no gradebook) and spoof the instructor's terminal (ESC, CR and newlines in
 * entry names and ids went to the progress and problem lines raw).
 */

const SECRET = 'Zq3v9Lr0Xw2mT8kPcY5nB1hJ6sD4fG7a'; // 32 characters from 62: ~190 bits
const LONG = `l${'o'.repeat(298)}ng`;
const SPOOF = 'zed\u001b[2K\r  verified     ana ghost-load\n\u202Eevil';
let root: string;
let res: { code: number; stdout: string; stderr: string };

const labctl = (args: string[], env: Record<string, string> = {}) => run(args, { cwd: root, env: { CI: '1', ...env } });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'labctl-hostile-'));
  const batch = join(root, 'submissions');
  await mkdir(batch);
  // an honest learner, signed
  const ana = manifestFor(SECRET, 'ana', 'ghost-load');
  const w = await ghostLoadWork(join(root, 'work-ana'), ana);
  await createBundle({ scenario: 'ghost-load', dir: w.dir, manifestPath: w.manifestPath, key: learnerKey(SECRET, 'ana'), out: batch, now: new Date('2026-11-25T09:40:00Z') });
  // a signed bundle whose learner id is 301 characters long
  const long = manifestFor(SECRET, LONG, 'ghost-load');
  const lw = await ghostLoadWork(join(root, 'work-long'), { ...long, learner: 'long' });
  await writeFile(lw.manifestPath, JSON.stringify(long));
  await createBundle({ scenario: 'ghost-load', dir: lw.dir, manifestPath: lw.manifestPath, key: learnerKey(SECRET, LONG), out: join(root, 'long.tar.gz') });
  await writeFile(join(batch, 'long.tar.gz'), await readFile(join(root, 'long.tar.gz')));
  // a folder whose name and learner id carry terminal escapes, CR, newline and a bidi override
  const spoofDir = join(batch, SPOOF);
  await mkdir(spoofDir);
  const sw = await ghostLoadWork(join(root, 'work-spoof'), manifestFor(SECRET, 'zed', 'ghost-load'));
  await writeFile(join(spoofDir, 'execsnoop.txt'), await readFile(join(sw.dir, 'execsnoop.txt')));
  await writeFile(join(spoofDir, 'answers.yaml'), `learner: ${JSON.stringify(SPOOF)}\n${await readFile(join(sw.dir, 'answers.yaml'), 'utf8')}`);
  // a binary capture: one learner's problem only
  await mkdir(join(batch, 'cy'));
  await writeFile(join(batch, 'cy', 'answers.yaml'), 'learner: cy\nscenario: ghost-load\nculprit_command: curl\n');
  await writeFile(join(batch, 'cy', 'execsnoop.txt'), Buffer.from([0x50, 0x43, 0x00, 0xff, 0xfe]));
  res = await labctl(['grade', '--batch', 'submissions', '--out-dir', 'out', '--jobs', '0'], { LABCTL_CLASS_SECRET: SECRET });
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('grade --batch with hostile names', () => {
  it('finishes and writes the gradebook, the class report and every report, whatever the names', async () => {
    expect(res.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect([1, 2]).toContain(res.code);
    const out = await readdir(join(root, 'out'));
    expect(out.sort()).toEqual(['batch-summary.json', 'class-report.html', 'gradebook.csv', 'reports', 'review.csv']);
    const reports = await readdir(join(root, 'out', 'reports'));
    expect(reports).toHaveLength(8);
    for (const f of reports) {
      expect(Buffer.byteLength(f)).toBeLessThanOrEqual(100);
      expect(f).toMatch(/^[A-Za-z0-9._-]+$/);
    }
    const csv = parseCsv(await readFile(join(root, 'out', 'gradebook.csv'), 'utf8'));
    const rows = csv.slice(1).map((r) => Object.fromEntries(csv[0].fields.map((h, i) => [h, r.fields[i]])));
    expect(rows.find((r) => r.learner === LONG)).toMatchObject({ provenance: 'verified', status: 'graded' });
    expect(rows.find((r) => r.learner === 'ana')).toMatchObject({ provenance: 'verified', status: 'graded' });
    expect(rows.find((r) => r.learner === 'cy')).toMatchObject({ status: 'ungradable' });
  });

  it('prints no control or bidi character from a name to the terminal', () => {
    for (const text of [res.stdout, res.stderr]) {
      // eslint-disable-next-line no-control-regex
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
    expect(res.stderr).toContain('zed\\x1b[2K\\r  verified     ana ghost-load\\n\\u202eevil');
    // the forged "verified" text never starts a line of its own
    expect(`${res.stdout}${res.stderr}`.split('\n').filter((l) => /^\s*verified\s+ana/.test(l))).toEqual([]);
  });
});
