import { describe, expect, it } from 'vitest';
import { detectTool } from '../../../grader/parsers/detect.ts';
import { readFixture } from './helpers.ts';

describe('detectTool (content only)', () => {
  it.each([
    ['captures/execsnoop-libbpf-t-curlloop.txt', 'execsnoop', 'libbpf'],
    ['captures/execsnoop-libbpf-TU-curlloop.txt', 'execsnoop', 'libbpf'],
    ['captures/execsnoop-bpftrace-curlloop.txt', 'execsnoop', 'bpftrace'],
    ['captures/opensnoop-bpftrace-curlloop.txt', 'opensnoop', 'bpftrace'],
    ['captures/offcputime-libbpf-mutex.txt', 'offcputime', 'libbpf'],
    ['captures/runqlat-libbpf-m-mutex.txt', 'runqlat', 'unknown'],
    ['captures/biolatency-libbpf-D-dsync.txt', 'biolatency', 'libbpf'],
    ['captures/syscount-libbpf-L-fsyncapp.txt', 'syscount', 'unknown'],
    ['captures/syscount-bpftrace-fsyncapp.txt', 'syscount', 'bpftrace'],
    ['captures/syncsnoop-bpftrace-fsyncapp.txt', 'fsslower', 'bpftrace'],
    ['captures/bpftrace-hist-bpftrace-fsynclat.txt', 'bpftrace-hist', 'bpftrace'],
  ])('%s -> %s / %s', (file, tool, flavor) => {
    expect(detectTool(readFixture(file))).toMatchObject({ tool, flavor });
  });

  it('libbpf biolatency header has 4 spaces before distribution, py 5', () => {
    const banner = 'Tracing block device I/O... Hit Ctrl-C to end.\n\n';
    expect(detectTool(`${banner}     usecs               : count    distribution\n`)).toMatchObject({ tool: 'biolatency', flavor: 'libbpf' });
    expect(detectTool(`${banner}     usecs               : count     distribution\n`)).toMatchObject({ tool: 'biolatency', flavor: 'bcc' });
  });

  it('libbpf fsslower banner ends with "Hit Ctrl-C to end."; libbpf profile banner lacks "stack"', () => {
    expect(detectTool('Tracing ext4 operations slower than 10 ms... Hit Ctrl-C to end.\n')).toMatchObject({ tool: 'fsslower', flavor: 'libbpf' });
    expect(detectTool('Tracing ext4 operations slower than 10 ms\n')).toMatchObject({ tool: 'fsslower', flavor: 'bcc' });
    expect(detectTool('Sampling at 49 Hertz of all threads by user + kernel... Hit Ctrl-C to end.\n')).toMatchObject({ tool: 'profile', flavor: 'libbpf' });
    expect(detectTool('Sampling at 49 Hertz of all threads by user + kernel stack... Hit Ctrl-C to end.\n')).toMatchObject({ tool: 'profile', flavor: 'bcc' });
  });

  it('finds the header after shell prompts and noise, whatever the file is called', () => {
    const text = '$ sudo execsnoop -t\nWARNING: something\n^C\nTIME(s)  PCOMM            PID    PPID   RET ARGS\n0.1     curl             10     9        0 curl x\n';
    expect(detectTool(text)).toMatchObject({ tool: 'execsnoop', flavor: 'libbpf' });
  });

  it('tells offcputime from profile without a banner by the scheduler frames', () => {
    const block = (f: string) => `    ${f}\n    main\n    -                app (42)\n        10\n\n`;
    expect(detectTool(block('schedule'))).toMatchObject({ tool: 'offcputime' });
    expect(detectTool(block('compute'))).toMatchObject({ tool: 'profile' });
  });

  it('unknown with a reason for an unrecognisable text or a bare histogram', () => {
    expect(detectTool('hello world\n')).toMatchObject({ tool: 'unknown', reason: expect.stringContaining('no known') });
    expect(detectTool('     usecs               : count    distribution\n         0 -> 1          : 3        |*|\n')).toMatchObject({
      tool: 'unknown',
      reason: expect.stringContaining('without a banner'),
    });
  });
});
