import { describe, expect, it } from 'vitest';
import { createExecsnoopParser, matchExecsnoopHeader } from '../../../grader/parsers/execsnoop.ts';
import { parseCaptureText } from '../../../grader/parsers/index.ts';
import { feed, readFixture } from './helpers.ts';

describe('execsnoop parser', () => {
  it('reads the libbpf -t capture of the curl loop (counts checked with awk)', () => {
    const s = feed(createExecsnoopParser(), readFixture('captures/execsnoop-libbpf-t-curlloop.txt'));
    expect(s.events).toBe(130); // 131 lines minus the header
    expect(s.byComm.curl).toBe(20); // awk '$2=="curl"' | wc -l
    expect(s.byComm.date).toBe(20);
    expect(s.byParent?.['6242']).toBe(82); // the loop script's PID
    expect(s.parentsByComm?.curl).toEqual({ '6242': 20 });
    expect(s.topArgsByComm.curl).toBe('/usr/bin/curl -s -o /dev/null http://127.0.0.1:18080/health');
    expect(s.durationSec).toBe(4.728); // 4.750 - 0.022
    expect(s.ratePerSec).toBe(Math.round((130 / 4.728) * 1000) / 1000);
    expect(s.failed).toBe(0);
    expect(s.columns).toEqual(['TIME(s)', 'PCOMM', 'PID', 'PPID', 'RET', 'ARGS']);
  });

  it('reads -T -U (wall clock): duration from HH:MM:SS', () => {
    const s = feed(createExecsnoopParser(), readFixture('captures/execsnoop-libbpf-TU-curlloop.txt'));
    expect(s.events).toBe(182);
    expect(s.byComm.curl).toBe(20);
    expect(s.durationSec).toBeGreaterThanOrEqual(4);
    expect(s.ratePerSec).toBeGreaterThan(0);
  });

  it('reads old bpftrace execsnoop.bt (TIME(ms) PID ARGS): comm from argv[0], no PPID', () => {
    const s = feed(createExecsnoopParser(), readFixture('captures/execsnoop-bpftrace-curlloop.txt'));
    expect(s.byComm.curl).toBe(18); // grep -c ' curl '
    expect(s.byParent).toBeUndefined();
    expect(s.durationSec).toBeGreaterThan(3);
  });

  it('has no rate without timestamps and keeps byParent keys as PPID strings', () => {
    const s = feed(
      createExecsnoopParser(),
      'PCOMM            PID    PPID   RET ARGS\ncurl             100    42       0 /usr/bin/curl x\ncurl             101    42      -2 /usr/bin/curl y\n',
    );
    expect(s.ratePerSec).toBeUndefined();
    expect(s.durationSec).toBeUndefined();
    expect(s.byParent).toEqual({ '42': 2 });
    expect(s.failed).toBe(1);
  });

  it('reads every section of the bcc example file, skipping prose and help text', () => {
    const s = feed(createExecsnoopParser(), readFixture('corpus/bcc/execsnoop_example.txt'));
    expect(s.byComm.run).toBe(7);
    expect(s.byComm.mount).toBe(1);
    expect(s.failed).toBe(3); // the three -2 rows of the -x section
  });

  it('keeps a comm with spaces together and warns on truncated rows with the line number', () => {
    const text = 'PCOMM            PID    PPID   RET ARGS\nnpm exec tsc -- 7419   1085     0 /usr/bin/node x\ncurl             6545\n';
    const c = parseCaptureText(text, 't.txt');
    expect(c.tool).toBe('execsnoop');
    if (c.tool !== 'execsnoop') return;
    expect(c.summary.byComm['npm exec tsc --']).toBe(1);
    expect(c.warnings).toEqual([{ line: 3, message: expect.stringContaining('does not fit') }]);
  });

  it('flavor rule: COMM -> bcc, PID 7 wide -> bcc, TIME(s) + 2 spaces -> libbpf, bare PCOMM 6 wide -> unknown', () => {
    expect(matchExecsnoopHeader('COMM             PID     PPID    RET ARGS')?.flavor).toBe('bcc');
    expect(matchExecsnoopHeader('PCOMM            PID     PPID    RET ARGS')?.flavor).toBe('bcc');
    expect(matchExecsnoopHeader('TIME(s)  PCOMM            PID    PPID   RET ARGS')?.flavor).toBe('libbpf');
    expect(matchExecsnoopHeader('TIME(s) PCOMM            PID    PPID   RET ARGS')?.flavor).toBe('bcc');
    expect(matchExecsnoopHeader('UID    PCOMM            PID    PPID   RET ARGS')?.flavor).toBe('libbpf');
    expect(matchExecsnoopHeader('UID   PCOMM            PID    PPID   RET ARGS')?.flavor).toBe('bcc');
    expect(matchExecsnoopHeader('PCOMM            PID    PPID   RET ARGS')?.flavor).toBe('unknown');
    expect(matchExecsnoopHeader('TIME            PID     PPID    ARGS')?.flavor).toBe('bpftrace');
    expect(matchExecsnoopHeader('The ARGS')).toBeNull();
  });
});
