import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labHost } from '../../labs/host.ts';
import { normaliseFsType, parseHostFacts, probeHost, readProbeCache, renderProbe } from '../../labs/probe.ts';
import { candidatesFor, fatalLine, fsslowerName } from '../../labs/tools.ts';
import { bpfMissing, skipUnlessRequired } from '../support/live.ts';

describe('tool candidates', () => {
  it('orders bcc, libbpf, bpftrace tool, then a tracepoint one-liner', () => {
    const c = candidatesFor('biolatency');
    expect(c.map((x) => x.command.replace(/ -e '.*/, " -e '...'"))).toEqual([
      '/usr/sbin/biolatency-bpfcc',
      '/usr/share/bcc/tools/biolatency',
      '/usr/sbin/biolatency',
      '/usr/sbin/bpf-biolatency',
      'bpftrace /usr/sbin/biolatency.bt',
      'bpftrace /usr/share/bpftrace/tools/biolatency.bt',
      "bpftrace -e '...'",
    ]);
    expect(c.map((x) => x.flavor)).toEqual(['bcc', 'bcc', 'libbpf', 'libbpf', 'bpftrace', 'bpftrace', 'bpftrace']);
  });

  it('picks the fsslower flavour of the data dir file system', () => {
    expect(fsslowerName('ext4')).toBe('ext4slower');
    expect(fsslowerName('xfs')).toBe('xfsslower');
    expect(fsslowerName('tmpfs')).toBeNull();
    expect(candidatesFor('fsslower', 'xfs').map((c) => c.command)).toContain('/usr/share/bcc/tools/xfsslower');
    expect(candidatesFor('fsslower', 'xfs').find((c) => c.command.includes('fsslower -t'))?.needs).toBe('/usr/sbin/fsslower');
    expect(candidatesFor('fsslower', 'tmpfs')).toEqual([]);
    expect(normaliseFsType('ext2/ext3')).toBe('ext4');
  });

  it('recognises fatal tool output and ignores bpftrace memlock noise', () => {
    expect(fatalLine('In file included from <built-in>:2:\nchdir(/lib/modules/6.18/build): No such file or directory\nUnable to find kernel headers.')).toMatch(/No such file|Unable to find kernel headers/);
    expect(fatalLine("libbpf: failed to add legacy kprobe event for 'tcp_v4_connect+0x0': No such file or directory\nfailed to attach BPF programs: -2")).toBeTruthy();
    expect(fatalLine('/usr/sbin/biolatency.bt:17-19: WARNING: blk_account_io_start is not traceable (either non-existing, inlined, or marked as "notrace")')).toBeTruthy();
    expect(fatalLine('ERROR: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace.\nAttaching 3 probes...\nTIME(ms)   PID   ARGS')).toBeNull();
    expect(fatalLine('failed to get syms\n    schedule\n    -    orderd (12)')).toBeNull();
  });

  it('does not mistake data rows that mention errors for tool errors', () => {
    // opensnoop saw another probe open traceback.py: a data row, not a failure of opensnoop
    const opensnoop = 'PID    COMM              FD ERR PATH\n21568  profile-bpfcc      3   0 /usr/lib/python3.11/__pycache__/traceback.cpython-311.pyc\n';
    expect(fatalLine(opensnoop)).toBeNull();
    expect(fatalLine('0.123   sh   4242  4100  0 /bin/sh -c echo ERROR: disk full')).toBeNull();
  });

  it('parses the host facts script output', () => {
    expect(parseHostFacts('kernel=6.18.44\nuid=0\nbtf=1\nfs=ext4\nnoise')).toEqual({ kernel: '6.18.44', uid: '0', btf: '1', fs: 'ext4' });
  });
});

describe.skipIf(skipUnlessRequired(bpfMissing()))('probe (live)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'labctl-probe-'));
  const host = labHost({ stateDir });
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('finds what works on this kernel: libbpf execsnoop yes, kprobe-based ext4slower no; caches the result', async () => {
    const p = await probeHost(host, { refresh: true });
    expect(p.bpf).toBe(true);
    expect(p.btf).toBe(true);
    expect(p.root).toBe(true);
    const exec = p.tools.find((t) => t.tool === 'execsnoop')!;
    expect(exec.command).toBeTruthy();
    expect(exec.tried.at(-1)).toMatchObject({ ok: true });
    if (!p.kprobes) {
      const fs = p.tools.find((t) => t.tool === 'fsslower')!;
      expect(fs.command).toBeNull();
      expect(fs.tried.every((t) => !t.ok)).toBe(true);
    }
    expect(renderProbe(p)).toMatch(/execsnoop\s+(bcc|libbpf|bpftrace)\s+\S+/);
    const cached = await readProbeCache(host);
    expect(cached?.probedAt).toBe(p.probedAt);
    const again = await probeHost(host);
    expect(again.probedAt).toBe(p.probedAt);
  }, 180_000);
});
