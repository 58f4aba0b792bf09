/** Totals, percentiles and merging of printed histograms (bcc log2 and bpftrace hist). */
import type { Histogram, HistogramBucket, HistogramSummary } from './types.ts';

/**
 * Upper bound of the bucket holding the q-quantile (0 < q <= 1), in the histogram's unit; 0 when empty.
 * Only the bucket is known from printed output, so the bound is the honest answer ("p99 <= 1023 us").
 */
export function percentileUpperBound(buckets: HistogramBucket[], q: number): number {
  let total = 0;
  for (const b of buckets) total += Math.max(0, b.count);
  if (total === 0) return 0;
  const target = q * total;
  let cum = 0;
  for (const b of buckets) {
    cum += Math.max(0, b.count);
    if (cum >= target) return b.high;
  }
  return buckets[buckets.length - 1].high;
}

/** Builds a Histogram with its total and percentiles. */
export function makeHistogram(
  unit: string,
  buckets: HistogramBucket[],
  label?: string,
  timestamp?: string,
): Histogram {
  const h: Histogram = {
    unit,
    buckets,
    total: buckets.reduce((s, b) => s + b.count, 0),
    p50: percentileUpperBound(buckets, 0.5),
    p99: percentileUpperBound(buckets, 0.99),
  };
  if (label !== undefined) h.label = label;
  if (timestamp !== undefined) h.timestamp = timestamp;
  return h;
}

/** Adds `buckets` into `into` (keyed by low/high), so intervals, disks and map keys sum up. */
export function addBuckets(into: Map<string, HistogramBucket>, buckets: HistogramBucket[]): void {
  for (const b of buckets) {
    const key = `${b.low}:${b.high}`;
    const cur = into.get(key);
    if (cur) cur.count += b.count;
    else into.set(key, { ...b });
  }
}

/**
 * The DESIGN view: all histograms that share the unit of the first one, summed bucket by bucket
 * (per-disk, per-interval or per-key histograms of one capture add up; a second unit, as in example
 * files mixing `usecs` and `msecs` sections, cannot be added and stays only in `histograms`).
 */
export function summarizeHistograms(
  histograms: Histogram[],
  merged: Map<string, HistogramBucket>,
  unit: string,
): HistogramSummary {
  const buckets = [...merged.values()].sort((a, b) => a.low - b.low || a.high - b.high);
  const m = makeHistogram(unit, buckets);
  return { unit, buckets, total: m.total, p50: m.p50, p99: m.p99, histograms };
}
