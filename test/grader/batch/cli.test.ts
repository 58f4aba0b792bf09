import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labctl as run } from '../../support/labctl.ts';
import { CLASS_SECRET, makeClassBatch } from './class-fixture.ts';

let fx: Awaited<ReturnType<typeof makeClassBatch>>;

const labctl = (args: string[], env: Record<string, string> = {}) => run(args, { cwd: fx.root, env: { CI: '1', ...env } });

beforeAll(async () => {
  fx = await makeClassBatch();
}, 60_000);
afterAll(async () => {
  await fx?.cleanup();
});

describe('labctl grade --batch (the CLI, worker threads started from the tsx-run CLI)', () => {
  it('grades the folder, prints progress and problems, writes the outputs and exits 2 (ungradable entries)', async () => {
    const res = await labctl(['grade', '--batch', 'submissions', '--roster', 'roster.csv', '--out-dir', 'out', '--jobs', '2'], { LABCTL_CLASS_SECRET: CLASS_SECRET });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('[8/8]');
    expect(res.stdout).toMatch(/^batch: 8 submission\(s\) in [\d.]+ s on 2 worker\(s\); 1 graded, 4 unverified, 2 ungradable, 9 missing$/m);
    expect(res.stdout).toMatch(/^ {2}tampered +cy\/ghost-load submission-cy-/m);
    expect(res.stdout).toMatch(/^ {2}wrong-learner +ben\/ghost-load /m);
    expect(res.stdout).toMatch(/^ {2}ungradable +truncated\/unknown truncated\.tar\.gz: cannot read the archive: /m);
    expect(res.stdout).toContain('gradebook: out/gradebook.csv');
    expect((await readdir(join(fx.root, 'out'))).sort()).toEqual(['batch-summary.json', 'class-report.html', 'gradebook.csv', 'reports', 'review.csv']);
    const summary = JSON.parse(await readFile(join(fx.root, 'out', 'batch-summary.json'), 'utf8'));
    expect(summary.exitCode).toBe(2);
    expect(summary.superseded).toEqual([expect.objectContaining({ learner: 'ana', file: 'submission-ana-ghost-load-20261125T094000Z.tar.gz' })]);
  });

  it('without a secret the HMACs are not checked, and says so', async () => {
    const res = await labctl(['grade', '--batch', 'submissions', '--out-dir', 'out-nosecret', '--jobs', '0']);
    expect(res.stdout).toContain('bundle HMACs were not checked');
    const csv = await readFile(join(fx.root, 'out-nosecret', 'gradebook.csv'), 'utf8');
    expect(csv).toMatch(/^ana,ghost-load,.*,unchecked,/m);
  });

  it('rejects bad invocations with exit 2 and a hint', async () => {
    const both = await labctl(['grade', 'x', '--batch', 'submissions']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('pass either a submission');
    const noDir = await labctl(['grade', '--batch', 'nope']);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain('cannot read the batch folder nope: no such folder');
    const jobs = await labctl(['grade', '--batch', 'submissions', '--jobs', 'many']);
    expect(jobs.stderr).toContain('--jobs many: expected a whole number');
    const help = await labctl(['grade', '--help']);
    expect(help.stdout).toContain('Exit status in batch mode: 0 every submission graded');
  });
});
