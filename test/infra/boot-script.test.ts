// The VM side of a classroom, run here for real: infra/boot/labctl-boot.sh and labctl-expire.sh, executed by
// /bin/sh in a sandbox whose PATH holds only the coreutils they need plus stand-in package managers (apt-get,
// dnf, systemctl) that log their arguments and fail on demand. What is under test is our shell code: access
// before tools, lock waits and retries, a loud failure, ready.json; then labs/fanout reads that ready.json back
// through the local transport exactly as `lab probe --inventory` does over SSH. The real distros boot the same
// scripts as NoCloud seeds in the `vm` tests.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOOT_SCRIPT, EXPIRE_SCRIPT } from '../../infra/user-data.ts';
import { labHost } from '../../labs/host.ts';
import { bootFailed, describeBoot, parseBootStatus, readBootStatus } from '../../labs/fanout/boot-status.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const TOOLS = ['sh', 'basename', 'chmod', 'date', 'cat', 'mkdir', 'mv', 'sed', 'tr', 'tail', 'sleep', 'uname', 'echo', 'logger', 'touch', 'curl', 'rm'];

/** A fake package manager: logs its arguments; fails the first FAIL_FIRST calls, and any call matching FAIL_MATCH. */
const FAKE_PM = `#!/bin/sh
echo "$(basename "$0") $*" >> "$SANDBOX/calls"
n=$(cat "$SANDBOX/count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$SANDBOX/count"
[ "$n" -le "\${FAIL_FIRST:-0}" ] && { echo "E: Could not get lock /var/lib/dpkg/lock-frontend (attempt $n)" >&2; exit 100; }
case "$*" in *\${FAIL_MATCH:-@never@}*) echo "E: Unable to locate package ($*)" >&2; exit 100 ;; esac
case "$*" in *bpftrace*) printf '#!/bin/sh\\necho bpftrace v0.20\\n' > "$SANDBOX/bin/bpftrace"; chmod +x "$SANDBOX/bin/bpftrace" ;; esac
exit 0
`;
const FAKE_SYSTEMCTL = `#!/bin/sh
echo "systemctl $*" >> "$SANDBOX/calls"
[ "$1" = cat ] && exit \${SSM_UNIT_EXIT:-1}
exit 0
`;

interface Sandbox {
  dir: string;
  state: string;
  run: (args: string[], env?: Record<string, string>) => { status: number | null; stderr: string };
  calls: () => string[];
}

function sandbox(pm: 'apt-get' | 'dnf'): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'labctl-boot-'));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const t of TOOLS) {
    const real = execFileSync('sh', ['-c', `command -v ${t} || true`], { encoding: 'utf8' }).trim();
    if (real) symlinkSync(real, join(bin, t));
  }
  writeFileSync(join(bin, pm), FAKE_PM);
  writeFileSync(join(bin, 'systemctl'), FAKE_SYSTEMCTL);
  chmodSync(join(bin, pm), 0o755);
  chmodSync(join(bin, 'systemctl'), 0o755);
  const script = join(dir, 'labctl-boot.sh');
  writeFileSync(script, BOOT_SCRIPT, { mode: 0o755 });
  const state = join(dir, 'state');
  return {
    dir,
    state,
    run: (args, env = {}) => {
      const r = spawnSync('/bin/sh', [script, ...args], {
        env: { PATH: bin, SANDBOX: dir, LABCTL_STATE_DIR: state, LABCTL_RETRY_SLEEP: '0', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { status: r.status, stderr: r.stderr };
    },
    calls: () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : []),
  };
}

const readyOf = (s: Sandbox) => JSON.parse(readFileSync(join(s.state, 'ready.json'), 'utf8'));
const kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();

describe('labctl-boot.sh (first boot of a classroom VM)', () => {
  it('Debian/Ubuntu: waits for the dpkg lock, installs BCC, bpftrace and headers, then reports ready', () => {
    const s = sandbox('apt-get');
    const r = s.run(['no', 'us-east-1', 'amd64']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(s.calls()).toEqual([
      'apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 update',
      `apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 install -y --no-install-recommends bpfcc-tools bpftrace linux-headers-${kernel}`,
      'apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 install -y --no-install-recommends libbpf-tools',
    ]);
    expect(readyOf(s)).toMatchObject({ status: 'ready', step: 'done', detail: 'eBPF tools installed with apt', missingOptional: [] });
  });

  it('retries a package manager that fails (lock held, mirror down) before giving up', () => {
    const s = sandbox('apt-get');
    const r = s.run(['no', 'us-east-1', 'amd64'], { FAIL_FIRST: '3' });
    expect(r.status).toBe(0);
    expect(s.calls().filter((c) => c.endsWith(' update'))).toHaveLength(4);
    expect(readFileSync(join(s.state, 'boot.log'), 'utf8')).toContain('Could not get lock /var/lib/dpkg/lock-frontend (attempt 3)');
    expect(readyOf(s).status).toBe('ready');
  });

  it('a missing optional package is recorded, not hidden and not fatal', () => {
    const s = sandbox('apt-get');
    expect(s.run(['no', 'us-east-1', 'amd64'], { FAIL_MATCH: 'libbpf-tools' }).status).toBe(0);
    expect(readyOf(s)).toMatchObject({ status: 'ready', missingOptional: ['libbpf-tools'] });
  });

  it('a failed tools install fails loudly: exit 1 (cloud-init reports error), ready.json says where and why', () => {
    const s = sandbox('apt-get');
    const r = s.run(['no', 'us-east-1', 'amd64'], { FAIL_MATCH: 'bpfcc-tools' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`labctl boot: tools failed: apt could not install bpfcc-tools bpftrace linux-headers-${kernel}`);
    const ready = readyOf(s);
    expect(ready).toMatchObject({ status: 'failed', step: 'tools' });
    expect(ready.detail).toContain('Unable to locate package');
    expect(s.calls().filter((c) => c.includes('bpfcc-tools'))).toHaveLength(4);
  });

  it('RHEL family with SSM: the agent is installed and started before the tools, and stays when the tools fail', () => {
    const s = sandbox('dnf');
    const r = s.run(['yes', 'eu-west-1', 'arm64'], { FAIL_MATCH: 'bcc-tools' });
    expect(r.status).toBe(1);
    const calls = s.calls();
    const agent = calls.indexOf('dnf install -y https://s3.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/latest/linux_arm64/amazon-ssm-agent.rpm');
    expect(agent).toBeGreaterThan(-1);
    expect(calls.indexOf('systemctl enable --now amazon-ssm-agent')).toBe(agent + 1);
    expect(calls.findIndex((c) => c.includes('bcc-tools'))).toBeGreaterThan(agent + 1);
    expect(readyOf(s)).toMatchObject({ status: 'failed', step: 'tools' });
  });

  it('an image that ships the SSM agent only gets it enabled; without SSM nothing about it runs', () => {
    const withAgent = sandbox('dnf');
    expect(withAgent.run(['yes', 'us-east-1', 'amd64'], { SSM_UNIT_EXIT: '0' }).status).toBe(0);
    expect(withAgent.calls().slice(0, 2)).toEqual(['systemctl cat amazon-ssm-agent.service', 'systemctl enable --now amazon-ssm-agent']);
    expect(withAgent.calls().some((c) => c.includes('amazon-ssm-agent.rpm'))).toBe(false);
    const noSsm = sandbox('dnf');
    expect(noSsm.run(['no', 'us-east-1', 'amd64']).status).toBe(0);
    expect(noSsm.calls().some((c) => c.includes('ssm'))).toBe(false);
    expect(noSsm.calls()).toContain(`dnf install -y bcc-tools bpftrace kernel-devel-${kernel}`);
  });

  it('lab probe reads the record back through the transport: ready, failed, or no record at all', async () => {
    const ok = sandbox('apt-get');
    ok.run(['no', 'us-east-1', 'amd64'], { FAIL_MATCH: 'libbpf-tools' });
    const lab = labHost({ stateDir: ok.state });
    const boot = await readBootStatus(lab, join(ok.state, 'ready.json'));
    expect(boot).toMatchObject({ status: 'ready', step: 'done', missingOptional: ['libbpf-tools'] });
    expect(describeBoot(boot!)).toMatch(/^boot ready, without libbpf-tools/);
    expect(bootFailed(boot)).toBe(false);

    const bad = sandbox('apt-get');
    bad.run(['no', 'us-east-1', 'amd64'], { FAIL_MATCH: 'update' });
    const failed = await readBootStatus(lab, join(bad.state, 'ready.json'));
    expect(describeBoot(failed!)).toMatch(/^boot FAILED at tools: apt could not refresh its package lists/);
    expect(bootFailed(failed)).toBe(true);

    const none = await readBootStatus(lab, join(bad.dir, 'nothing.json'));
    if (spawnSync('sh', ['-c', 'command -v cloud-init']).status !== 0) expect(none).toBeNull();
  });

  it('parses cloud-init status lines, and a corrupt record is reported, not thrown', () => {
    expect(parseBootStatus('\n--- cloud-init\nstatus: error\n')).toMatchObject({ status: null, cloudInit: 'error' });
    expect(bootFailed(parseBootStatus('\n--- cloud-init\nstatus: error\n'))).toBe(true);
    expect(parseBootStatus('{"status":"ready"\n--- cloud-init\nstatus: done\n')).toMatchObject({ status: null, detail: expect.stringContaining('not JSON'), cloudInit: 'done' });
  });
});

describe('labctl-expire.sh (the reboot-proof TTL)', () => {
  function expireSandbox(expiresAt: string | null) {
    const dir = mkdtempSync(join(tmpdir(), 'labctl-expire-'));
    dirs.push(dir);
    const script = join(dir, 'labctl-expire.sh');
    writeFileSync(script, EXPIRE_SCRIPT, { mode: 0o755 });
    const file = join(dir, 'expires-at');
    if (expiresAt !== null) writeFileSync(file, `${expiresAt}\n`);
    const run = (env: Record<string, string> = {}) =>
      spawnSync('/bin/sh', [script], {
        env: { PATH: process.env.PATH!, LABCTL_EXPIRES_FILE: file, LABCTL_POWEROFF: `touch ${join(dir, 'powered-off')}`, LABCTL_IMDS: 'http://127.0.0.1:9/latest', ...env },
        encoding: 'utf8',
        timeout: 30_000,
      });
    // async: the fake IMDS below lives in this process and must keep answering while the script runs
    const runAsync = (env: Record<string, string>) =>
      new Promise<{ status: number | null }>((resolve) => {
        const child = spawn('/bin/sh', [script], {
          env: { PATH: process.env.PATH!, LABCTL_EXPIRES_FILE: file, LABCTL_POWEROFF: `touch ${join(dir, 'powered-off')}`, ...env },
          stdio: 'ignore',
        });
        child.on('close', (status) => resolve({ status }));
      });
    return { dir, file, run, runAsync, poweredOff: () => existsSync(join(dir, 'powered-off')) };
  }
  const now = () => Math.floor(Date.now() / 1000);

  it('powers off once the absolute expiry has passed, on every run (so after every reboot)', () => {
    const s = expireSandbox(String(now() - 60));
    expect(s.run().status).toBe(0);
    expect(s.poweredOff()).toBe(true);
  });

  it('does nothing before the expiry, or on a VM without an expiry', () => {
    const s = expireSandbox(String(now() + 3600));
    expect(s.run().status).toBe(0);
    expect(s.poweredOff()).toBe(false);
    const none = expireSandbox(null);
    expect(none.run().status).toBe(0);
    expect(none.poweredOff()).toBe(false);
  });

  it('refuses a garbled expiry file loudly instead of never expiring quietly', () => {
    const s = expireSandbox('tomorrow');
    const r = s.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('does not hold epoch seconds');
  });

  it('takes a moved expiry from the instance tag in IMDS (IMDSv2 token first)', async () => {
    const seen: string[] = [];
    const past = new Date(Date.now() - 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const server: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-aws-ec2-metadata-token'] ?? req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?? ''}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('token-123');
      if (req.url === '/latest/meta-data/tags/instance/labctl-expires-at' && req.headers['x-aws-ec2-metadata-token'] === 'token-123') return res.end(past);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const s = expireSandbox(String(now() + 3600));
      const port = (server.address() as AddressInfo).port;
      const r = await s.runAsync({ LABCTL_IMDS: `http://127.0.0.1:${port}/latest` });
      expect(r.status).toBe(0);
      expect(readFileSync(s.file, 'utf8').trim()).toBe(String(Math.floor(Date.parse(past) / 1000)));
      expect(s.poweredOff()).toBe(true);
    } finally {
      server.close();
    }
  });
});
