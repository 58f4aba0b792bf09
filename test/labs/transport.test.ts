import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport, parseSshTarget, SshTransport } from '../../labs/transport.ts';
import { variantFacts } from '../../scenarios/variants.ts';
import { skipUnlessRequired } from '../support/live.ts';
import { freePort, sshdMissing, SshdPool, type SshdServer } from '../support/sshd.ts';

describe('parseSshTarget', () => {
  it('reads host, user@host, user@host:port, ssh:// and [v6]:port', () => {
    expect(parseSshTarget('lab1')).toEqual({ user: undefined, host: 'lab1', port: undefined });
    expect(parseSshTarget('ubuntu@10.0.0.5')).toEqual({ user: 'ubuntu', host: '10.0.0.5', port: undefined });
    expect(parseSshTarget('ec2-user@host.example:2222')).toEqual({ user: 'ec2-user', host: 'host.example', port: 2222 });
    expect(parseSshTarget('ssh://root@127.0.0.1:22')).toEqual({ user: 'root', host: '127.0.0.1', port: 22 });
    expect(parseSshTarget('root@[::1]:2200')).toEqual({ user: 'root', host: '::1', port: 2200 });
  });
  it('rejects junk with a hint', () => {
    expect(() => parseSshTarget('a b')).toThrow(/bad --host "a b"/);
    expect(() => parseSshTarget('root@host:99999')).toThrow(/bad port/);
  });
});

describe('LocalTransport', () => {
  const t = new LocalTransport();
  it('returns failures as values with exit code and output', async () => {
    const r = await t.run('echo out; echo err >&2; exit 3');
    expect(r).toMatchObject({ ok: false, exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect((await t.run('cat', { input: 'fed' })).stdout).toBe('fed');
  });
  it('kills a command at its timeout', async () => {
    const started = Date.now();
    const r = await t.run('sleep 20', { timeoutMs: 300 });
    expect(r.ok).toBe(false);
    expect(r.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

const sshMissing = sshdMissing();

describe.skipIf(skipUnlessRequired(sshMissing))('SshTransport against a real sshd on 127.0.0.1', () => {
  let pool: SshdPool;
  let server: SshdServer;
  let dir = '';
  let port = 0;
  let sshOpts: string[] = [];
  const target = () => server.target;

  beforeAll(async () => {
    pool = new SshdPool();
    server = await pool.start();
    port = server.port;
    sshOpts = pool.sshOpts;
    dir = mkdtempSync(join(tmpdir(), 'labctl-transport-'));
  }, 60_000);

  afterAll(() => {
    pool?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs commands as root with exit codes, stdout, stderr and stdin', async () => {
    const t = new SshTransport(target(), { extraArgs: sshOpts });
    expect(t.describe()).toBe(`ssh root@127.0.0.1:${port}`);
    expect(await t.isRoot()).toBe(true);
    const r = await t.run(`echo "it's $(id -u)"; echo oops >&2; exit 4`);
    expect(r).toMatchObject({ ok: false, exitCode: 4, stdout: "it's 0\n", stderr: 'oops\n' });
    expect((await t.run('tr a-z A-Z', { input: 'over ssh' })).stdout).toBe('OVER SSH');
  });

  it('the first command itself learns root vs sudo: its stderr and a 255 exit come through untouched', async () => {
    const t = new SshTransport(target(), { extraArgs: sshOpts });
    const r = await t.run('echo first >&2; exit 255');
    expect(r).toMatchObject({ ok: false, exitCode: 255, stderr: 'first\n', stdout: '' });
    expect(await t.isRoot()).toBe(true);
    expect(await t.run('echo again >&2', { input: 'unused' })).toMatchObject({ ok: true, stderr: 'again\n' });
  });

  it('copies files both ways and writes/reads text', async () => {
    const t = new SshTransport(target(), { extraArgs: sshOpts });
    const local = join(dir, 'up.txt');
    writeFileSync(local, 'payload with spaces\nand lines\n');
    const remote = join(dir, 'remote dir');
    mkdirSync(remote);
    await t.copyTo(local, join(remote, 'copied.txt'));
    expect(readFileSync(join(remote, 'copied.txt'), 'utf8')).toBe('payload with spaces\nand lines\n');
    await t.copyFrom(join(remote, 'copied.txt'), join(dir, 'down.txt'));
    expect(readFileSync(join(dir, 'down.txt'), 'utf8')).toBe('payload with spaces\nand lines\n');
    await t.writeText(join(remote, "it's.sh"), '#!/bin/sh\necho ran\n', 0o755);
    expect((await t.run(`${JSON.stringify(join(remote, "it's.sh"))}`)).stdout).toBe('ran\n');
    expect(await t.readText(join(remote, "it's.sh"))).toContain('echo ran');
  });

  it('explains an unreachable host and a refused key', async () => {
    const closed = await freePort();
    const down = new SshTransport(`root@127.0.0.1:${closed}`, { extraArgs: sshOpts, connectTimeoutSec: 2 });
    await expect(down.run('true')).rejects.toMatchObject({ message: expect.stringMatching(/host unreachable/), hint: expect.stringMatching(/sshd runs/) });
    const otherKey = join(dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    // its own connection: a shared (ControlMaster) one would already be authenticated
    const badKey = new SshTransport(target(), { extraArgs: ['-i', otherKey, ...sshOpts.slice(2), '-o', 'ControlMaster=no', '-o', 'ControlPath=none'] });
    await expect(badKey.run('true')).rejects.toMatchObject({ message: expect.stringMatching(/authentication failed/), hint: expect.stringMatching(/BatchMode/) });
  });

  it('labctl lab inject/status/stop work over ssh; the manifest is copied back', () => {
    const stateDir = join(dir, 'remote-state');
    const env = { ...process.env, LABCTL_SSH_OPTS: sshOpts.join(' '), LABCTL_REMOTE_STATE_DIR: stateDir, LABCTL_NO_SYSTEMD: '1', NO_COLOR: '1' };
    const labctl = (...args: string[]) =>
      execFileSync(process.execPath, [resolve('bin/labctl.js'), 'lab', ...args, '--host', target()], { env, encoding: 'utf8', cwd: resolve('.') });
    const out = join(dir, 'copied-manifest.json');
    expect(labctl('inject', 'offcpu-lock', '--seed', 'over-ssh', '--ttl', '2m', '--out', out)).toMatch(/offcpu-lock injected on ssh root@127\.0\.0\.1/);
    const manifest = JSON.parse(readFileSync(out, 'utf8'));
    expect(manifest).toMatchObject({ scenario: 'offcpu-lock', seed: 'over-ssh', host: `root@127.0.0.1:${port}` });
    // the copy is the instructor's plaintext; the host keeps the sealed one, naming neither the service nor the seed
    expect(manifest.facts).toEqual(variantFacts('offcpu-lock', 'over-ssh'));
    const onHost = readFileSync(join(stateDir, 'offcpu-lock', 'lab-manifest.json'), 'utf8');
    expect(JSON.parse(onHost)).toMatchObject({ scenario: 'offcpu-lock', sealed: { facts: { process_comm: expect.any(String), hot_function: expect.any(String) } } });
    for (const v of ['over-ssh', manifest.facts.process_comm, manifest.facts.hot_function]) expect(onHost).not.toContain(String(v));
    const status = JSON.parse(labctl('status', '--json'));
    expect(status).toEqual([expect.objectContaining({ scenario: 'offcpu-lock', status: 'running' })]);
    expect(labctl('stop')).toMatch(/offcpu-lock stopped/);
    // the fault's programs and data are gone; the manifest (and state) stay so a late `labctl submit` works
    expect(readdirSync(join(stateDir, 'offcpu-lock')).filter((f) => !/^lab-manifest|^state\.json$/.test(f))).toEqual([]);
    expect(labctl('stop')).toMatch(/nothing to stop on ssh root@127\.0\.0\.1/);
    expect(labctl('stop', '--purge')).toMatch(/offcpu-lock purged/);
    expect(existsSync(join(stateDir, 'offcpu-lock'))).toBe(false);
  }, 180_000);
});
