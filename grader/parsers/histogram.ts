/**
 * Histogram tools: biolatency and runqlat (bcc/libbpf log2 and their bpftrace versions) and any bpftrace
 * `hist()` output (`bpftrace-hist`). Handles interval mode (`HH:MM:SS` lines), per-disk / per-flags /
 * per-pid sections, `-j` dict lines, and bpftrace count maps (`@x[key]: value`, kept in `counts`).
 * Row shapes: histogram-rows.ts.
 */
import type { Flavor, Histogram, HistogramBucket, HistogramSummary } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { addBuckets, makeHistogram, summarizeHistograms } from './histogram-math.ts';
import {
  bccHistHeaderFlavor,
  matchBccHistHeader,
  matchBpftraceCountLine,
  matchBpftraceHistHeader,
  matchSectionLabel,
  parseBccJsonHist,
  parseBccRow,
  parseBpftraceRow,
} from './histogram-rows.ts';
import { isClockLine, MAX_DISTINCT_KEYS } from './text.ts';

/** Histograms listed one by one in the summary; later ones still count in the merged view. */
export const MAX_LISTED_HISTOGRAMS = 1000;

interface OpenHist {
  kind: 'bcc' | 'bpftrace';
  unit: string;
  label?: string;
  timestamp?: string;
  buckets: HistogramBucket[];
  startLine: number;
}

/** Line consumer for every histogram flavor. */
export function createHistogramParser(): LineParser<HistogramSummary> {
  const w = new WarningList();
  const listed: Histogram[] = [];
  const merged = new Map<string, HistogramBucket>();
  const counts = new Map<string, Map<string, number>>();
  let mergedUnit: string | undefined;
  let open: OpenHist | null = null;
  let pendingLabel: string | undefined;
  let pendingTime: string | undefined;
  let flavor: Flavor | undefined;
  let dropped = 0;
  let lastLineNo = 0;

  function close(): void {
    if (!open) return;
    const h = makeHistogram(open.unit, open.buckets, open.label, open.timestamp);
    open = null;
    if (mergedUnit === undefined) mergedUnit = h.unit;
    if (h.unit === mergedUnit) addBuckets(merged, h.buckets);
    if (listed.length < MAX_LISTED_HISTOGRAMS) listed.push(h);
    else if (dropped++ === 0) w.add(lastLineNo, `more than ${MAX_LISTED_HISTOGRAMS} histograms: later ones are only in the merged view`);
  }

  function start(kind: OpenHist['kind'], unit: string, lineNo: number, label?: string): void {
    close();
    open = { kind, unit, buckets: [], startLine: lineNo, label: label ?? pendingLabel, timestamp: pendingTime };
    pendingLabel = undefined;
    pendingTime = undefined;
  }

  function addRow(b: HistogramBucket, lineNo: number): void {
    const h = open!;
    const prev = h.buckets[h.buckets.length - 1];
    // log2 rows are contiguous: bcc `a -> b` then `b+1 -> ...`; bpftrace `[a, b)` then `[b, ...)`
    const expected = prev === undefined ? b.low : h.kind === 'bcc' ? prev.high + 1 : prev.high;
    if (prev !== undefined && b.low !== expected) {
      w.add(lineNo, `histogram gap: bucket(s) missing between ${prev.low}..${prev.high} and ${b.low}..${b.high}`);
    }
    h.buckets.push(b);
  }

  function addCount(name: string, key: string, value: number): void {
    let m = counts.get(name);
    if (!m) {
      if (counts.size >= 100) return;
      counts.set(name, (m = new Map()));
    }
    if (m.has(key) || m.size < MAX_DISTINCT_KEYS) m.set(key, (m.get(key) ?? 0) + value);
  }

  return {
    get warnings() {
      return w.list;
    },
    flavorHint: () => flavor,
    push(line, lineNo) {
      lastLineNo = lineNo;
      if (open) {
        const row = open.kind === 'bcc' ? parseBccRow(line) : parseBpftraceRow(line);
        if (row === 'bad') {
          w.add(lineNo, 'histogram row with an unreadable count');
          return;
        }
        if (row) {
          addRow(row, lineNo);
          return;
        }
        close();
      }
      const unit = matchBccHistHeader(line);
      if (unit !== null) {
        flavor ??= bccHistHeaderFlavor(line);
        start('bcc', unit, lineNo);
        return;
      }
      const c0 = line.charCodeAt(0);
      if (c0 === 64 /* @ */) {
        const hist = matchBpftraceHistHeader(line);
        if (hist) {
          flavor = 'bpftrace';
          start('bpftrace', hist.name, lineNo, hist.key === undefined ? undefined : `@${hist.name}[${hist.key}]`);
          return;
        }
        const cnt = matchBpftraceCountLine(line);
        if (cnt) {
          flavor = 'bpftrace';
          addCount(cnt.name, cnt.key, cnt.value);
        }
        return;
      }
      if (c0 === 123 /* { */) {
        const j = parseBccJsonHist(line);
        if (j) {
          flavor ??= 'bcc';
          start('bcc', j.unit, lineNo, j.label);
          for (const b of j.buckets) addRow(b, lineNo);
          close();
        }
        return;
      }
      const label = matchSectionLabel(line);
      if (label) {
        // libbpf ends per-disk labels with a TAB and adds the comm to pid/tid labels
        if (/\t\s*$/.test(line) || (label.key !== 'pidns' && /^\s*(pid|tid) = \d+ \S/.test(line))) flavor ??= 'libbpf';
        pendingLabel = label.label;
        return;
      }
      if (isClockLine(line)) {
        pendingTime = line.trim().replace(/^\[|\]$/g, '');
        return;
      }
      // rows whose header was lost (line drops, truncated paste): keep them rather than lose the data
      const orphan = parseBccRow(line);
      if (orphan && orphan !== 'bad') {
        w.add(lineNo, 'histogram rows without a header line: assumed the previous unit');
        start('bcc', mergedUnit ?? 'usecs', lineNo);
        addRow(orphan, lineNo);
      }
    },
    finish() {
      close();
      w.close();
      const summary = summarizeHistograms(listed, merged, mergedUnit ?? '');
      if (counts.size > 0) {
        summary.counts = Object.fromEntries(
          [...counts].map(([name, m]) => [name, Object.fromEntries([...m].sort((a, b) => b[1] - a[1]))]),
        );
      }
      return summary;
    },
  };
}
