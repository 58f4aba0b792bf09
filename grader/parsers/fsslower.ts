/**
 * File system latency tracers: py ext4slower/xfsslower/btrfsslower (`T` = R/W/O/S), libbpf fsslower and
 * its ext4slower/xfsslower... aliases (fsync printed as `F`, reported here as `S`), their `-j` csv output,
 * py fileslower (`TIME(s) COMM TID D BYTES LAT(ms) FILENAME`), and bpftrace syncsnoop.bt (sync syscall
 * events without latency or file: `latencyMeasured: false`). See corpus/FORMATS.md.
 */
import type { Flavor, FsOpType, FsslowerSummary } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { BoundedCounts, clockSeconds, isInt, LazyFields, MAX_DISTINCT_KEYS, MAX_HEADER_CHARS, splitFields, toNum } from './text.ts';

type Layout = 'fsslower' | 'fileslower' | 'csv' | 'syncsnoop';

/** Recognises a table header of this family, or returns null. */
export function matchFsslowerHeader(line: string): Layout | null {
  // every row is offered as a header first: a long row must not be trimmed and tokenized for nothing
  if (line.length > MAX_HEADER_CHARS) return null;
  const t = line.trim();
  if (/^ENDTIME_[nu]s,TASK,PID,TYPE,BYTES,OFFSET_b,LATENCY_[nu]s,FILE$/.test(t)) return 'csv';
  const cols = splitFields(t).tokens.join(' ');
  if (cols === 'TIME COMM PID T BYTES OFF_KB LAT(ms) FILENAME') return 'fsslower';
  if (cols === 'TIME(s) COMM TID D BYTES LAT(ms) FILENAME' || cols === 'TIME(s) COMM PID D BYTES LAT(ms) FILENAME') {
    return 'fileslower';
  }
  if (cols === 'TIME PID COMM EVENT') return 'syncsnoop';
  return null;
}

/** `Tracing ext4 operations slower than 10 ms` (py) / `... ms... Hit Ctrl-C to end.` (libbpf) / fileslower. */
export function matchFsslowerBanner(line: string): { fs: string; thresholdMs: number; flavor: Flavor } | null {
  const m = /^Tracing (\w+) operations(?: slower than ([\d.]+) ms)?/.exec(line);
  if (m) {
    const flavor: Flavor = line.includes('Hit Ctrl-C') ? 'libbpf' : 'bcc';
    return { fs: m[1].toLowerCase(), thresholdMs: m[2] === undefined ? 0 : Number(m[2]), flavor };
  }
  const f = /^Tracing sync read\/writes slower than ([\d.]+) ms/.exec(line);
  if (f) return { fs: 'any', thresholdMs: Number(f[1]), flavor: 'bcc' };
  return null;
}

interface FsRow {
  comm: string;
  type: FsOpType;
  /** the type as printed: libbpf prints fsync as `F`, py as `S` */
  letter: string;
  latMs: number;
  file: string;
}

const TYPE_OF: Record<string, FsOpType> = { R: 'R', W: 'W', O: 'O', S: 'S', F: 'S' };

function parseTableRow(line: string, layout: 'fsslower' | 'fileslower'): FsRow | 'bad' | null {
  // columns are read only up to LAT: FILENAME is sliced, never scanned (it can be 64 KiB long)
  const f = new LazyFields(line);
  const timeOk = layout === 'fsslower' ? !Number.isNaN(clockSeconds(f.at(0))) : !Number.isNaN(toNum(f.at(0)));
  if (!timeOk) return null;
  // COMM may hold spaces: find the single-letter type column after an integer PID
  const latOffset = layout === 'fsslower' ? 3 : 2;
  for (let i = 3; i <= 6 && f.at(i) !== undefined; i++) {
    const letter = f.at(i) as string;
    const type = TYPE_OF[letter];
    if (!type || !isInt(f.at(i - 1))) continue;
    const bytesOk = isInt(f.at(i + 1)) || f.at(i + 1) === 'LL_MAX';
    const offOk = layout === 'fileslower' || isInt(f.at(i + 2));
    const lat = toNum(f.at(i + latOffset));
    if (!bytesOk || !offOk || Number.isNaN(lat)) continue;
    const comm = Array.from({ length: i - 2 }, (_, k) => f.at(k + 1)).join(' ');
    return { comm, type, letter, latMs: lat, file: f.restAfter(i + latOffset) };
  }
  return 'bad';
}

function parseCsvRow(line: string, latDivisor: number): FsRow | 'bad' | null {
  const parts = line.split(',');
  if (parts.length < 8 || !isInt(parts[0])) return parts.length > 1 && isInt(parts[0]) ? 'bad' : null;
  const type = TYPE_OF[parts[3]];
  const lat = toNum(parts[6]);
  if (!type || Number.isNaN(lat)) return 'bad';
  return { comm: parts[1], type, letter: parts[3], latMs: lat / latDivisor, file: parts.slice(7).join(',') };
}

function parseSyncsnoopRow(line: string): FsRow | 'bad' | null {
  const tok = splitFields(line).tokens;
  if (Number.isNaN(clockSeconds(tok[0]))) return null;
  if (tok.length < 4 || !isInt(tok[1])) return 'bad';
  return { comm: tok.slice(2, -1).join(' '), type: 'S', letter: 'S', latMs: 0, file: '' };
}

/** Line consumer for the fsslower family. */
export function createFsslowerParser(): LineParser<FsslowerSummary> {
  const w = new WarningList();
  const byFile = new BoundedCounts();
  const byComm = new BoundedCounts();
  const byType: Partial<Record<FsOpType, number>> = {};
  const latMsByType: Partial<Record<FsOpType, number>> = {};
  const typesByFile = new Map<string, Partial<Record<FsOpType, number>>>();
  let layout: Layout | null = null;
  let latDivisor = 1000;
  let fs: string | undefined;
  let thresholdMs: number | undefined;
  let program: string | undefined;
  let flavor: Flavor | undefined;
  let events = 0;
  let maxLatMs = 0;

  return {
    get warnings() {
      return w.list;
    },
    flavorHint: () => flavor,
    push(line, lineNo) {
      const banner = line.startsWith('Tracing') ? matchFsslowerBanner(line) : null;
      if (banner) {
        fs ??= banner.fs;
        thresholdMs ??= banner.thresholdMs;
        program ??= banner.fs === 'any' ? 'fileslower' : `${banner.fs}slower`;
        flavor ??= banner.flavor;
        return;
      }
      const header = matchFsslowerHeader(line);
      if (header) {
        layout = header;
        if (header === 'csv') {
          latDivisor = line.includes('LATENCY_ns') ? 1e6 : 1000;
          flavor ??= line.startsWith('ENDTIME_ns') ? 'libbpf' : 'bcc';
        }
        if (header === 'syncsnoop') {
          program ??= 'syncsnoop.bt';
          fs ??= 'any';
          flavor = 'bpftrace';
        }
        return;
      }
      if (!layout) return;
      const row =
        layout === 'csv'
          ? parseCsvRow(line, latDivisor)
          : layout === 'syncsnoop'
            ? parseSyncsnoopRow(line)
            : parseTableRow(line, layout);
      if (row === null) return;
      if (row === 'bad') {
        w.add(lineNo, `${layout} row does not fit its header`);
        return;
      }
      if (layout === 'fsslower' && row.letter === 'F') flavor ??= 'libbpf';
      events++;
      byType[row.type] = (byType[row.type] ?? 0) + 1;
      latMsByType[row.type] = Math.round(((latMsByType[row.type] ?? 0) + row.latMs) * 1000) / 1000;
      if (row.latMs > maxLatMs) maxLatMs = row.latMs;
      byComm.add(row.comm);
      if (layout !== 'syncsnoop') {
        byFile.add(row.file);
        let t = typesByFile.get(row.file);
        if (!t && typesByFile.size < MAX_DISTINCT_KEYS) typesByFile.set(row.file, (t = {}));
        if (t) t[row.type] = (t[row.type] ?? 0) + 1;
      }
    },
    finish() {
      w.close();
      const summary: FsslowerSummary = {
        fs: fs ?? 'unknown',
        events,
        byType,
        byFile: byFile.toObject(),
        byComm: byComm.toObject(),
        maxLatMs,
        latMsByType,
        typesByFile: Object.fromEntries(typesByFile),
      };
      if (thresholdMs !== undefined) summary.thresholdMs = thresholdMs;
      if (program !== undefined) summary.program = program;
      summary.latencyMeasured = program !== 'syncsnoop.bt';
      return summary;
    },
  };
}
