/**
 * syscount: py/libbpf `SYSCALL COUNT` (+ `TIME (us)` / `TIME (ms)` with `-L`), `-P` per process
 * `PID COMM COUNT [TIME (us)]`, one table per interval after a `[HH:MM:SS]` line; and bpftrace
 * syscount.bt maps `@syscall[id]: n` (-> rows) and `@process[comm]: n` (-> byProcess).
 */
import type { Flavor, SyscountSummary } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { matchBpftraceCountLine } from './histogram-rows.ts';
import { BoundedCounts, isInt, MAX_DISTINCT_KEYS, splitFields, toNum } from './text.ts';

interface Layout {
  by: 'syscall' | 'process';
  /** multiplier from the printed time unit to microseconds; 0 without a time column */
  timeToUs: number;
}

/** Recognises a syscount table header, or returns null. */
export function matchSyscountHeader(line: string): (Layout & { flavor: Flavor }) | null {
  const m = /^\s*(SYSCALL|PID\s+COMM)\s+COUNT(?:\s+TIME \((us|ms)\))?\s*$/.exec(line);
  if (!m) return null;
  const timeToUs = m[2] === 'ms' ? 1000 : m[2] === 'us' ? 1 : 0;
  // py before the -L/-P rework printed "%-16s %6s": SYSCALL + 13 spaces; current py and libbpf are identical
  const flavor: Flavor = /^SYSCALL {13}COUNT\s*$/.test(line) ? 'bcc' : 'unknown';
  return { by: m[1] === 'SYSCALL' ? 'syscall' : 'process', timeToUs, flavor };
}

type Row = SyscountSummary['rows'][number];

/** Line consumer for syscount output (py, libbpf, bpftrace). */
export function createSyscountParser(): LineParser<SyscountSummary> {
  const w = new WarningList();
  const rows = new Map<string, Row>();
  const byProcess = new BoundedCounts();
  let layout: Layout | null = null;
  let firstLayout: Layout | null = null;
  let by: 'syscall' | 'process' = 'syscall';
  let tables = 0;
  let timed = false;
  let flavor: Flavor | undefined;

  function add(name: string, count: number, timeUs: number | undefined, pid?: number): void {
    // -P rows are per process: two processes with one comm stay apart
    const key = pid === undefined ? name : `${pid} ${name}`;
    const cur = rows.get(key);
    if (cur) {
      cur.count += count;
      if (timeUs !== undefined) cur.timeUs = Math.round(((cur.timeUs ?? 0) + timeUs) * 1000) / 1000;
      return;
    }
    if (rows.size >= MAX_DISTINCT_KEYS) return;
    const row: Row = { syscall: name, count };
    if (timeUs !== undefined) row.timeUs = timeUs;
    if (pid !== undefined) row.pid = pid;
    rows.set(key, row);
  }

  return {
    get warnings() {
      return w.list;
    },
    flavorHint: () => flavor,
    push(line, lineNo) {
      if (line.includes('COUNT')) {
        const h = matchSyscountHeader(line);
        if (h) {
          // example files mix modes; only tables shaped like the first one can be summed
          firstLayout ??= h;
          layout = h.by === firstLayout.by && h.timeToUs > 0 === firstLayout.timeToUs > 0 ? h : null;
          if (!layout) return;
          if (tables++ === 0) by = h.by;
          if (h.timeToUs > 0) timed = true;
          if (h.flavor !== 'unknown') flavor ??= h.flavor;
          return;
        }
      }
      if (line.charCodeAt(0) === 64 /* @ */) {
        const m = matchBpftraceCountLine(line);
        if (m?.name === 'syscall') add(m.key, m.value, undefined);
        else if (m?.name === 'process') byProcess.add(m.key, m.value);
        if (m) flavor = 'bpftrace';
        return;
      }
      if (!layout) return;
      if (line.trim() === '') {
        layout = null; // tables end at a blank line; the next interval prints its header again
        return;
      }
      const tok = splitFields(line).tokens;
      const nNum = layout.timeToUs > 0 ? 2 : 1;
      const minLen = (layout.by === 'process' ? 2 : 1) + nNum;
      if (layout.by === 'process' && !isInt(tok[0])) return;
      const count = tok[tok.length - nNum];
      const time = nNum === 2 ? toNum(tok[tok.length - 1]) : undefined;
      if (tok.length < minLen || !isInt(count) || (time !== undefined && Number.isNaN(time))) {
        // a syscall table row always ends in numbers; prose never starts with a lower-case syscall and a number
        if (layout.by === 'process' || /^[a-z_0-9[]/.test(tok[0])) w.add(lineNo, 'syscount row does not fit its header');
        return;
      }
      const timeUs = time === undefined ? undefined : Math.round(time * layout.timeToUs * 1000) / 1000;
      if (layout.by === 'process') add(tok.slice(1, tok.length - nNum).join(' '), Number(count), timeUs, Number(tok[0]));
      else add(tok.slice(0, tok.length - nNum).join(' '), Number(count), timeUs);
    },
    finish() {
      w.close();
      let list = [...rows.values()];
      // one table is kept as printed; several intervals are summed and re-sorted the way the tool sorts
      if (tables > 1) list = list.sort((a, b) => (timed ? (b.timeUs ?? 0) - (a.timeUs ?? 0) : b.count - a.count));
      const summary: SyscountSummary = { rows: list, by, intervals: tables };
      if (byProcess.size > 0) summary.byProcess = byProcess.toObject();
      return summary;
    },
  };
}
