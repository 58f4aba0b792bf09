import { describe, expect, it } from 'vitest';
import { createOpensnoopParser, MAX_COMMS_WITH_PATHS, MAX_PATHS_PER_COMM } from '../../../grader/parsers/opensnoop.ts';
import { parseCaptureText } from '../../../grader/parsers/index.ts';
import { feed, readFixture } from './helpers.ts';

describe('opensnoop pathsByComm (which files each process opens)', () => {
  it('bpftrace opensnoop.bt capture of the curl loop (counts from grep)', () => {
    const c = parseCaptureText(readFixture('captures/opensnoop-bpftrace-curlloop.txt'), 'o.txt');
    expect(c.tool === 'opensnoop' && c.flavor).toBe('bpftrace');
    if (c.tool !== 'opensnoop') return;
    const p = c.summary.pathsByComm!;
    expect(Object.keys(p).sort()).toEqual(['curl', 'date', 'python3', 'sh', 'sleep']);
    // grep -E '^[0-9]+ +python3 ' / ' sh ': one failed open of the health file, two opens by sh
    expect(p.python3).toEqual({ '/tmp/caps/health': 1 });
    expect(p.sh).toEqual({ '/etc/ld.so.cache': 1, '/lib/x86_64-linux-gnu/libc.so.6': 1 });
    // grep -E '^[0-9]+ +curl ' | awk '{print $5}' | sort | uniq -c: 67 opens of 66 paths, .curlrc twice
    expect(Object.keys(p.curl)).toHaveLength(66);
    expect(p.curl['/root/.curlrc']).toBe(2);
    expect(p.curl['/etc/ld.so.cache']).toBe(1);
    // the same for date: 46 opens of 31 paths
    expect(Object.keys(p.date)).toHaveLength(31);
    expect(p.date['/etc/ld.so.cache']).toBe(2);
    expect(p.date['/usr/lib/locale/locale-archive']).toBe(2);
    // each comm's paths add up to its opens
    for (const [comm, paths] of Object.entries(p)) {
      expect(Object.values(paths).reduce((a, b) => a + b, 0), comm).toBe(c.summary.byComm[comm]);
    }
  });

  it('bcc example: every section (narrow header, -T, -U, -x, -n, -e), empty PATH kept as ""', () => {
    const c = parseCaptureText(readFixture('corpus/bcc/opensnoop_example.txt'), 'opensnoop_example.txt');
    expect(c.tool === 'opensnoop' && c.flavor).toBe('bcc');
    if (c.tool !== 'opensnoop') return;
    const p = c.summary.pathsByComm!;
    // grep -E ' supervise ' : 2 rows in the first section, 8 in the -T one
    expect(p.supervise).toEqual({ 'supervise/status.new': 10 });
    // the -n ed section: two sed runs, each failing one open with an empty PATH
    expect(p.sed).toEqual({
      '/etc/ld.so.cache': 2,
      '/lib/x86_64-linux-gnu/libselinux.so.1': 2,
      '/lib/x86_64-linux-gnu/libc.so.6': 2,
      '/lib/x86_64-linux-gnu/libpcre.so.3': 2,
      '/lib/x86_64-linux-gnu/libdl.so.2': 2,
      '/lib/x86_64-linux-gnu/libpthread.so.0': 2,
      '/proc/filesystems': 2,
      '/usr/lib/locale/locale-archive': 2,
      '': 2,
      '/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache': 1,
      '/dev/null': 1,
    });
    // -e and -f sections (FLAGS MODE before PATH): grep -E ' openat +3 ' ; tmp.txt 3 of byPath's 5
    expect(p.openat).toEqual({ 'tmp.txt': 3, '/etc/ld.so.cache': 1, '/lib/x86_64-linux-gnu/libc.so.6': 1 });
    expect(p.open).toEqual({ 'tmp.txt': 2, '/etc/ld.so.cache': 1, '/lib/x86_64-linux-gnu/libc.so.6': 1 });
    expect(p.openat2).toEqual({ '.': 2, '..': 1, '/etc/ld.so.cache': 1, '/lib/x86_64-linux-gnu/libc.so.6': 1 });
  });

  it('libbpf (FD 3 wide, -T wall clock) and a comm with spaces', () => {
    const text = [
      'TIME     PID    COMM              FD ERR PATH',
      '13:55:23 6545   curl               3   0 /etc/ld.so.cache',
      '13:55:23 6545   curl               5   0 /etc/ssl/openssl.cnf',
      '13:55:23 6545   curl              -1   2 /root/.curlrc',
      '13:55:24 6546   curl               3   0 /etc/ld.so.cache',
      '13:55:24 7419   npm exec tsc --   21   0 /srv/app/tsconfig.json',
    ].join('\n');
    const c = parseCaptureText(text, 'libbpf.txt');
    expect(c.tool === 'opensnoop' && c.flavor).toBe('libbpf');
    if (c.tool !== 'opensnoop') return;
    expect(c.summary.pathsByComm).toEqual({
      curl: { '/etc/ld.so.cache': 2, '/etc/ssl/openssl.cnf': 1, '/root/.curlrc': 1 },
      'npm exec tsc --': { '/srv/app/tsconfig.json': 1 },
    });
  });

  it(`is bounded: ${MAX_COMMS_WITH_PATHS} comms, ${MAX_PATHS_PER_COMM} paths each, the rest under (other)`, () => {
    const rows = ['PID    COMM               FD ERR PATH'];
    for (let i = 0; i < MAX_PATHS_PER_COMM + 30; i++) rows.push(`100    app                 3   0 /data/f${i}`);
    for (let i = 0; i < MAX_COMMS_WITH_PATHS + 10; i++) rows.push(`200    c${i}                  3   0 /etc/x`);
    const s = feed(createOpensnoopParser(), rows.join('\n'));
    expect(Object.keys(s.pathsByComm!)).toHaveLength(MAX_COMMS_WITH_PATHS);
    expect(s.pathsByComm!.app['(other)']).toBe(30);
    expect(Object.keys(s.pathsByComm!.app)).toHaveLength(MAX_PATHS_PER_COMM + 1);
    expect(s.pathsByComm![`c${MAX_COMMS_WITH_PATHS + 5}`]).toBeUndefined();
    expect(s.byComm[`c${MAX_COMMS_WITH_PATHS + 5}`]).toBe(1);
  });
});
