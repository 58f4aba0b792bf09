import { describe, expect, it } from 'vitest';
import { createOpensnoopParser } from '../../../grader/parsers/opensnoop.ts';
import { createSyscountParser } from '../../../grader/parsers/syscount.ts';
import { createCachestatParser } from '../../../grader/parsers/cachestat.ts';
import { createTcpconnectParser } from '../../../grader/parsers/tcpconnect.ts';
import { createTcpretransParser } from '../../../grader/parsers/tcpretrans.ts';
import { feed, readFixture } from './helpers.ts';

describe('opensnoop parser', () => {
  it('bpftrace capture: counts and errors (grep/awk)', () => {
    const s = feed(createOpensnoopParser(), readFixture('captures/opensnoop-bpftrace-curlloop.txt'));
    expect(s.events).toBe(146);
    expect(s.byComm.curl).toBe(67);
    expect(s.errors).toBe(49);
  });
  it('bcc example: -T, -U, -e sections and a row with an empty PATH', () => {
    const s = feed(createOpensnoopParser(), readFixture('corpus/bcc/opensnoop_example.txt'));
    expect(s.byComm.sed).toBe(20);
    expect(s.byPath['tmp.txt']).toBe(5); // grep -c 'tmp.txt$'
  });
});

describe('syscount parser', () => {
  it('libbpf -L: TIME (us) column, fsync row', () => {
    const s = feed(createSyscountParser(), readFixture('captures/syscount-libbpf-L-fsyncapp.txt'));
    expect(s.by).toBe('syscall');
    expect(s.rows[0]).toEqual({ syscall: 'futex', count: 1381, timeUs: 14154588.075 });
    expect(s.rows.find((r) => r.syscall === 'fsync')).toEqual({ syscall: 'fsync', count: 343, timeUs: 493561.915 });
  });
  it('libbpf -P: comm with spaces, one row per PID', () => {
    const s = feed(createSyscountParser(), readFixture('captures/syscount-libbpf-P-fsyncapp.txt'));
    expect(s.by).toBe('process');
    expect(s.rows).toHaveLength(10);
    expect(s.rows[0]).toEqual({ syscall: 'npm exec tsc --', count: 8738, pid: 7419 });
  });
  it('-L (ms) converts to us; py [unknown: 321] names keep their space', () => {
    const s = feed(createSyscountParser(), 'SYSCALL                   COUNT        TIME (ms)\nfsync                       10           2.500\n[unknown: 321]               32            4.965\n');
    expect(s.rows).toEqual([
      { syscall: 'fsync', count: 10, timeUs: 2500 },
      { syscall: '[unknown: 321]', count: 32, timeUs: 4965 },
    ]);
  });
  it('bpftrace syscount.bt maps', () => {
    const p = createSyscountParser();
    const s = feed(p, readFixture('captures/syscount-bpftrace-fsyncapp.txt'));
    expect(s.rows.find((r) => r.syscall === '74')?.count).toBe(460); // fsync is syscall 74 on x86_64
    expect(s.byProcess?.python3).toBe(1384);
    expect(p.flavorHint?.()).toBe('bpftrace');
  });
});

describe('cachestat parser', () => {
  it('v0.9 header in the example, ^C-prefixed row', () => {
    const s = feed(createCachestatParser(), readFixture('corpus/bcc/cachestat_example.txt').replace(/^\^C/gm, ''));
    expect(s.header).toBe('v0.9');
    expect(s.rows).toBe(46);
  });
  it('v0.1 and v0.6 headers', () => {
    const a = feed(createCachestatParser(), '    HITS   MISSES  DIRTIES  READ_HIT% WRITE_HIT%   BUFFERS_MB  CACHED_MB\n     100       25        0      80.0%      0.0%           10        200\n');
    expect(a).toMatchObject({ header: 'v0.1', hits: 100, misses: 25, hitRatio: 0.8 });
    const b = feed(createCachestatParser(), 'TIME         TOTAL   MISSES     HITS  DIRTIES   BUFFERS_MB  CACHED_MB\n10:00:00       100       10       90        0           10        200\n');
    expect(b).toMatchObject({ header: 'v0.6', hits: 90, misses: 10, hitRatio: 0.9 });
  });
});

describe('tcpconnect / tcpretrans parsers', () => {
  it('tcpconnect example: events, IPv6 destinations, -c count table', () => {
    const p = createTcpconnectParser();
    const s = feed(p, readFixture('corpus/bcc/tcpconnect_example.txt'));
    expect(s.byDest['172.217.21.194:443']).toBe(70);
    expect(s.byDest['::1:23']).toBe(4);
    expect(p.warnings).toEqual([]);
  });
  it('tcpretrans example: R and L types, count table', () => {
    const s = feed(createTcpretransParser(), readFixture('corpus/bcc/tcpretrans_example.txt'));
    expect(s.byType).toEqual({ R: 15, L: 1 });
    expect(s.byRemote['172.217.21.194:443']).toBe(700 + 2);
  });
  it('bpftrace tcpretrans', () => {
    const s = feed(createTcpretransParser(), readFixture('corpus/bpftrace/tcpretrans_example.txt'));
    expect(s.events).toBe(3);
    expect(s.byState).toEqual({ ESTABLISHED: 3 });
  });
});
