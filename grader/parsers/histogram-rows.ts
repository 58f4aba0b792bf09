/**
 * The line shapes of printed histograms:
 * - bcc/libbpf log2: header `     usecs               : count    distribution`, rows
 *   `%10d -> %-10d : %-8d |****|` (38/40-char bars, 20-wide columns, `+` on overflowing libbpf bars);
 *   section labels `disk = sda` (libbpf: + TAB; old py3: `disk = b'sda'`; very old: `Bucket disk = 'xvdb'`),
 *   `flags = Sync-Write`, `pid = 123` (libbpf: `pid = 123 bash`), `tid = ...`, `pidns = ...`.
 * - bpftrace: `@name:` / `@name[key]:` then `[256, 512)   2 |@@@ |` rows with K/M/G suffixes,
 *   `[0]`-style single-value rows and `(..., 0)` / `[N, ...)` open-ended rows (lhist).
 */
import type { HistogramBucket } from './types.ts';

/** bcc log2 header: returns the unit ('usecs', 'msecs', 'nsecs', 'Kbytes'...) or null. */
export function matchBccHistHeader(line: string): string | null {
  const m = /^\s*(\S+)\s+:\s*count\s+distribution\s*$/.exec(line);
  return m ? m[1] : null;
}

/** libbpf prints `count    distribution` (4 spaces), py `count     distribution` (5). */
export function bccHistHeaderFlavor(line: string): 'libbpf' | 'bcc' {
  return /count {4}distribution/.test(line) && !/count {5}/.test(line) ? 'libbpf' : 'bcc';
}

export type RowResult = HistogramBucket | 'bad' | null;

const BCC_ROW = /^\s*(\d+)\s*->\s*(\d+)\s*:\s*(\S*)/;

/** `  128 -> 255  : 12  |****|` -> bucket; 'bad' when shaped like a row with an unreadable count. */
export function parseBccRow(line: string): RowResult {
  const m = BCC_ROW.exec(line);
  if (!m) return null;
  const count = /^-?\d+$/.test(m[3]) ? Number(m[3]) : NaN;
  if (Number.isNaN(count)) return 'bad';
  return { low: Number(m[1]), high: Number(m[2]), count };
}

const SECTION_LABEL = /^\s*(?:Bucket\s+)?(disk|flags|pid|tid|pidns|cgroup|ptr)\s*=\s*(.*?)\s*$/;

/** Section label before a histogram, normalised: `disk = b'sda'` / `Bucket disk = 'xvdb'` -> `disk = sda`. */
export function matchSectionLabel(line: string): { key: string; label: string } | null {
  const m = SECTION_LABEL.exec(line);
  if (!m || m[2] === '') return null;
  const value = m[2].replace(/^b?'(.*)'$/, '$1').replace(/^b?"(.*)"$/, '$1');
  return { key: m[1], label: `${m[1]} = ${value}` };
}

const SUFFIX: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };

function bpftraceNumber(s: string): number {
  const m = /^(-?\d+)([KMGTP]?)$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1]) * (m[2] ? SUFFIX[m[2]] : 1);
}

/** Open-ended bpftrace rows have no bound on one side; these stand in for -inf / +inf in JSON. */
export const OPEN_LOW = Number.MIN_SAFE_INTEGER;
export const OPEN_HIGH = Number.MAX_SAFE_INTEGER;

const BT_ROW = /^([[(])([^\])]*)([\])])\s+(\S+)\s*(\|.*)?$/;

/** `[1K, 2K)   426 |@@@|`, `[0]   3 |@@|`, `(..., 0)  1 |@|` -> bucket (high exclusive); 'bad' or null. */
export function parseBpftraceRow(line: string): RowResult {
  const m = BT_ROW.exec(line);
  if (!m) return null;
  const inner = m[2].split(',').map((s) => s.trim());
  const count = /^\d+$/.test(m[4]) ? Number(m[4]) : NaN;
  let low: number;
  let high: number;
  if (inner.length === 1) {
    low = bpftraceNumber(inner[0]);
    high = low + 1;
  } else if (inner.length === 2) {
    low = inner[0] === '...' ? OPEN_LOW : bpftraceNumber(inner[0]);
    high = inner[1] === '...' ? OPEN_HIGH : bpftraceNumber(inner[1]);
  } else return null;
  if (Number.isNaN(low) || Number.isNaN(high)) return null;
  if (Number.isNaN(count) || m[5] === undefined) return 'bad';
  return { low, high, count };
}

/** A bpftrace map that prints a histogram: `@usecs:` or `@lat[fsync]:` with nothing after the colon. */
export function matchBpftraceHistHeader(line: string): { name: string; key?: string } | null {
  const m = /^@(\w*)(\[(.*)\])?:\s*$/.exec(line);
  if (!m) return null;
  return m[2] === undefined ? { name: m[1] } : { name: m[1], key: m[3] };
}

/** A bpftrace count/scalar map line: `@syscall[6]: 36862`, `@[vfs_read]: 11515`, `@total: 5`. */
export function matchBpftraceCountLine(line: string): { name: string; key: string; value: number } | null {
  const m = /^@(\w*)(?:\[(.*)\])?:\s+(-?\d+)\s*$/.exec(line);
  if (!m) return null;
  return { name: m[1], key: m[2] ?? '', value: Number(m[3]) };
}

/** One biolatency `-j` line (a Python dict): unit, buckets and the flags/disk label, or null. */
export function parseBccJsonHist(line: string): { unit: string; buckets: HistogramBucket[]; label?: string } | null {
  if (!line.startsWith('{') || !line.includes("'interval-start'")) return null;
  const unit = /'val_type':\s*'(\w+)'/.exec(line)?.[1] ?? 'usecs';
  const buckets: HistogramBucket[] = [];
  const row = /\{'interval-start':\s*(\d+),\s*'interval-end':\s*(\d+),\s*'count':\s*(\d+)\}/g;
  for (let m = row.exec(line); m; m = row.exec(line)) {
    buckets.push({ low: Number(m[1]), high: Number(m[2]), count: Number(m[3]) });
  }
  const flags = /'flags':\s*'([^']*)'/.exec(line)?.[1];
  const disk = /'Bucket ptr':\s*b?'([^']*)'/.exec(line)?.[1];
  const label = flags !== undefined ? `flags = ${flags}` : disk !== undefined ? `disk = ${disk}` : undefined;
  return label === undefined ? { unit, buckets } : { unit, buckets, label };
}
