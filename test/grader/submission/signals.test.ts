import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 9: Ctrl-C during a grade left `labctl-submission-*` temp folders behind (310 MB after one run).
 * A real archive with a big capture, a real labctl process, a real signal.
 */

const BIN = fileURLToPath(new URL('../../../bin/labctl.js', import.meta.url));
let root: string;
let archive: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'labctl-signals-'));
  const src = join(root, 'src');
  await mkdir(src);
  await writeFile(join(src, 'answers.yaml'), 'scenario: ghost-load\nculprit_command: curl\n');
  // ~150 MB of execsnoop rows: long enough to extract and parse that a signal lands mid-way
  const fd = openSync(join(src, 'execsnoop.txt'), 'w');
  writeSync(fd, 'TIME(s)  PCOMM            PID    PPID   RET ARGS\n');
  const rows = Array.from({ length: 50_000 }, (_, i) => `${(i * 0.001).toFixed(3)}   curl             ${7000 + i}   6242     0 /usr/bin/curl -s http://127.0.0.1:8089/healthz\n`).join('');
  for (let i = 0; i < 30; i++) writeSync(fd, rows);
  closeSync(fd);
  archive = join(root, 'big.tgz');
  execFileSync('tar', ['czf', archive, '-C', src, '.']);
  await rm(src, { recursive: true });
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function stopMidway(args: string[], signal: NodeJS.Signals, prefix: string): Promise<{ left: string[]; code: number | null; sig: NodeJS.Signals | null }> {
  const tmp = join(root, `tmp-${signal}-${prefix}`);
  await mkdir(tmp);
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' }, stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  // wait until the extraction folder exists, then stop the process
  for (let i = 0; i < 600; i++) {
    if ((await readdir(tmp)).some((n) => n.startsWith(prefix))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect((await readdir(tmp)).some((n) => n.startsWith(prefix))).toBe(true);
  child.kill(signal);
  const how = await exited;
  // only ours: tsx, when it runs the sources, keeps its cache there too
  return { left: (await readdir(tmp)).filter((n) => n.startsWith('labctl-')), ...how };
}

describe('temp folders on SIGINT/SIGTERM', () => {
  it('labctl grade removes its extraction folder when interrupted', async () => {
    const r = await stopMidway(['grade', archive, '--scenario', 'ghost-load'], 'SIGINT', 'labctl-submission-');
    expect(r.left).toEqual([]);
    expect(r.sig === 'SIGINT' || r.code === 130).toBe(true);
  }, 120_000);

  it('labctl grade --batch removes the extraction folders of every worker when terminated', async () => {
    const batch = join(root, 'batch');
    await mkdir(batch, { recursive: true });
    for (const n of ['a', 'b', 'c']) await writeFile(join(batch, `${n}.tgz`), await (await import('node:fs/promises')).readFile(archive));
    const r = await stopMidway(['grade', '--batch', batch, '--out-dir', join(root, 'out'), '--jobs', '2'], 'SIGTERM', 'labctl-batch-');
    expect(r.left).toEqual([]);
    expect(r.sig === 'SIGTERM' || r.code === 143).toBe(true);
  }, 120_000);
});
