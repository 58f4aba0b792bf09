/**
 * The byte twin of `parseExecsnoopRow`: reads one execsnoop row straight from the file buffer, so
 * `labctl inspect` on a 1 GB capture makes no per-line string, only the comm/PPID keys it counts.
 * It must agree with `parseExecsnoopRow` on every line (test/grader/parsers/execsnoop-bytes.test.ts
 * checks both on real and fuzzed captures): change the two together.
 */
import type { ExecRowBytes, ExecsnoopLayout } from './execsnoop-types.ts';
import { clockAtBytes, intAtBytes, numAtBytes, scanFieldsBytes } from './bytes.ts';

export const NOT_A_ROW = 0;
export const ROW = 1;
export const BAD_ROW = 2;
export type RowKind = typeof NOT_A_ROW | typeof ROW | typeof BAD_ROW;


export function newExecRowBytes(): ExecRowBytes {
  return { commStart: 0, commEnd: 0, pidStart: -1, pidEnd: -1, ppidStart: -1, ppidEnd: -1, ret: 0, argsStart: -1, time: NaN, clock: false, wholeSeconds: false };
}

const STARTS = new Int32Array(64);
const ENDS = new Int32Array(64);

const UID = 1;
const TIME = 2;
const TIME_S = 3;
const TIME_MS = 4;
const PCOMM = 1;
const PPID = 2;
const INT = 3;

/** An ExecsnoopLayout with its column names turned into small codes, read once per header. */
export interface ByteLayout {
  source: ExecsnoopLayout;
  prefix: Uint8Array;
  mid: Uint8Array;
  hasComm: boolean;
  /** index in `mid` of the (last) PPID / RET column, -1 when absent */
  ppidAt: number;
  retAt: number;
  /** index in `mid` of the PID column, -1 when absent */
  pidAt: number;
}

export function compileLayout(layout: ExecsnoopLayout): ByteLayout {
  const prefix = Uint8Array.from(layout.prefix, (c) => (c === 'UID' ? UID : c === 'TIME' ? TIME : c === 'TIME(ms)' ? TIME_MS : TIME_S));
  const mid = Uint8Array.from(layout.mid, (c) => (c === 'PCOMM' ? PCOMM : c === 'PPID' ? PPID : INT));
  let ppidAt = -1;
  let retAt = -1;
  const pidAt = layout.mid.indexOf('PID');
  layout.mid.forEach((c, j) => {
    if (c === 'PPID') ppidAt = j;
    else if (c === 'RET') retAt = j;
  });
  // bpftrace rows: PPID is read at mid[1] only
  if (!layout.hasComm) ppidAt = layout.mid[1] === 'PPID' ? 1 : -1;
  return { source: layout, prefix, mid, hasComm: layout.hasComm, ppidAt, retAt, pidAt };
}

function fitsMid(buf: Buffer, count: number, start: number, mid: Uint8Array): boolean {
  const n = mid.length;
  if (start + n > count) return false;
  for (let j = 0; j < n; j++) {
    const kind = mid[j];
    if (kind === PCOMM) continue;
    const s = STARTS[start + j];
    const e = ENDS[start + j];
    if (kind === PPID && e - s === 1 && buf[s] === 63 /* ? */) continue;
    if (Number.isNaN(intAtBytes(buf, s, e))) return false;
  }
  return true;
}

/** Reads buf[s, e) (one line, no newline) against `layout` into `row`. */
export function readExecsnoopRowBytes(buf: Buffer, s: number, e: number, layout: ByteLayout, row: ExecRowBytes): RowKind {
  const prefix = layout.prefix;
  const p = prefix.length;
  const mid = layout.mid;
  const midLen = mid.length;
  // enough tokens for a one-word comm and the first ARGS token; wider comms rescan below
  let count = scanFieldsBytes(buf, s, e, p + 2 + midLen, STARTS, ENDS);
  if (count === 0) return NOT_A_ROW;
  let time = NaN;
  let clock = false;
  let whole = false;
  for (let i = 0; i < p; i++) {
    if (i >= count) return BAD_ROW;
    const col = prefix[i];
    if (col === UID) {
      if (Number.isNaN(intAtBytes(buf, STARTS[i], ENDS[i]))) return NOT_A_ROW;
    } else if (col === TIME) {
      const v = clockAtBytes(buf, STARTS[i], ENDS[i]);
      if (Number.isNaN(v)) return NOT_A_ROW;
      time = v;
      clock = true;
      whole = ENDS[i] - STARTS[i] === 8;
    } else {
      const v = numAtBytes(buf, STARTS[i], ENDS[i]);
      if (Number.isNaN(v)) return NOT_A_ROW;
      time = col === TIME_MS ? v / 1000 : v;
      clock = false;
      whole = false;
    }
  }
  row.time = time;
  row.clock = clock;
  row.wholeSeconds = whole;
  if (!layout.hasComm) {
    if (!fitsMid(buf, count, p, mid)) return p > 0 || !Number.isNaN(intAtBytes(buf, STARTS[0], ENDS[0])) ? BAD_ROW : NOT_A_ROW;
    const argsIdx = p + midLen;
    row.argsStart = argsIdx < count ? STARTS[argsIdx] : -1;
    row.commStart = argsIdx < count ? STARTS[argsIdx] : s;
    row.commEnd = argsIdx < count ? ENDS[argsIdx] : s;
    row.ppidStart = layout.ppidAt < 0 ? -1 : STARTS[p + layout.ppidAt];
    row.ppidEnd = layout.ppidAt < 0 ? -1 : ENDS[p + layout.ppidAt];
    row.pidStart = layout.pidAt < 0 ? -1 : STARTS[p + layout.pidAt];
    row.pidEnd = layout.pidAt < 0 ? -1 : ENDS[p + layout.pidAt];
    row.ret = 0;
    return ROW;
  }
  let shift = 0;
  if (!fitsMid(buf, count, p + 1, mid)) {
    // up to 3 extra comm words + the first ARGS token
    count = scanFieldsBytes(buf, s, e, p + 5 + midLen, STARTS, ENDS);
    shift = 1;
    while (shift <= 3 && !fitsMid(buf, count, p + 1 + shift, mid)) shift++;
    if (shift > 3) return p > 0 || (count > p + 1 && !Number.isNaN(intAtBytes(buf, STARTS[p + 1], ENDS[p + 1]))) ? BAD_ROW : NOT_A_ROW;
  }
  row.commStart = STARTS[p];
  row.commEnd = ENDS[p + shift];
  const base = p + 1 + shift;
  const pp = layout.ppidAt;
  row.ppidStart = pp < 0 ? -1 : STARTS[base + pp];
  row.ppidEnd = pp < 0 ? -1 : ENDS[base + pp];
  row.pidStart = layout.pidAt < 0 ? -1 : STARTS[base + layout.pidAt];
  row.pidEnd = layout.pidAt < 0 ? -1 : ENDS[base + layout.pidAt];
  row.ret = layout.retAt < 0 ? 0 : intAtBytes(buf, STARTS[base + layout.retAt], ENDS[base + layout.retAt]);
  const argsIdx = base + midLen;
  row.argsStart = argsIdx < count ? STARTS[argsIdx] : -1;
  return ROW;
}
