import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCaptureFile, parseCaptureText } from '../../../grader/parsers/index.ts';
import { CaptureBuilder } from '../../../grader/parsers/capture-builder.ts';
import { createExecsnoopParser } from '../../../grader/parsers/execsnoop.ts';
import { fixturePath, readFixture } from './helpers.ts';

/** Seeded PRNG (mulberry32): the generated captures are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Exec {
  comm: string;
  pid: number;
  ppid: string;
  ret: number;
  args: string;
  /** seconds since the capture started */
  t: number;
}

function clock(sec: number, micros: boolean): string {
  const day = ((sec % 86400) + 86400) % 86400;
  const hh = String(Math.floor(day / 3600)).padStart(2, '0');
  const mm = String(Math.floor((day % 3600) / 60)).padStart(2, '0');
  const ss = String(Math.floor(day % 60)).padStart(2, '0');
  return micros ? `${hh}:${mm}:${ss}.${String(Math.floor((day % 1) * 1e6)).padStart(6, '0')}` : `${hh}:${mm}:${ss}`;
}

const MIDNIGHT = 86_390; // clock layouts start 10 s before midnight, so the span crosses it

/** Every execsnoop layout the parser knows: the header and how one exec is printed under it. */
const LAYOUTS: { header: string; row: (e: Exec) => string }[] = [
  {
    header: 'TIME(s)  PCOMM            PID    PPID   RET ARGS',
    row: (e) => `${e.t.toFixed(3).padEnd(7)} ${e.comm.padEnd(16)} ${String(e.pid).padEnd(6)} ${e.ppid.padEnd(6)} ${String(e.ret).padStart(3)} ${e.args} `,
  },
  {
    header: 'TIME     UID    PCOMM            PID    PPID   RET ARGS',
    row: (e) => `${clock(MIDNIGHT + e.t, false)} 0     ${e.comm.padEnd(16)} ${String(e.pid).padEnd(6)} ${e.ppid.padEnd(6)} ${String(e.ret).padStart(3)} ${e.args} `,
  },
  {
    header: 'COMM             PID     PPID    RET ARGS',
    row: (e) => `${e.comm.padEnd(16)} ${String(e.pid).padEnd(7)} ${e.ppid.padEnd(7)} ${String(e.ret).padStart(3)} ${e.args}`,
  },
  {
    header: 'TIME     TIME(s) COMM             PID     PCOMM            PPID    CPU RET ARGS',
    row: (e) =>
      `${clock(MIDNIGHT + e.t, false).padEnd(9)}${e.t.toFixed(3).padEnd(8)} ${e.comm.padEnd(16)} ${String(e.pid).padEnd(7)} ${'bash'.padEnd(16)} ${e.ppid.padEnd(7)} ${String(e.pid % 2).padEnd(3)} ${String(e.ret).padStart(3)} ${e.args}`,
  },
  {
    header: 'PCOMM            PID    PPID   RET ARGS',
    row: (e) => `${e.comm.padEnd(16)} ${String(e.pid).padEnd(6)} ${e.ppid.padEnd(6)} ${String(e.ret).padStart(3)} ${e.args}`,
  },
  { header: 'PCOMM            PID    RET ARGS', row: (e) => `${e.comm.padEnd(16)} ${String(e.pid).padEnd(6)} ${String(e.ret).padStart(3)} ${e.args}` },
  {
    header: 'TIME            PID     PPID    ARGS',
    row: (e) => `${clock(MIDNIGHT + e.t, true).padEnd(15)} ${String(e.pid).padEnd(7)} ${e.ppid.padEnd(7)} ${e.args}`,
  },
  { header: 'TIME(ms)   PID   ARGS', row: (e) => `${String(Math.round(e.t * 1000)).padEnd(10)} ${String(e.pid).padEnd(5)} ${e.args}` },
];

const NOISE = ['', '^C', 'Lost 3 events on CPU #1!', 'failed to get syms', 'usage: execsnoop [-h]', '  # indented prompt', 'Possibly lost 2 samples', 'WARNING: something', '# ./execsnoop -x', '[...]', 'Attaching 3 probes...'];
const ODD_COMMS = ['npm exec tsc --', 'café', 'журнал', 'Xorg', 'find', 'uname', '?', '(sd-pam)', 'a\tb'];

/**
 * A synthetic execsnoop capture that walks every corner the fast path must get right: several layouts
 * (headers mid-file), more distinct comms than the count maps keep (5000) and than the byte-key cache
 * holds, one comm past the ARGS sample (10 000) with more than 20 distinct ARGS and 50 parents, odd
 * comms (spaces, non-ASCII, upper case, `f`/`u` first), `?` and zero-padded PPIDs, long and non-ASCII
 * ARGS, CRLF endings, noise lines, truncated and corrupted rows, and clocks crossing midnight.
 */
function generate(seed: number, rows: number, layouts: number[]): string {
  const r = rng(seed);
  const pick = <T,>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const out: string[] = [];
  let layout = LAYOUTS[layouts[0]];
  out.push(layout.header);
  let t = 0;
  for (let i = 0; i < rows; i++) {
    if (i > 0 && r() < 0.0005) {
      layout = LAYOUTS[pick(layouts)];
      out.push(layout.header);
    }
    t += r() * 0.01;
    const x = r();
    const comm = x < 0.3 ? 'curl' : x < 0.4 ? pick(ODD_COMMS) : x < 0.7 ? `c${Math.floor(r() * 7000)}` : pick(['date', 'sh', 'sleep', 'cat']);
    const argv0 = x < 0.05 ? `/opt/${comm}/bin/${comm}-${Math.floor(r() * 3)}` : `/usr/bin/${comm}`;
    const y = r();
    const args = y < 0.01 ? `${argv0} ${'x'.repeat(250)}` : y < 0.02 ? `${argv0} é-ü ARGS` : `${argv0} -n ${Math.floor(r() * (comm === 'curl' ? 40 : 3))}`;
    const z = r();
    const ppid = z < 0.01 ? '?' : z < 0.015 ? '0042' : z < 0.02 ? '42' : String(comm === 'curl' ? 1000 + Math.floor(r() * 80) : 6242 + Math.floor(r() * 2));
    let line = layout.row({ comm, pid: 5000 + i, ppid, ret: r() < 0.01 ? -2 : 0, args, t });
    const m = r();
    if (m < 0.003) line = line.slice(0, Math.floor(r() * line.length));
    else if (m < 0.006) {
      const at = Math.floor(r() * line.length);
      line = line.slice(0, at) + pick(['\t', ' ', 'é', '-', '9', ':', 'ARGS']) + line.slice(at + 1);
    } else if (m < 0.009) line += '\r';
    else if (m < 0.012) out.push(pick(NOISE));
    out.push(line);
  }
  return out.join('\n') + '\n';
}

/** parseCaptureFile's way (bytes, fast path) without a file: whole lines in chunks cut at random newlines. */
function viaBytes(bytes: Buffer, cuts: number[]): ReturnType<CaptureBuilder['finish']> {
  const b = new CaptureBuilder();
  let no = 0;
  let from = 0;
  for (const c of [...cuts.map((x) => Math.floor(x * bytes.length)), bytes.length].sort((p, q) => p - q)) {
    const nl = c >= bytes.length ? bytes.length : bytes.indexOf(10, c);
    if (nl < 0 || nl < from) continue;
    no = b.pushBytes(bytes.subarray(from, nl), no);
    from = nl + 1;
    if (from > bytes.length) break;
  }
  return b.finish();
}

/** The string path on the same bytes. */
function viaText(bytes: Buffer): ReturnType<CaptureBuilder['finish']> {
  const b = new CaptureBuilder();
  b.pushText(bytes.toString('utf8'), 0);
  return b.finish();
}

describe('execsnoop byte fast path = string path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'execsnoop-bytes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes every data row of a real libbpf capture without decoding it', () => {
    const p = createExecsnoopParser();
    const text = readFixture('captures/execsnoop-libbpf-t-curlloop.txt');
    const bytes = Buffer.from(text);
    const slow: number[] = [];
    p.push(text.slice(0, text.indexOf('\n')), 1); // the header: the parser then knows the layout
    const rest = bytes.subarray(bytes.indexOf(10) + 1, bytes.length - 1);
    const last = p.pushLines!(rest, 2, (buf, s, e, no) => {
      slow.push(no);
      p.push(buf.toString('utf8', s, e), no);
    });
    expect(last).toBe(131);
    expect(slow).toEqual([]);
    expect(p.finish()).toEqual(parseCaptureText(text, 'x').summary);
  });

  it('every fixture (captures and corpus): parseCaptureFile equals parseCaptureText', async () => {
    const list = (d: string): string[] =>
      readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? list(join(d, n)) : n.endsWith('.txt') ? [join(d, n)] : []));
    const files = [...list(fixturePath('captures')), ...list(fixturePath('corpus'))];
    expect(files.length).toBeGreaterThan(40);
    for (const f of files) {
      const rel = relative(fixturePath('.'), f);
      expect(await parseCaptureFile(f), rel).toEqual(parseCaptureText(readFixture(rel), rel));
    }
  });

  it('a generated 5 MB capture of every layout and corner: file (4 MiB chunks) equals text', async () => {
    const text = generate(7, 75_000, [0, 1, 2, 3, 4, 5]);
    const path = join(dir, 'gen.txt');
    writeFileSync(path, text);
    expect(statSync(path).size).toBeGreaterThan(4.5 * 2 ** 20); // past the 4 MiB chunk
    const fast = await parseCaptureFile(path);
    const slow = parseCaptureText(text, path);
    expect(fast).toEqual(slow);
    // the corners were really hit, not just agreed on
    expect(fast.tool).toBe('execsnoop');
    if (fast.tool !== 'execsnoop') return;
    const s = fast.summary;
    expect(s.byComm['(other)']).toBeGreaterThan(0); // > 5000 distinct comms
    expect(s.byComm.curl).toBeGreaterThan(20_000); // past the 10 000 ARGS sample
    expect(Object.keys(s.parentsByComm?.curl ?? {})).toHaveLength(51); // 50 kept + (other)
    expect(s.byComm['npm exec tsc --']).toBeGreaterThan(0);
    expect(s.byComm['журнал']).toBeGreaterThan(0);
    expect(s.byParent?.['?']).toBeGreaterThan(0);
    expect(s.byParent?.['0042']).toBeGreaterThan(0);
    expect(s.failed).toBeGreaterThan(0);
    expect(fast.warnings.length).toBeGreaterThan(10);
    expect(s.durationSec).toBeGreaterThan(0);
  });

  it('bpftrace layouts (comm from argv[0]) and wall clocks over midnight: file equals text', async () => {
    const text = generate(11, 40_000, [6, 7, 1]);
    const path = join(dir, 'gen-bt.txt');
    writeFileSync(path, text);
    const fast = await parseCaptureFile(path);
    expect(fast).toEqual(parseCaptureText(text, path));
    expect(fast.tool === 'execsnoop' && fast.summary.byComm.curl).toBeGreaterThan(1000);
  });

  it('fuzz: mutated captures cut into random chunks read the same as bytes and as text', () => {
    const bytesMutation = fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) });
    fc.assert(
      fc.property(
        fc.nat(),
        fc.subarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
        fc.array(bytesMutation, { maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        (seed, layouts, muts, cuts) => {
          let bytes = Buffer.from(generate(seed, 150, layouts));
          for (const m of muts) {
            const at = m.at % bytes.length;
            bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at + 1)]);
          }
          expect(viaBytes(bytes, cuts)).toEqual(viaText(bytes));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('ByteKeyTable', () => {
  it('grows from a small table to its full size, finding every key, then stops taking keys', async () => {
    const { ByteKeyTable } = await import('../../../grader/parsers/byte-keys.ts');
    const t = new ByteKeyTable<number>(12);
    const buf = Buffer.from(Array.from({ length: 2100 }, (_, i) => `comm-${i};`).join(''));
    const ranges: [number, number][] = [];
    for (let s = 0; s < buf.length; ) {
      const e = buf.indexOf(';', s);
      ranges.push([s, e]);
      s = e + 1;
    }
    ranges.forEach(([s, e], i) => {
      expect(t.get(buf, s, e)).toBeUndefined();
      // half of 2^12 keys fit; the rest go the string way
      expect(t.insert(buf, s, e, i)).toBe(i < 2048);
    });
    ranges.forEach(([s, e], i) => expect(t.get(buf, s, e)).toBe(i < 2048 ? i : undefined));
  });
});
