import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCaptureText } from '../../../grader/parsers/index.ts';

const fixture = (p: string) => readFileSync(join(import.meta.dirname, '../../fixtures', p), 'utf8');

/** Detection on real output from the VM lab host (Debian 12, kernel 6.1; test/fixtures/captures/README.md). */
describe('detection of real lab-host captures (Debian 12 VM)', () => {
  it('libbpf tcpconnect: no banner, PID 6 wide: libbpf, not bcc', () => {
    const c = parseCaptureText(fixture('captures/tcpconnect-libbpf-t-vm.txt'), 'tcpconnect.txt');
    expect([c.tool, c.flavor]).toEqual(['tcpconnect', 'libbpf']);
  });

  it('BCC tcpconnect 0.26 header (PID 7 wide) without its banner is still bcc', () => {
    const header = 'TIME(s)  PID     COMM         IP SADDR            DADDR            DPORT \n0.000    4242    curl         4  127.0.0.1        127.0.0.1        18080  \n';
    const c = parseCaptureText(header, 'tcpconnect.txt');
    expect([c.tool, c.flavor]).toEqual(['tcpconnect', 'bcc']);
  });

  it('BCC offcputime -f from the VM: folded, BCC, the service blocked in futex waits', () => {
    const c = parseCaptureText(fixture('captures/offcputime-bcc-f-vm-offcpulock.txt'), 'offcputime.folded');
    expect([c.tool, c.flavor]).toEqual(['offcputime', 'bcc']);
    const s = c.summary as { folded: boolean; futexByComm: Record<string, number>; byComm: Record<string, number> };
    expect(s.folded).toBe(true);
    expect(s.futexByComm.invoiced).toBeGreaterThan(0.5 * s.byComm.invoiced);
  });

  it('folded off-CPU stacks (offcputime -f) are BCC offcputime', () => {
    const folded = fixture('corpus/bcc/offcputime_example.txt').split('\n').filter((l) => /^[a-z].*;.* \d+$/.test(l)).join('\n');
    expect(folded.split('\n').length).toBeGreaterThan(3);
    const c = parseCaptureText(folded, 'offcputime.folded');
    expect([c.tool, c.flavor]).toEqual(['offcputime', 'bcc']);
  });

  it('BCC ext4slower-bpfcc from the VM: bcc fsslower, fsyncs (T=S) of ledger.wal dominate the slow operations', () => {
    const c = parseCaptureText(fixture('captures/ext4slower-bcc-vm-fsyncapp.txt'), 'fsslower.txt');
    expect([c.tool, c.flavor]).toEqual(['fsslower', 'bcc']);
    const s = JSON.stringify(c.summary);
    expect(s).toContain('ledger.wal');
  });

  it('BCC execsnoop -t through a pipe (`| tee`): the time printed before the header goes to the first row', () => {
    const text = fixture('captures/execsnoop-bcc-t-tee-vm-ghostload.txt');
    expect(text.split('\n')[0]).toMatch(/^\d+\.\d+\s+TIME\(s\)\s+PCOMM/);
    const c = parseCaptureText(text, 'execsnoop.txt');
    expect([c.tool, c.flavor]).toEqual(['execsnoop', 'bcc']);
    const s = c.summary as { events: number; byComm: Record<string, number>; durationSec: number };
    // every row but the header, the first one (no time of its own) included
    expect(s.events).toBe(text.trim().split('\n').length - 1);
    expect(s.byComm.curl).toBeGreaterThan(s.byComm.sleep);
    expect(s.durationSec).toBeGreaterThan(10);
  });

  it('a tool that could not attach (biolatency-bpfcc on 6.1) is reported as the tool\'s error, not as unknown output', () => {
    const c = parseCaptureText(fixture('captures/biolatency-bcc-vm-attachfail.txt'), 'biolatency.txt');
    expect(c.tool).toBe('unknown');
    const reason = (x: typeof c) => (x.tool === 'unknown' ? x.summary.reason : '');
    expect(reason(c)).toMatch(/tool's error.*cannot attach kprobe/);
    // bpftrace's RLIMIT_MEMLOCK ERROR line is chatter, not a failure
    const chatter = parseCaptureText('ERROR: failed to set RLIMIT_MEMLOCK\nno data here\n', 'x.txt');
    expect(reason(chatter)).not.toMatch(/tool's error/);
  });
});
