import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectDistro, executePlan, parseOsRelease, planSetup, type SetupStep } from '../../labs/setup.ts';
import { LocalTransport } from '../../labs/transport.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/os-release', name), 'utf8');
const KERNEL = '6.8.0-1012-aws';
const plan = (name: string) => planSetup(detectDistro(fixture(name), name), KERNEL);
const cmds = (name: string) => plan(name).steps.map((s) => s.apply).join('\n');

describe('detectDistro', () => {
  it.each([
    ['ubuntu-22.04', 'ubuntu', 'debian', 22],
    ['ubuntu-24.04', 'ubuntu', 'debian', 24],
    ['debian-12', 'debian', 'debian', 12],
    ['rhel-9', 'rhel', 'rhel', 9],
    ['rocky-9', 'rocky', 'rhel', 9],
    ['fedora-40', 'fedora', 'rhel', 40],
    ['linuxmint-21', 'ubuntu', 'debian', 21],
  ])('%s -> %s (%s family, major %d)', (file, id, family, major) => {
    const d = detectDistro(fixture(file), file);
    expect(d).toMatchObject({ id, family, major });
  });

  it('names the supported distributions for an unknown one', () => {
    expect(() => detectDistro(fixture('arch'), '/etc/os-release')).toThrow(/\/etc\/os-release: unsupported distribution "Arch Linux"/);
    try {
      detectDistro(fixture('arch'));
    } catch (err) {
      expect((err as { hint: string }).hint).toMatch(/Ubuntu, Debian, RHEL, Rocky Linux, AlmaLinux, Fedora, CentOS Stream/);
    }
  });

  it('parses quoting like a shell', () => {
    expect(parseOsRelease('A="x \\"y\\""\nB=\'z\'\n# c\nC=plain')).toEqual({ A: 'x "y"', B: 'z', C: 'plain' });
  });
});

describe('planSetup', () => {
  it('Ubuntu 22.04: apt with bpfcc-tools, bpftrace, gcc, curl, python3 and the running kernel headers; no libbpf-tools (not packaged in jammy)', () => {
    const c = cmds('ubuntu-22.04');
    expect(c).toMatch(/apt-get .*install -y -q gcc curl python3 bpfcc-tools bpftrace/);
    expect(c).toContain(`linux-headers-${KERNEL}`);
    expect(c).not.toContain('libbpf-tools');
    expect(c).not.toContain('dnf');
    expect(plan('ubuntu-22.04').toolPaths.bcc).toBe('/usr/sbin/<tool>-bpfcc');
  });

  it('Ubuntu 24.04 and Debian 12 add libbpf-tools as a best-effort step', () => {
    for (const f of ['ubuntu-24.04', 'debian-12']) {
      const step = plan(f).steps.find((s) => s.id === 'libbpf-tools');
      expect(step?.optional).toBe(true);
      expect(step?.apply).toContain('install -y -q libbpf-tools');
    }
  });

  it('RHEL 9 / Rocky 9 / Fedora: dnf with bcc-tools, kernel-devel, and /usr/share/bcc/tools on PATH', () => {
    for (const f of ['rhel-9', 'rocky-9', 'fedora-40']) {
      const p = plan(f);
      const c = cmds(f);
      expect(c).toMatch(/dnf install -y -q gcc curl python3 bcc-tools bpftrace/);
      expect(c).toContain(`kernel-devel-${KERNEL}`);
      expect(c).not.toContain('apt-get');
      const path = p.steps.find((s) => s.id === 'bcc-path');
      expect(path?.apply).toContain('/etc/profile.d/labctl-bcc-tools.sh');
      expect(path?.apply).toContain('/usr/share/bcc/tools');
      expect(p.toolPaths).toEqual({ bcc: '/usr/share/bcc/tools/<tool>', libbpf: '/usr/sbin/bpf-<tool>', bpftrace: '/usr/share/bpftrace/tools/<tool>.bt' });
    }
  });

  it('headers are best effort everywhere; base packages are required; tracefs/debugfs get mounted', () => {
    for (const f of ['ubuntu-22.04', 'ubuntu-24.04', 'debian-12', 'rhel-9', 'rocky-9', 'fedora-40']) {
      const steps = plan(f).steps;
      expect(steps.find((s) => s.id === 'kernel-headers')?.optional).toBe(true);
      expect(steps.find((s) => s.id === 'packages')?.optional).toBeFalsy();
      expect(steps.find((s) => s.id === 'mount-tracefs')?.apply).toBe('mkdir -p /sys/kernel/tracing && mount -t tracefs nodev /sys/kernel/tracing');
      expect(steps.find((s) => s.id === 'mount-debugfs')?.apply).toContain('mount -t debugfs nodev /sys/kernel/debug');
    }
  });
});

describe('executePlan (real shell)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labctl-setup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const t = new LocalTransport();

  it('applies what is missing once; the second run changes nothing', async () => {
    const steps: SetupStep[] = [
      { id: 'a', description: 'file a', check: `test -f ${dir}/a`, apply: `echo x >> ${dir}/a` },
      { id: 'b', description: 'file b', check: `test -f ${dir}/b`, apply: `echo y >> ${dir}/b` },
    ];
    writeFileSync(join(dir, 'b'), 'pre-existing');
    const first = await executePlan(t, { steps });
    expect(first.map((r) => r.outcome)).toEqual(['applied', 'already']);
    const second = await executePlan(t, { steps });
    expect(second.map((r) => r.outcome)).toEqual(['already', 'already']);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('x\n');
  });

  it('retries a locked package manager with backoff, then succeeds', async () => {
    const counter = join(dir, 'attempts');
    const step: SetupStep = {
      id: 'pkgs',
      description: 'packages',
      check: `test -f ${dir}/installed`,
      // fails with apt's lock message twice, then "installs"
      apply: `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; if [ $n -lt 3 ]; then echo 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (unattended-upgr)' >&2; exit 100; fi; touch ${dir}/installed`,
      packageManager: true,
    };
    const [r] = await executePlan(t, { steps: [step] }, { lockBackoffMs: [10, 10, 10] });
    expect(r).toMatchObject({ outcome: 'applied', attempts: 3 });
  });

  it('gives up on a lock that stays, with a clear error', async () => {
    const step: SetupStep = {
      id: 'pkgs',
      description: 'packages',
      check: 'false',
      apply: "echo 'Error: Failed to obtain the transaction lock (logged in as: root).' >&2; exit 1",
      packageManager: true,
    };
    await expect(executePlan(t, { steps: [step] }, { lockBackoffMs: [5, 5] })).rejects.toMatchObject({
      message: expect.stringMatching(/setup step "pkgs" \(packages\) failed after 3 attempt/),
      hint: expect.stringMatching(/another package manager run holds the lock/),
    });
  });

  it('an optional step that fails is a warning, not an error', async () => {
    const steps: SetupStep[] = [{ id: 'hdr', description: 'headers', check: 'false', apply: 'echo "E: Unable to locate package linux-headers-x" >&2; exit 100', optional: true }];
    const [r] = await executePlan(t, { steps });
    expect(r.outcome).toBe('skipped-optional');
    expect(r.detail).toContain('Unable to locate package');
  });

  it('uploads a step\'s file before its apply, into a folder it creates', async () => {
    const src = join(dir, 'bundle.mjs');
    writeFileSync(src, 'console.log("hi")\n');
    const to = join(dir, 'lib', 'sub', 'labctl.mjs.new');
    const steps: SetupStep[] = [{ id: 'up', description: 'upload', check: `test -f ${dir}/lib/sub/labctl.mjs`, apply: `mv ${to} ${dir}/lib/sub/labctl.mjs`, upload: { from: src, to } }];
    const [r] = await executePlan(t, { steps });
    expect(r.outcome).toBe('applied');
    expect(readFileSync(join(dir, 'lib/sub/labctl.mjs'), 'utf8')).toBe('console.log("hi")\n');
  });
});

describe('labctl on the lab host (setup step)', () => {
  const bundle = { path: '/x/dist/labctl-host.mjs', sha256: 'ab'.repeat(32) };
  const withBundle = (name: string) => planSetup(detectDistro(fixture(name), name), KERNEL, '/var/lib/labctl', bundle);

  it('installs the bundle as /usr/local/bin/labctl run by the distro\'s Node.js (apt or dnf), keyed by its hash', () => {
    for (const [f, pm] of [['debian-12', 'apt-get'], ['ubuntu-24.04', 'apt-get'], ['rhel-9', 'dnf']] as const) {
      const step = withBundle(f).steps.find((s) => s.id === 'labctl')!;
      expect(step.upload).toEqual({ from: bundle.path, to: '/usr/local/lib/labctl/labctl.mjs.new' });
      expect(step.check).toContain(bundle.sha256);
      expect(step.check).toContain('test -x /usr/local/bin/labctl');
      expect(step.apply).toContain(`${pm === 'dnf' ? 'dnf install -y -q nodejs' : 'install -y -q nodejs'}`);
      expect(step.apply).toContain('exec node /usr/local/lib/labctl/labctl.mjs');
      expect(step.apply).not.toContain('npx');
      expect(step.optional).toBe(true);
    }
    expect(plan('debian-12').steps.find((s) => s.id === 'labctl')).toBeUndefined();
  });

  it('refuses a Node.js older than the bundle needs with a message that says so (real shell)', async () => {
    const step = withBundle('debian-12').steps.find((s) => s.id === 'labctl')!;
    // the node check is the same snippet in check and apply: run it against this machine's node
    const nodeCheck = /node -e '[^']+' 2>\/dev\/null/.exec(step.check)![0];
    expect((await new LocalTransport().run(nodeCheck)).ok).toBe(true);
    expect((await new LocalTransport().run(nodeCheck.replace('>= 18', '>= 99'))).ok).toBe(false);
  });
});

