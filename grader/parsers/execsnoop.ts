/**
 * execsnoop: bcc python (`COMM PID PPID RET ARGS`, older `PCOMM ...`), libbpf-tools (`PCOMM PID PPID RET
 * ARGS`), bpftrace execsnoop.bt (`TIME PID PPID ARGS`, older `TIME(ms) PID ARGS`). Prefix columns `TIME`,
 * `TIME(s)`, `UID`; py `-M` PCOMM and `-C` CPU columns. See corpus/FORMATS.md "execsnoop".
 */
import type { ExecsnoopSummary, Flavor } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { clockSeconds, endsWithWord, intAt, scanFields, sliceTrimEnd, splitFields, toNum } from './text.ts';
import { endsWithWordBytes } from './bytes.ts';
import { BAD_ROW, type ByteLayout, compileLayout, newExecRowBytes, readExecsnoopRowBytes, ROW } from './execsnoop-bytes.ts';
import { ExecsnoopTally, trimArgs } from './execsnoop-tally.ts';
import type { ExecsnoopLayout, MidColumn } from './execsnoop-types.ts';

export type { ExecsnoopLayout } from './execsnoop-types.ts';

export { ARGS_SAMPLE_PER_COMM } from './execsnoop-tally.ts';

const PREFIXES = new Set(['TIME', 'TIME(s)', 'UID', 'TIME(ms)']);


/** Recognises an execsnoop header line (any flavor), or returns null. */
export function matchExecsnoopHeader(line: string): ExecsnoopLayout | null {
  const tokens = splitFields(line).tokens;
  // `0.174   TIME(s) PCOMM ...`: see ExecsnoopLayout.leadingTime
  const leadingTime = tokens.length > 1 && PREFIXES.has(tokens[1]) && /^\d+(\.\d+)?$/.test(tokens[0]) ? tokens[0] : undefined;
  const columns = leadingTime === undefined ? tokens : tokens.slice(1);
  const layout = matchHeaderColumns(line, columns);
  return layout && leadingTime !== undefined ? { ...layout, leadingTime } : layout;
}

function matchHeaderColumns(line: string, columns: string[]): ExecsnoopLayout | null {
  if (columns.length < 3 || columns[columns.length - 1] !== 'ARGS') return null;
  let p = 0;
  while (p < columns.length && PREFIXES.has(columns[p])) p++;
  const prefix = columns.slice(0, p);
  const body = columns.slice(p, -1).join(' ');
  // bpftrace: no COMM and no RET column
  if ((body === 'PID PPID' && prefix.join(' ') === 'TIME') || (body === 'PID' && prefix.join(' ') === 'TIME(ms)')) {
    return { columns, prefix, hasComm: false, mid: body.split(' ') as MidColumn[], flavor: 'bpftrace' };
  }
  if (prefix.includes('TIME(ms)')) return null;
  const first = columns[p];
  if (first !== 'COMM' && first !== 'PCOMM') return null;
  const mid = columns.slice(p + 1, -1);
  if (mid[0] !== 'PID' || mid[mid.length - 1] !== 'RET') return null;
  if (!mid.every((c) => c === 'PID' || c === 'PPID' || c === 'PCOMM' || c === 'CPU' || c === 'RET')) return null;
  return { columns, prefix, hasComm: true, mid: mid as MidColumn[], flavor: execsnoopHeaderFlavor(line, columns) };
}

/**
 * Flavor rule (documented in grader/parsers/README.md):
 * - `COMM` first (py >= 0.31), py-only `-M`/`-C` columns, or no PPID column (py v0.1.8 / the example file): bcc.
 * - `PCOMM PID PPID`: PID printed 7 wide (py 0.26-0.30) -> bcc. PID 6 wide is printed by libbpf and by py < 0.26
 *   alike; the prefix columns tell them apart: libbpf pads `TIME(s)` to 8 + a space and `UID` to 6 + a space,
 *   py pads them to 8 / 6 with no extra space. With no prefix column the header is ambiguous: 'unknown'.
 */
function execsnoopHeaderFlavor(line: string, columns: string[]): Flavor {
  if (columns.includes('COMM') || columns.includes('CPU') || !columns.includes('PPID')) return 'bcc';
  if (columns.filter((c) => c === 'PCOMM').length > 1) return 'bcc';
  const pidGap = line.indexOf(' PPID') - line.indexOf(' PID ');
  if (pidGap === 8) return 'bcc';
  const ts = line.indexOf('TIME(s)');
  if (ts >= 0) return line.startsWith('   ', ts + 7) ? 'unknown' : line.startsWith('  ', ts + 7) ? 'libbpf' : 'bcc';
  const uid = line.indexOf('UID');
  if (uid >= 0) {
    const gap = line.indexOf('PCOMM') - uid;
    return gap === 7 ? 'libbpf' : gap === 6 ? 'bcc' : 'unknown';
  }
  return 'unknown';
}

interface ExecRow {
  comm: string;
  pid: string | undefined;
  ppid: string | undefined;
  ret: number;
  /** offset of ARGS in the line (-1: none); sliced only when the args are counted */
  argsStart: number;
  time: number;
  clock: boolean;
  wholeSeconds: boolean;
}

const STARTS = new Int32Array(64);
const ENDS = new Int32Array(64);

/** Do the tokens from `start` fit the mid columns (PID, PPID or `?`, CPU, RET; PCOMM is any text)? */
function fitsMid(line: string, count: number, start: number, mid: MidColumn[]): boolean {
  if (start + mid.length > count) return false;
  for (let j = 0; j < mid.length; j++) {
    const kind = mid[j];
    if (kind === 'PCOMM') continue;
    const s = STARTS[start + j];
    const e = ENDS[start + j];
    if (kind === 'PPID' && e - s === 1 && line.charCodeAt(s) === 63 /* ? */) continue;
    if (Number.isNaN(intAt(line, s, e))) return false;
  }
  return true;
}

/**
 * Parses one data row against `layout`: a row, 'bad' (looks like a row but does not fit), or null (not a
 * row). The hot path of `labctl inspect` on big captures: token bounds only, slicing just what is kept.
 */
export function parseExecsnoopRow(line: string, layout: ExecsnoopLayout): ExecRow | 'bad' | null {
  const p = layout.prefix.length;
  const mid = layout.mid;
  const midLen = mid.length;
  // fixed columns + a one-word comm + the first ARGS token (for its offset); wider comms rescan below
  let count = scanFields(line, p + 2 + midLen, STARTS, ENDS);
  if (count === 0) return null;
  let time = NaN;
  let clock = false;
  let whole = false;
  for (let i = 0; i < p; i++) {
    // a row cut inside its prefix columns (the token bounds past `count` belong to an earlier line)
    if (i >= count) return 'bad';
    const col = layout.prefix[i];
    if (col === 'UID') {
      if (Number.isNaN(intAt(line, STARTS[i], ENDS[i]))) return null;
    } else if (col === 'TIME') {
      const t = line.slice(STARTS[i], ENDS[i]);
      const s = clockSeconds(t);
      if (Number.isNaN(s)) return null;
      time = s;
      clock = true;
      whole = t.length === 8;
    } else {
      // TIME(s) / TIME(ms) come after TIME when both are printed and win: sub-second resolution
      const v = toNum(line.slice(STARTS[i], ENDS[i]));
      if (Number.isNaN(v)) return null;
      time = col === 'TIME(ms)' ? v / 1000 : v;
      clock = false;
      whole = false;
    }
  }
  if (!layout.hasComm) {
    if (!fitsMid(line, count, p, mid)) return p > 0 || !Number.isNaN(intAt(line, STARTS[0], ENDS[0])) ? 'bad' : null;
    const argsIdx = p + midLen;
    const argsStart = argsIdx < count ? STARTS[argsIdx] : -1;
    const argv0 = argsIdx < count ? line.slice(STARTS[argsIdx], ENDS[argsIdx]) : '';
    const comm = argv0.slice(argv0.lastIndexOf('/') + 1).slice(0, 15);
    const ppid = mid[1] === 'PPID' ? line.slice(STARTS[p + 1], ENDS[p + 1]) : undefined;
    const pidAt = mid.indexOf('PID');
    const pid = pidAt < 0 ? undefined : line.slice(STARTS[p + pidAt], ENDS[p + pidAt]);
    return { comm, pid, ppid, ret: 0, argsStart, time, clock, wholeSeconds: whole };
  }
  // a comm may contain spaces ("npm exec tsc --"): try the one-token comm first, then wider ones
  let shift = 0;
  if (!fitsMid(line, count, p + 1, mid)) {
    // up to 3 extra comm words + the first ARGS token
    count = scanFields(line, p + 5 + midLen, STARTS, ENDS);
    shift = 1;
    while (shift <= 3 && !fitsMid(line, count, p + 1 + shift, mid)) shift++;
  }
  if (shift > 3) return p > 0 || (count > p + 1 && !Number.isNaN(intAt(line, STARTS[p + 1], ENDS[p + 1]))) ? 'bad' : null;
  const comm = line.slice(STARTS[p], ENDS[p + shift]);
  const base = p + 1 + shift;
  let ppid: string | undefined;
  let pid: string | undefined;
  let ret = 0;
  for (let j = 0; j < midLen; j++) {
    if (mid[j] === 'PID') pid = line.slice(STARTS[base + j], ENDS[base + j]);
    else if (mid[j] === 'PPID') ppid = line.slice(STARTS[base + j], ENDS[base + j]);
    else if (mid[j] === 'RET') ret = intAt(line, STARTS[base + j], ENDS[base + j]);
  }
  const argsIdx = base + midLen;
  const argsStart = argsIdx < count ? STARTS[argsIdx] : -1;
  return { comm, pid, ppid, ret, argsStart, time, clock, wholeSeconds: whole };
}

/** Line consumer for execsnoop output; re-reads the layout at every header (example files hold several). */
export function createExecsnoopParser(): LineParser<ExecsnoopSummary> {
  const w = new WarningList();
  const tally = new ExecsnoopTally();
  const bytesRow = newExecRowBytes();
  let byteLayout: ByteLayout | null = null;
  let layout: ExecsnoopLayout | null = null;
  let columns: string[] = [];
  /** the time printed before the header, for the row right after it (ExecsnoopLayout.leadingTime) */
  let pendingTime: string | null = null;

  /**
   * One line of the byte fast path: true when it was read exactly as `push` would read it, false when
   * only the string path can (noise candidates, headers, CR endings, rows that warn).
   */
  function fastLine(buf: Buffer, s: number, e: number, layout: ExecsnoopLayout): boolean {
    if (e === s) return false;
    // the first-byte test of isNoiseLine: a digit or a lower-case letter other than f/u is never noise
    const c0 = buf[s];
    if (!((c0 >= 48 && c0 <= 57) || (c0 >= 97 && c0 <= 122 && c0 !== 102 && c0 !== 117))) return false;
    if (buf[e - 1] === 13 || endsWithWordBytes(buf, s, e, 'ARGS')) return false;
    if (byteLayout?.source !== layout) byteLayout = compileLayout(layout);
    const kind = readExecsnoopRowBytes(buf, s, e, byteLayout, bytesRow);
    if (kind === BAD_ROW) return false;
    if (kind === ROW) tally.addBytes(buf, bytesRow, layout.hasComm, e);
    return true;
  }

  return {
    get warnings() {
      return w.list;
    },
    push(line, lineNo) {
      const header = endsWithWord(line, 'ARGS') ? matchExecsnoopHeader(line) : null;
      if (header) {
        layout = header;
        pendingTime = header.leadingTime ?? null;
        if (columns.length === 0) columns = header.columns;
        return;
      }
      if (!layout) return;
      let row = parseExecsnoopRow(line, layout);
      if (pendingTime !== null) {
        if (row === null && layout.prefix[0] === 'TIME(s)') row = parseExecsnoopRow(`${pendingTime} ${line}`, layout);
        pendingTime = null;
      }
      if (row === null) return;
      if (row === 'bad') {
        w.add(lineNo, `execsnoop row does not fit the header (${layout.columns.join(' ')})`);
        return;
      }
      const argsTo = tally.add(row.comm, row.ppid, row.ret, row.time, row.clock, row.wholeSeconds, row.pid);
      if (argsTo) {
        const args = row.argsStart < 0 ? '' : sliceTrimEnd(line, row.argsStart);
        argsTo.add(trimArgs(args));
      }
    },
    pushLines(buf, firstLineNo, slow) {
      const n = buf.length;
      let s = 0;
      let no = firstLineNo - 1;
      for (;;) {
        const nl = buf.indexOf(10, s);
        const e = nl < 0 ? n : nl;
        no++;
        // `layout` is read per line: a header taken by `slow` may change it
        if (!layout || pendingTime !== null || !fastLine(buf, s, e, layout)) slow(buf, s, e, no);
        if (nl < 0) return no;
        s = nl + 1;
      }
    },
    finish() {
      w.close();
      return tally.summary(columns);
    },
  };
}
