/**
 * execsnoop: bcc python (`COMM PID PPID RET ARGS`, older `PCOMM ...`), libbpf-tools (`PCOMM PID PPID RET
 * ARGS`), bpftrace execsnoop.bt (`TIME PID PPID ARGS`, older `TIME(ms) PID ARGS`). Prefix columns `TIME`,
 * `TIME(s)`, `UID`; py `-M` PCOMM and `-C` CPU columns. See corpus/FORMATS.md "execsnoop".
 */
import type { ExecsnoopSummary, Flavor } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { BoundedCounts, clockSeconds, endsWithWord, isInt, round3, sliceTrimEnd, splitFields, toNum } from './text.ts';
import { TimeSpan } from './time-span.ts';

type MidColumn = 'PID' | 'PPID' | 'PCOMM' | 'CPU' | 'RET';
const PREFIXES = new Set(['TIME', 'TIME(s)', 'UID', 'TIME(ms)']);

/** The column layout read off one header line. */
export interface ExecsnoopLayout {
  columns: string[];
  prefix: string[];
  /** false for bpftrace, which prints no comm: it is derived from argv[0] */
  hasComm: boolean;
  mid: MidColumn[];
  flavor: Flavor;
}

/** Recognises an execsnoop header line (any flavor), or returns null. */
export function matchExecsnoopHeader(line: string): ExecsnoopLayout | null {
  const columns = splitFields(line).tokens;
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
  ppid: string | undefined;
  ret: number;
  args: string;
  time: number;
  clock: boolean;
  wholeSeconds: boolean;
}

function fitsMid(tokens: string[], start: number, mid: MidColumn[]): boolean {
  for (let j = 0; j < mid.length; j++) {
    const t = tokens[start + j];
    if (t === undefined) return false;
    const kind = mid[j];
    if (kind === 'PCOMM') continue;
    if (kind === 'PPID' ? !(isInt(t) || t === '?') : !isInt(t)) return false;
  }
  return true;
}

/** Parses one data row against `layout`: a row, 'bad' (looks like a row but does not fit), or null (not a row). */
export function parseExecsnoopRow(line: string, layout: ExecsnoopLayout): ExecRow | 'bad' | null {
  const p = layout.prefix.length;
  const midLen = layout.mid.length;
  // fast path: exactly the fixed columns plus the first ARGS token (for its offset)
  let f = splitFields(line, p + 2 + midLen);
  let tok = f.tokens;
  if (tok.length === 0) return null;
  let time = NaN;
  let clock = false;
  let whole = false;
  for (let i = 0; i < p; i++) {
    const col = layout.prefix[i];
    const t = tok[i];
    if (col === 'UID') {
      if (!isInt(t)) return null;
    } else if (col === 'TIME') {
      const s = clockSeconds(t);
      if (Number.isNaN(s)) return null;
      time = s;
      clock = true;
      whole = t.length === 8;
    } else {
      // TIME(s) / TIME(ms) come after TIME when both are printed and win: sub-second resolution
      const v = toNum(t);
      if (Number.isNaN(v)) return null;
      time = col === 'TIME(ms)' ? v / 1000 : v;
      clock = false;
      whole = false;
    }
  }
  if (!layout.hasComm) {
    if (!fitsMid(tok, p, layout.mid)) return p > 0 || isInt(tok[0]) ? 'bad' : null;
    const argsIdx = p + midLen;
    const args = argsIdx < tok.length ? sliceTrimEnd(line, f.starts[argsIdx]) : '';
    const argv0 = tok[argsIdx] ?? '';
    const comm = argv0.slice(argv0.lastIndexOf('/') + 1).slice(0, 15);
    const ppid = layout.mid[1] === 'PPID' ? tok[p + 1] : undefined;
    return { comm, ppid, ret: 0, args, time, clock, wholeSeconds: whole };
  }
  // a comm may contain spaces ("npm exec tsc --"): try the one-token comm first, then wider ones
  let shift = 0;
  if (!fitsMid(tok, p + 1, layout.mid)) {
    f = splitFields(line, p + 2 + midLen + 3);
    tok = f.tokens;
    shift = 1;
    while (shift <= 3 && !fitsMid(tok, p + 1 + shift, layout.mid)) shift++;
  }
  if (shift > 3) return p > 0 || isInt(tok[p + 1]) ? 'bad' : null;
  const comm = shift === 0 ? tok[p] : tok.slice(p, p + 1 + shift).join(' ');
  const base = p + 1 + shift;
  let ppid: string | undefined;
  let ret = 0;
  for (let j = 0; j < midLen; j++) {
    if (layout.mid[j] === 'PPID') ppid = tok[base + j];
    else if (layout.mid[j] === 'RET') ret = Number(tok[base + j]);
  }
  const argsIdx = base + midLen;
  const args = argsIdx < tok.length ? sliceTrimEnd(line, f.starts[argsIdx]) : '';
  return { comm, ppid, ret, args, time, clock, wholeSeconds: whole };
}

const MAX_COMMS_WITH_DETAIL = 500;
const MAX_ARGS_PER_COMM = 20;

/** Line consumer for execsnoop output; re-reads the layout at every header (example files hold several). */
export function createExecsnoopParser(): LineParser<ExecsnoopSummary> {
  const w = new WarningList();
  const byComm = new BoundedCounts();
  const byParent = new BoundedCounts();
  const parentsByComm = new Map<string, BoundedCounts>();
  const argsByComm = new Map<string, BoundedCounts>();
  const span = new TimeSpan();
  let layout: ExecsnoopLayout | null = null;
  let columns: string[] = [];
  let events = 0;
  let failed = 0;
  let sawPpid = false;

  function detail(map: Map<string, BoundedCounts>, comm: string, limit: number): BoundedCounts | undefined {
    let c = map.get(comm);
    if (!c && map.size < MAX_COMMS_WITH_DETAIL) map.set(comm, (c = new BoundedCounts(limit)));
    return c;
  }

  return {
    get warnings() {
      return w.list;
    },
    push(line, lineNo) {
      const header = endsWithWord(line, 'ARGS') ? matchExecsnoopHeader(line) : null;
      if (header) {
        layout = header;
        if (columns.length === 0) columns = header.columns;
        return;
      }
      if (!layout) return;
      const row = parseExecsnoopRow(line, layout);
      if (row === null) return;
      if (row === 'bad') {
        w.add(lineNo, `execsnoop row does not fit the header (${layout.columns.join(' ')})`);
        return;
      }
      events++;
      byComm.add(row.comm);
      if (row.ret !== 0) failed++;
      if (row.ppid !== undefined) {
        sawPpid = true;
        byParent.add(row.ppid);
        detail(parentsByComm, row.comm, 50)?.add(row.ppid);
      }
      detail(argsByComm, row.comm, MAX_ARGS_PER_COMM)?.add(row.args.slice(0, 200));
      if (!Number.isNaN(row.time)) {
        if (row.clock) span.addClock(row.time, row.wholeSeconds);
        else span.addRelative(row.time);
      }
    },
    finish() {
      w.close();
      const topArgsByComm: Record<string, string> = {};
      for (const comm of Object.keys(byComm.toObject())) {
        const top = argsByComm.get(comm)?.top();
        if (top !== undefined) topArgsByComm[comm] = top;
      }
      const summary: ExecsnoopSummary = { events, byComm: byComm.toObject(), topArgsByComm, failed, columns };
      if (sawPpid) {
        summary.byParent = byParent.toObject();
        summary.parentsByComm = Object.fromEntries([...parentsByComm].map(([k, v]) => [k, v.toObject()]));
      }
      const d = span.durationSec();
      if (d !== undefined) {
        summary.durationSec = round3(d);
        summary.ratePerSec = round3(events / d);
      }
      return summary;
    },
  };
}
