/**
 * `labctl inspect` hot path: parseCaptureFile on a generated ~100 MB libbpf `execsnoop -t` capture vs
 * `awk '{print $1}' FILE | sort | uniq -c` on the same file. Target: ratio <= 1.0 and flat memory
 * (peak RSS for 25 MB and 100 MB about the same).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCaptureFile } from '../grader/parsers/index.ts';

const COMMS = [
  ['curl', '/usr/bin/curl -s -o /dev/null http://127.0.0.1:18080/health'],
  ['date', '/usr/bin/date +%s'],
  ['sh', '/usr/bin/sh -c true'],
  ['sleep', '/usr/bin/sleep 0.2'],
  ['cat', '/usr/bin/cat /proc/loadavg'],
  ['python3', '/usr/bin/python3 -m http.server 18080 --bind 127.0.0.1'],
];

async function writeCapture(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('TIME(s)  PCOMM            PID    PPID   RET ARGS\n');
  let written = 0;
  let n = 0;
  let pid = 6000;
  while (written < bytes) {
    const parts: string[] = [];
    for (let i = 0; i < 5000; i++, n++) {
      const [comm, args] = COMMS[n % COMMS.length];
      const t = (n * 0.004).toFixed(3);
      parts.push(`${t.padEnd(7)} ${comm.padEnd(16)} ${String(pid++).padEnd(6)} ${String(6242 + (n % 3)).padEnd(6)}   0 ${args} \n`);
    }
    const chunk = parts.join('');
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return n;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; cpuMs: number; value: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  // cpuMs is this process only: it shows how much of `ms` was waiting for a busy machine
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, value, peakRssMb: Math.round(peak / 2 ** 20) };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'inspect-bench-'));
  try {
    const small = join(dir, 'execsnoop-25mb.txt');
    const big = join(dir, 'execsnoop-100mb.txt');
    await writeCapture(small, 25 * 2 ** 20);
    const rows = await writeCapture(big, 100 * 2 ** 20);
    const mb = (p: string) => (statSync(p).size / 2 ** 20).toFixed(1);

    const s = await timed(() => parseCaptureFile(small));
    const b = await timed(() => parseCaptureFile(big));
    if (b.value.tool !== 'execsnoop' || b.value.summary.events !== rows) {
      throw new Error(`bench capture misparsed: ${b.value.tool}, ${JSON.stringify(b.value.summary).slice(0, 200)}`);
    }
    const awk = await timed(() =>
      execFileSync('sh', ['-c', `awk '{print $1}' "${big}" | sort | uniq -c > /dev/null`], { stdio: 'inherit', env: { ...process.env, LC_ALL: 'C' } }),
    );
    const awkLocale = await timed(() => execFileSync('sh', ['-c', `awk '{print $1}' "${big}" | sort | uniq -c > /dev/null`], { stdio: 'inherit' }));
    console.log(`inspect: parseCaptureFile ${mb(big)} MB execsnoop (${rows} rows): ${b.ms.toFixed(0)} ms (${b.cpuMs.toFixed(0)} ms CPU); ${mb(small)} MB: ${s.ms.toFixed(0)} ms`);
    console.log(`inspect: awk '{print $1}' | sort | uniq -c: ${awk.ms.toFixed(0)} ms (LC_ALL=C), ${awkLocale.ms.toFixed(0)} ms (default locale)`);
    console.log(`inspect: ratio parse/awk = ${(b.ms / awk.ms).toFixed(2)} (LC_ALL=C), ${(b.ms / awkLocale.ms).toFixed(2)} (default locale); target <= 1.0`);
    console.log(`inspect: peak RSS ${s.peakRssMb} MB after ${mb(small)} MB file, ${b.peakRssMb} MB after ${mb(big)} MB file (flat memory: about equal)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
