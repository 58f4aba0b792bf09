/**
 * Hostile input (issue 9): every input within the size caps must be answered in < 10 s and < 300 MB RSS.
 * Each case runs the real CLI (`labctl grade X --format json`) as a child under /usr/bin/time. Two
 * baselines from the same run make the numbers compare across machines and loads: `gzip -dc | wc -l` over
 * the same bytes (the least any grader must do to read them), and grading the ghost-load example
 * submission packed as a .tgz (start-up plus a normal grade: the floor of every case). The load average
 * is printed before and after, since other work on the machine inflates every absolute time.
 * Before the fixes, case 1 took 468 s and 820 MB; the 10,000-file bundle 18-20 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/labctl.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../scenarios/ghost-load/examples/correct/', import.meta.url));
const MB = 1024 * 1024;

function fill(path: string, head: string, piece: string, bytes: number, tail = ''): void {
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  const block = piece.repeat(Math.max(1, Math.floor(Math.min(bytes, 4 * MB) / piece.length)));
  for (let n = 0; n < bytes; n += block.length) writeSync(fd, block);
  writeSync(fd, tail);
  closeSync(fd);
}

/** Wall time, CPU time (user + system: less inflated by other load than wall time) and peak RSS of a child. */
function timed(cmd: string, args: string[], opts: { shell?: boolean } = {}): { seconds: number; cpu: number; rssMb: number; code: number; out: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * MB, env: { ...process.env, NO_COLOR: '1' }, ...opts });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [s, kb, user, sys] = last.split(' ').map(Number);
  return { seconds: s, cpu: user + sys, rssMb: Math.round(kb / 1024), code: r.status ?? -1, out: r.stdout };
}

type Case = { name: string; make: (dir: string) => string };

const answers = 'scenario: ghost-load\nculprit_command: curl\n';
const tgz = (dir: string, name: string, build: (sub: string) => void, ownAnswers = false): string => {
  const sub = join(dir, `${name}-src`);
  mkdirSync(sub);
  build(sub);
  execFileSync('sh', ['-c', `${ownAnswers ? '' : `printf '%s' "$1" > answers.yaml && `}tar czf ../${name}.tgz .`, 'sh', answers], { cwd: sub });
  rmSync(sub, { recursive: true });
  return join(dir, `${name}.tgz`);
};

const CASES: Case[] = [
  { name: '200 MB single line, no newline (.tgz)', make: (d) => tgz(d, 'line', (s) => fill(join(s, 'capture.txt'), '', 'A', 200 * MB)) },
  { name: '200 MB of short unrecognised lines (.tgz)', make: (d) => tgz(d, 'short', (s) => fill(join(s, 'notes.txt'), '', 'hello world, nothing to see\n', 200 * MB)) },
  { name: 'execsnoop header + 100 MB line', make: (d) => tgz(d, 'exec', (s) => fill(join(s, 'execsnoop.txt'), 'PCOMM            PID    PPID   RET ARGS\n', 'curl 1 2 0 x ', 100 * MB, '\n')) },
  { name: 'execsnoop header + 100 MB of 60 KiB rows', make: (d) => tgz(d, 'exec60', (s) => fill(join(s, 'execsnoop.txt'), 'PCOMM            PID    PPID   RET ARGS\n', `curl 1 2 0 ${'x '.repeat(30_000)}\n`, 100 * MB)) },
  { name: 'histogram header + 100 MB of 60 KiB lines', make: (d) => tgz(d, 'hist', (s) => fill(join(s, 'biolatency.txt'), 'Tracing block device I/O... Hit Ctrl-C to end.\n     usecs               : count     distribution\n', `${'1 -> 2 : 3 |**| '.repeat(3800)}\n`, 100 * MB)) },
  { name: 'offcputime stack + 100 MB of frames', make: (d) => tgz(d, 'stacks', (s) => fill(join(s, 'offcputime.txt'), 'Tracing off-CPU time (us) of all threads by user + kernel stack... Hit Ctrl-C to end.\n    schedule\n    -                a (1)\n        10\n\n', `    ${'f;'.repeat(30_000)}\n`, 100 * MB)) },
  { name: 'fsslower header + 100 MB of 60 KiB rows', make: (d) => tgz(d, 'fs', (s) => fill(join(s, 'ext4slower.txt'), 'Tracing ext4 operations slower than 1 ms\nTIME     COMM           PID    T BYTES   OFF_KB   LAT(ms) FILENAME\n', `09:10:10 app 1 S 0 0 1.5 ${'f'.repeat(60_000)}\n`, 100 * MB)) },
  {
    name: '10,000 small files (the entry cap)',
    make: (d) =>
      tgz(d, 'many', (s) => {
        for (let i = 0; i < 10_000 - 2; i++) fill(join(s, `f${i}.txt`), '', `line ${i}\n`, 1);
      }),
  },
  {
    name: '10,000 copies of a real execsnoop capture (15 KB each)',
    make: (d) =>
      tgz(d, 'captures', (s) => {
        for (let i = 0; i < 10_000 - 2; i++) cpSync(join(EXAMPLE, 'execsnoop.txt'), join(s, `e${i}.txt`));
      }),
  },
];

const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labctl-hostile-bench-'));
  try {
    console.log(`   load average ${load()} (2 cores here: above ~2, every time below is inflated)`);
    const example = tgz(dir, 'example', (s) => cpSync(EXAMPLE, s, { recursive: true }), true);
    const floor = timed(process.execPath, [BIN, 'grade', example, '--format', 'json']);
    console.log(`   baseline: the ghost-load example submission (.tgz): ${floor.seconds.toFixed(2)} s (CPU ${floor.cpu.toFixed(2)} s), ${floor.rssMb} MB RSS, exit ${floor.code}`);
    for (const c of CASES) {
      const input = c.make(dir);
      const base = timed('sh', ['-c', `gzip -dc "$1" | wc -l`, 'sh', input]);
      const r = timed(process.execPath, [BIN, 'grade', input, '--format', 'json']);
      const ok = r.seconds < 10 && r.rssMb < 300 && [0, 1, 2].includes(r.code);
      console.log(
        `   ${c.name}: ${(statSync(input).size / 1024).toFixed(0)} KiB in, ${r.seconds.toFixed(2)} s (CPU ${r.cpu.toFixed(2)} s), ${r.rssMb} MB RSS, exit ${r.code}; ` +
          `gzip -dc | wc -l ${base.seconds.toFixed(2)} s (ratio ${(r.seconds / Math.max(base.seconds, 0.01)).toFixed(1)}); ` +
          `${(r.seconds / Math.max(floor.seconds, 0.01)).toFixed(1)}x the example (CPU ${(r.cpu / Math.max(floor.cpu, 0.01)).toFixed(1)}x) ${ok ? '(within 10 s / 300 MB)' : 'OVER TARGET'}`,
      );
      rmSync(input, { force: true });
    }
    // the batch reads bundles the same way: one class of two, the example and the 10,000-file bundle, against the example alone
    const batch = (name: string, inputs: string[]) => {
      const folder = join(dir, name);
      mkdirSync(folder);
      inputs.forEach((f, i) => cpSync(f, join(folder, `learner${i}.tgz`)));
      return timed(process.execPath, [BIN, 'grade', '--batch', folder, '--out-dir', join(dir, `${name}-out`), '--jobs', '1']);
    };
    const one = batch('batch-one', [example]);
    const many = CASES.find((c) => c.name.startsWith('10,000 small'))?.make(dir) as string;
    const two = batch('batch-two', [example, many]);
    console.log(
      `   grade --batch, the example and the 10,000-file bundle: ${two.seconds.toFixed(2)} s (CPU ${two.cpu.toFixed(2)} s), ${two.rssMb} MB RSS, exit ${two.code}; ` +
        `the example alone ${one.seconds.toFixed(2)} s (CPU ${one.cpu.toFixed(2)} s); the bundle adds ${(two.seconds - one.seconds).toFixed(2)} s ${two.seconds - one.seconds < 10 && two.rssMb < 300 ? '(within 10 s / 300 MB)' : 'OVER TARGET'}`,
    );
    console.log(`   load average ${load()} at the end`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
