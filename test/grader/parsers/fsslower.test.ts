import { describe, expect, it } from 'vitest';
import { createFsslowerParser } from '../../../grader/parsers/fsslower.ts';
import { feed, readFixture } from './helpers.ts';

describe('fsslower family parser', () => {
  it('py ext4slower example: fs, threshold, types, files (csv section included)', () => {
    const s = feed(createFsslowerParser(), readFixture('corpus/bcc/ext4slower_example.txt'));
    expect(s.fs).toBe('ext4');
    expect(s.thresholdMs).toBe(10);
    expect(s.program).toBe('ext4slower');
    expect(s.byFile['common-auth']).toBe(3);
    expect(s.byComm.cron).toBeGreaterThanOrEqual(9);
    expect(s.maxLatMs).toBeGreaterThan(30);
    expect(s.latencyMeasured).toBe(true);
  });

  it('libbpf fsslower: F (fsync) is reported as S, flavor hint libbpf', () => {
    const text = [
      'Tracing ext4 operations slower than 1 ms... Hit Ctrl-C to end.',
      'TIME     COMM             PID     T BYTES   OFF_KB   LAT(ms) FILENAME',
      '10:00:01 journald         311     F LL_MAX  0           2.51 system.journal',
      '10:00:01 appender         4242    W 24      12          1.20 ledger.log',
      '10:00:01 appender         4242    F LL_MAX  0           4.75 ledger.log',
    ].join('\n');
    const p = createFsslowerParser();
    const s = feed(p, text);
    expect(s.byType).toEqual({ S: 2, W: 1 });
    expect(s.typesByFile['ledger.log']).toEqual({ W: 1, S: 1 });
    expect(s.maxLatMs).toBe(4.75);
    expect(p.flavorHint?.()).toBe('libbpf');
  });

  it('fileslower example: fs any, D column', () => {
    const s = feed(createFsslowerParser(), readFixture('corpus/bcc/fileslower_example.txt'));
    expect(s.fs).toBe('any');
    expect(s.program).toBe('fileslower');
    expect(s.byFile.data1).toBe(28);
  });

  it('syncsnoop.bt capture: fsync events by process, no latency', () => {
    const s = feed(createFsslowerParser(), readFixture('captures/syncsnoop-bpftrace-fsyncapp.txt'));
    expect(s.byComm.python3).toBe(56); // grep -c python3
    expect(s.byType).toEqual({ S: 56 });
    expect(s.latencyMeasured).toBe(false);
    expect(s.program).toBe('syncsnoop.bt');
  });

  it('warns on a truncated row', () => {
    const p = createFsslowerParser();
    feed(p, 'TIME     COMM           PID    T BYTES   OFF_KB   LAT(ms) FILENAME\n06:35:01 cron           16464  R 1249\n');
    expect(p.warnings[0].line).toBe(2);
  });
});
