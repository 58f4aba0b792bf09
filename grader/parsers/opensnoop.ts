/**
 * opensnoop: bcc python, libbpf-tools and bpftrace opensnoop.bt all print `PID COMM FD ERR PATH`
 * (py `-T` prepends `TIME(s)`, libbpf `-T` prepends wall-clock `TIME`; `-U` prepends `UID`; `-e` inserts
 * `FLAGS MODE`; py `-t` renames PID to TID). See corpus/FORMATS.md "opensnoop".
 */
import type { Flavor, OpensnoopSummary } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { BoundedCounts, clockSeconds, isInt, splitFields, toNum } from './text.ts';

export interface OpensnoopLayout {
  columns: string[];
  prefix: string[];
  /** columns between ERR and PATH (FLAGS, MODE) */
  extra: number;
  flavor: Flavor;
}

const PREFIXES = new Set(['TIME(s)', 'TIME', 'UID']);

/** Recognises an opensnoop header line, or returns null. */
export function matchOpensnoopHeader(line: string): OpensnoopLayout | null {
  const columns = splitFields(line).tokens;
  let p = 0;
  while (p < columns.length && PREFIXES.has(columns[p])) p++;
  const [id, comm, fd, err] = columns.slice(p, p + 4);
  if ((id !== 'PID' && id !== 'TID') || comm !== 'COMM' || fd !== 'FD' || err !== 'ERR') return null;
  const tail = columns.slice(p + 4);
  const last = tail[tail.length - 1];
  if (!last || !last.startsWith('PATH')) return null;
  const extra = tail.length - 1;
  if (!tail.slice(0, -1).every((c) => c === 'FLAGS' || c === 'MODE')) return null;
  return { columns, prefix: columns.slice(0, p), extra, flavor: opensnoopHeaderFlavor(line, columns) };
}

/**
 * py/bpftrace print FD 4 wide, libbpf 3 wide (so 18 vs 19 characters from COMM to FD); py `-T` is the
 * relative `TIME(s)`, libbpf `-T` the wall-clock `TIME`. bpftrace is told apart by its banner (detect.ts).
 */
function opensnoopHeaderFlavor(line: string, columns: string[]): Flavor {
  if (columns.includes('TIME(s)') || columns.includes('TID') || columns.includes('MODE')) return 'bcc';
  if (columns.includes('TIME')) return 'libbpf';
  const gap = line.indexOf(' FD ') + 1 - line.indexOf('COMM');
  return gap === 18 ? 'libbpf' : 'bcc';
}

/** Comms whose paths are kept one by one, and distinct paths kept per comm (bounded like execsnoop's detail maps). */
export const MAX_COMMS_WITH_PATHS = 500;
export const MAX_PATHS_PER_COMM = 200;

/** Line consumer for opensnoop output. */
export function createOpensnoopParser(): LineParser<OpensnoopSummary> {
  const w = new WarningList();
  const byComm = new BoundedCounts();
  const byPath = new BoundedCounts();
  const pathsByComm = new Map<string, BoundedCounts>();
  let layout: OpensnoopLayout | null = null;
  let columns: string[] = [];
  let events = 0;
  let errors = 0;

  function prefixOk(tok: string[], l: OpensnoopLayout): boolean {
    for (let i = 0; i < l.prefix.length; i++) {
      const col = l.prefix[i];
      const t = tok[i];
      if (col === 'UID' ? !isInt(t) : col === 'TIME' ? Number.isNaN(clockSeconds(t)) : Number.isNaN(toNum(t))) {
        return false;
      }
    }
    return true;
  }

  return {
    get warnings() {
      return w.list;
    },
    push(line, lineNo) {
      if (line.includes(' COMM ') && line.includes(' FD ')) {
        const h = matchOpensnoopHeader(line);
        if (h) {
          layout = h;
          if (columns.length === 0) columns = h.columns;
          return;
        }
      }
      if (!layout) return;
      const p = layout.prefix.length;
      const f = splitFields(line, p + 2 + layout.extra + 6);
      const tok = f.tokens;
      if (!prefixOk(tok, layout) || !isInt(tok[p])) return;
      // COMM may contain spaces (up to 4 words, as execsnoop reads it: "npm exec tsc --"): FD and ERR
      // are the first two integers after it
      let fdIdx = p + 2;
      while (fdIdx <= p + 5 && !(isInt(tok[fdIdx]) && isInt(tok[fdIdx + 1]))) fdIdx++;
      if (fdIdx > p + 5) {
        w.add(lineNo, `opensnoop row does not fit the header (${layout.columns.join(' ')})`);
        return;
      }
      const comm = tok.slice(p + 1, fdIdx).join(' ');
      const fd = Number(tok[fdIdx]);
      const err = Number(tok[fdIdx + 1]);
      const pathIdx = fdIdx + 2 + layout.extra;
      const path = pathIdx < tok.length ? line.slice(f.starts[pathIdx]).trimEnd() : '';
      events++;
      byComm.add(comm);
      byPath.add(path);
      let paths = pathsByComm.get(comm);
      if (!paths && pathsByComm.size < MAX_COMMS_WITH_PATHS) pathsByComm.set(comm, (paths = new BoundedCounts(MAX_PATHS_PER_COMM)));
      paths?.add(path);
      if (fd < 0 || err !== 0) errors++;
    },
    finish() {
      w.close();
      const perComm = Object.fromEntries([...pathsByComm].map(([comm, paths]) => [comm, paths.toObject()]));
      return { events, byComm: byComm.toObject(), byPath: byPath.toObject(), pathsByComm: perComm, errors, columns };
    },
  };
}
