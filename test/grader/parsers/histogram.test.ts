import { describe, expect, it } from 'vitest';
import { createHistogramParser } from '../../../grader/parsers/histogram.ts';
import { parseBpftraceRow, matchSectionLabel, OPEN_LOW } from '../../../grader/parsers/histogram-rows.ts';
import { feed, readFixture } from './helpers.ts';

describe('histogram parser', () => {
  it('bcc runqlat example: first histogram row 4 -> 7 holds 203, and -P/-L/--pidnss sections get labels', () => {
    const s = feed(createHistogramParser(), readFixture('corpus/bcc/runqlat_example.txt'));
    const first = s.histograms[0];
    expect(first.unit).toBe('usecs');
    expect(first.buckets.find((b) => b.low === 4)).toEqual({ low: 4, high: 7, count: 203 });
    expect(first.buckets.find((b) => b.low === 16384)?.count).toBe(809);
    expect(s.histograms.some((h) => h.label === 'pid = 12927')).toBe(true);
    expect(s.histograms.some((h) => h.label === 'tid = 7')).toBe(true);
    expect(s.histograms.some((h) => h.label === 'pidns = 4026532870' && h.unit === 'msecs')).toBe(true);
    expect(s.unit).toBe('usecs'); // merged view keeps the first unit only
  });

  it('bcc biolatency example: -mT timestamps, old 38-char layout, "Bucket disk" and flags labels', () => {
    const s = feed(createHistogramParser(), readFixture('corpus/bcc/biolatency_example.txt'));
    const first = s.histograms[0];
    expect(first.buckets.find((b) => b.low === 1024)?.count).toBe(52);
    expect(first.total).toBe(1 + 12 + 15 + 43 + 52 + 47 + 52 + 36 + 15 + 2 + 2);
    const t = s.histograms.find((h) => h.timestamp === '06:20:19');
    expect(t?.unit).toBe('msecs');
    expect(t?.buckets[0]).toEqual({ low: 0, high: 1, count: 522 }); // the row with a '+' bar
    expect(s.histograms.find((h) => h.label === 'disk = xvdb')?.buckets.find((b) => b.low === 1024)?.count).toBe(58);
    expect(s.histograms.find((h) => h.label === 'flags = Sync-Write')?.total).toBe(5);
    // -j lines are histograms too
    expect(s.histograms.find((h) => h.label === 'flags = Flush' && h.buckets.length === 10)?.total).toBe(4);
  });

  it('libbpf runqlat -m capture: total and percentile upper bounds (hand-computed)', () => {
    const s = feed(createHistogramParser(), readFixture('captures/runqlat-libbpf-m-mutex.txt'));
    expect(s.unit).toBe('msecs');
    expect(s.total).toBe(8426);
    expect(s.p50).toBe(1); // 6629 of 8426 in 0 -> 1
    expect(s.p99).toBe(15); // cumulative 8396 >= 0.99 * 8426 at 8 -> 15
  });

  it('libbpf biolatency -D interval capture: three "disk = vda\\t" histograms merged', () => {
    const p = createHistogramParser();
    const s = feed(p, readFixture('captures/biolatency-libbpf-D-dsync.txt'));
    expect(s.histograms.map((h) => h.label)).toEqual(['disk = vda', 'disk = vda', 'disk = vda']);
    expect(s.histograms[0].total).toBe(3342); // awk over the first section
    expect(s.total).toBe(11526);
    expect(p.flavorHint?.()).toBe('libbpf');
  });

  it('libbpf runqlat -P labels carry the comm', () => {
    const s = feed(createHistogramParser(), readFixture('captures/runqlat-libbpf-P-mutex.txt'));
    expect(s.histograms).toHaveLength(12);
    expect(s.histograms[0].label).toBe('pid = 7045 bash');
  });

  it('bpftrace: fsync latency hist, K suffixes, [0]/[1] rows, keyed maps and count maps', () => {
    const s = feed(createHistogramParser(), readFixture('captures/bpftrace-hist-bpftrace-fsynclat.txt'));
    expect(s.unit).toBe('fsync_lat_us');
    expect(s.buckets).toEqual([
      { low: 256, high: 512, count: 77 },
      { low: 512, high: 1024, count: 169 },
      { low: 1024, high: 2048, count: 0 },
      { low: 2048, high: 4096, count: 2 },
    ]);
    expect(s.p50).toBe(1024);
    const x = feed(createHistogramParser(), readFixture('corpus/bpftrace/xfsdist_example.txt'));
    expect(x.histograms.map((h) => h.label)).toEqual(['@us[xfs_file_write_iter]', '@us[xfs_file_read_iter]', '@us[xfs_file_open]']);
    expect(x.histograms[1].buckets[0]).toEqual({ low: 1, high: 2, count: 724 });
    const v = feed(createHistogramParser(), readFixture('corpus/bpftrace/vfsstat_example.txt'));
    expect(v.counts?.['']?.vfs_read).toBe(11515 + 10398 + 11011 + 11077 + 11061);
    expect(parseBpftraceRow('(..., 0)          3 |@@@ |')).toEqual({ low: OPEN_LOW, high: 0, count: 3 });
    expect(parseBpftraceRow('[0]          3 |@@@ |')).toEqual({ low: 0, high: 1, count: 3 });
    expect(parseBpftraceRow('[1M, 2M)     1 |    |')).toEqual({ low: 2 ** 20, high: 2 ** 21, count: 1 });
  });

  it('warns (naming the line) on a gap in the log2 sequence and on an unreadable count', () => {
    const p = createHistogramParser();
    const text = [
      '     usecs               : count    distribution',
      '         0 -> 1          : 3        |****|',
      '         4 -> 7          : 1        |*   |',
      '         8 -> 15         : x1       |*   |',
    ].join('\n');
    const s = feed(p, text);
    expect(s.total).toBe(4);
    expect(p.warnings).toEqual([
      { line: 3, message: expect.stringContaining('gap') },
      { line: 4, message: expect.stringContaining('unreadable') },
    ]);
  });

  it('normalises the historical disk label spellings', () => {
    expect(matchSectionLabel("Bucket disk = 'xvdb'")?.label).toBe('disk = xvdb');
    expect(matchSectionLabel("disk = b'sda'")?.label).toBe('disk = sda');
    expect(matchSectionLabel('disk = sda\t')?.label).toBe('disk = sda');
  });
});
