import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundle } from '../../grader/provenance/bundle.ts';
import { learnerKey } from '../../grader/provenance/key.ts';
import { ghostLoadWork, manifestFor } from '../grader/provenance/learner-lab.ts';
import { LabError } from '../../labs/errors.ts';
import { PROBE_CACHE, probeHost } from '../../labs/probe.ts';
import { stopFault } from '../../labs/supervisor.ts';
import { backoffMs, fanOut, isTransientSshFailure, mapLimit, parseInventory, selectHosts, withRetry, type FanoutHost, type HostEvent, type HostOperation } from '../../labs/fanout/index.ts';
import { plainProgress } from '../../labs/fanout/progress.ts';
import { readinessMatrix, scheduledScenarios, type ReadinessSummary } from '../../labs/fanout/readiness.ts';
import { statusOp } from '../../labs/fanout/operations.ts';
import { renderReadiness, renderSummary } from '../../labs/fanout/summary.ts';
import { LocalTransport, mustSucceed, SshTransport } from '../../labs/transport.ts';
import { deriveSeed, variantFacts } from '../../scenarios/variants.ts';
import { bpfMissing, hasCommand, skipUnlessRequired } from '../support/live.ts';
import { freePort, SshdPool, sshdMissing, type SshdServer } from '../support/sshd.ts';

const INV = 'class.json';
const unreachable = (port: number, what = 'Connection refused') =>
  new LabError(`ssh root@127.0.0.1:${port}: host unreachable (ssh: connect to host 127.0.0.1 port ${port}: ${what})`, 'check the address');

function host(learner: string, extra: Partial<FanoutHost> = {}): FanoutHost {
  return { learner, distro: 'debian', address: `root@127.0.0.1:${learner.length}`, target: { user: 'root', host: '127.0.0.1' }, index: 0, ...extra };
}

describe('isTransientSshFailure', () => {
  it('retries ssh failing to reach or keep the connection', () => {
    expect(isTransientSshFailure(unreachable(2201))).toBe(true);
    expect(isTransientSshFailure(unreachable(2201, 'Connection timed out'))).toBe(true);
    expect(isTransientSshFailure(new LabError('ssh ubuntu@10.0.0.5: host unreachable (kex_exchange_identification: read: Connection reset by peer)'))).toBe(true);
    expect(isTransientSshFailure(new LabError('ssh ubuntu@10.0.0.5: ssh failed (Connection to 10.0.0.5 closed by remote host.)'))).toBe(true);
    expect(isTransientSshFailure(new LabError('ssh ubuntu@10.0.0.5: ssh failed (Timeout, server 10.0.0.5 not responding.)'))).toBe(true);
  });
  it('does not retry auth, host keys, sudo, DNS, failed or timed-out commands, or bugs', () => {
    expect(isTransientSshFailure(new LabError('ssh root@h: authentication failed (root@h: Permission denied (publickey).)'))).toBe(false);
    expect(isTransientSshFailure(new LabError('ssh root@h: host key verification failed'))).toBe(false);
    expect(isTransientSshFailure(new LabError('ssh ec2-user@h: sudo refused for the login user (sudo: a password is required)'))).toBe(false);
    expect(isTransientSshFailure(new LabError('ssh root@nope: host unreachable (ssh: Could not resolve hostname nope: Name or service not known)'))).toBe(false);
    // a command that fails or times out says so in its own words, even when its output mentions a refused connection
    expect(isTransientSshFailure(new LabError('ssh root@h: starting ghost-load failed (timed out)'))).toBe(false);
    expect(isTransientSshFailure(new LabError('preparing failed (exit 7):\ncurl: (7) Failed to connect: Connection refused'))).toBe(false);
    expect(isTransientSshFailure(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('backoff and withRetry', () => {
  it('doubles from the base up to the cap; jitter stays within its band', () => {
    const o = { baseMs: 500, maxMs: 3000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, o))).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(backoffMs(2, { ...o, jitter: 0.2, random: () => 0 })).toBe(800);
    expect(backoffMs(2, { ...o, jitter: 0.2, random: () => 1 })).toBe(1200);
  });

  it('retries transient failures with growing waits, then gives up with the attempt count', async () => {
    const waits: number[] = [];
    let calls = 0;
    const r = await withRetry(
      async () => {
        calls++;
        throw unreachable(22);
      },
      { retries: 3, baseMs: 100, maxMs: 10_000, sleep: async (ms) => void waits.push(ms) },
    );
    expect(r).toMatchObject({ ok: false, attempts: 4 });
    expect(calls).toBe(4);
    expect(waits).toEqual([100, 200, 400]);
  });

  it('stops at the first permanent failure and returns a later success', async () => {
    let calls = 0;
    const auth = await withRetry(
      async () => {
        calls++;
        throw new LabError('ssh root@h: authentication failed (Permission denied)');
      },
      { retries: 5, baseMs: 1, maxMs: 1 },
    );
    expect(auth).toMatchObject({ ok: false, attempts: 1 });
    expect(calls).toBe(1);
    const flaky = await withRetry(
      async (attempt) => {
        if (attempt < 3) throw unreachable(22);
        return `ok on ${attempt}`;
      },
      { retries: 5, baseMs: 1, maxMs: 1 },
    );
    expect(flaky).toEqual({ ok: true, value: 'ok on 3', attempts: 3 });
  });
});

describe('concurrency bound', () => {
  it('mapLimit never runs more than the limit, starts in order, keeps the order of results', async () => {
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const out = await mapLimit([...Array(11).keys()], 3, async (n) => {
      started.push(n);
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5 + ((n * 7) % 11)));
      active--;
      return n * n;
    });
    expect(peak).toBe(3);
    expect(started).toEqual([...Array(11).keys()]);
    expect(out).toEqual([...Array(11).keys()].map((n) => n * n));
    await expect(mapLimit([1], 0, async () => 1)).rejects.toThrow(/concurrency/);
  });

  it('fanOut holds --jobs, retries only the flaky host, and one failure does not stop the others', async () => {
    const hosts = ['ana', 'ben', 'cy', 'dee', 'eli', 'fay', 'gus'].map((l, index) => host(l, { index }));
    let active = 0;
    let peak = 0;
    const events: HostEvent[] = [];
    const op: HostOperation<number> = async ({ host: h, attempt, lab }) => {
      active++;
      peak = Math.max(peak, active);
      try {
        // real work on a real transport: each host its own state dir
        mustSucceed(await lab.transport.run(`mkdir -p ${lab.stateDir} && echo ${attempt} >> ${lab.stateDir}/runs`), 'write');
        if (h.learner === 'ben' && attempt < 3) throw unreachable(2202);
        if (h.learner === 'cy') throw unreachable(2203);
        if (h.learner === 'dee') throw new LabError('ssh root@h: authentication failed (Permission denied)', 'check the key');
        if (h.learner === 'eli') return { ok: false, message: 'fault not visible', result: attempt };
        return { ok: true, message: `fine on ${attempt}`, result: attempt };
      } finally {
        active--;
      }
    };
    const root = mkdtempSync(join(tmpdir(), 'labctl-fanout-unit-'));
    try {
      const outcomes = await fanOut(hosts, op, {
        jobs: 2,
        retries: 2,
        backoff: { baseMs: 5, maxMs: 20 },
        onEvent: (e) => events.push(e),
        labHostFor: (h) => ({ transport: new LocalTransport(), stateDir: join(root, h.learner) }),
      });
      expect(peak).toBe(2);
      const by = Object.fromEntries(outcomes.map((o) => [o.host.learner, o]));
      expect(outcomes.map((o) => o.host.learner)).toEqual(hosts.map((h) => h.learner));
      expect(by.ana).toMatchObject({ ok: true, attempts: 1, result: 1 });
      expect(by.ben).toMatchObject({ ok: true, attempts: 3, result: 3 });
      expect(by.cy).toMatchObject({ ok: false, attempts: 3, error: { message: expect.stringMatching(/host unreachable/), hint: 'check the address' } });
      expect(by.dee).toMatchObject({ ok: false, attempts: 1, error: { message: expect.stringMatching(/authentication failed/) } });
      expect(by.eli).toMatchObject({ ok: false, attempts: 1, result: 1, error: { message: 'fault not visible' } });
      expect(by.fay.ok && by.gus.ok).toBe(true);
      expect(readFileSync(join(root, 'ben', 'runs'), 'utf8')).toBe('1\n2\n3\n');
      expect(readFileSync(join(root, 'cy', 'runs'), 'utf8')).toBe('1\n2\n3\n');
      // each host: pending, then running..., ending done or failed; retries only where transient
      for (const h of hosts) {
        const phases = events.filter((e) => e.host === h).map((e) => e.phase);
        expect(phases[0]).toBe('pending');
        expect(phases.at(-1)).toBe(by[h.learner].ok ? 'done' : 'failed');
        expect(phases.filter((p) => p === 'retry').length).toBe(by[h.learner].attempts - 1);
      }
      expect(events.find((e) => e.host.learner === 'cy' && e.phase === 'retry')?.message).toMatch(/^1\/2 in 0\.0s: ssh root@127\.0\.0\.1:2203: host unreachable/);
      const table = renderSummary(outcomes);
      expect(table.split('\n')[0]).toMatch(/^LEARNER\s+DISTRO\s+HOST\s+RESULT\s+DURATION\s+MESSAGE$/);
      expect(table).toMatch(/^ben\s+debian\s+root@127\.0\.0\.1:3\s+ok\s+\d+\.\ds \(3 tries\)\s+fine on 3$/m);
      expect(table).toMatch(/^dee\s+debian\s+\S+\s+FAILED\s+\d+\.\ds\s+ssh root@h: authentication failed/m);
      expect(table).toContain('4/7 hosts ok, 3 failed');
      expect(table).toContain('hint: check the key');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('plain progress: one timestamped line per event, pending left out', () => {
    const lines: string[] = [];
    const view = plainProgress((l) => lines.push(l), () => new Date('2026-11-25T10:00:00.000Z'));
    const h = host('ana', { address: 'root@10.0.0.5:2222' });
    view.onEvent({ host: h, phase: 'pending', message: 'waiting for a slot', attempt: 0 });
    view.onEvent({ host: h, phase: 'retry', message: '1/3 in 1.0s: ssh root@10.0.0.5:2222: host unreachable (Connection refused)', attempt: 1 });
    view.onEvent({ host: h, phase: 'done', message: 'no faults', attempt: 2 });
    expect(lines).toEqual([
      '2026-11-25T10:00:00.000Z ana/debian root@10.0.0.5:2222 retry 1/3 in 1.0s: ssh root@10.0.0.5:2222: host unreachable (Connection refused)\n',
      '2026-11-25T10:00:00.000Z ana/debian root@10.0.0.5:2222 done: no faults\n',
    ]);
  });
});

describe('inventory', () => {
  const good = { class: 'perf-101', scenarios: ['ghost-load'], hosts: [
    { learner: 'ana', distro: 'ubuntu', host: '10.0.0.5', user: 'ubuntu' },
    { learner: 'ana', distro: 'rhel', host: 'fd00::7', user: 'ec2-user', port: 2222, stateDir: '/srv/lab-ana' },
    { learner: 'ben', distro: 'ubuntu', host: 'i-0abc', user: 'ubuntu', instanceId: 'i-0abc' },
  ] };

  it('reads terraform output (plain or wrapped) into ssh targets', () => {
    const inv = parseInventory(JSON.stringify(good), INV);
    expect(inv.class).toBe('perf-101');
    expect(inv.scenarios).toEqual(['ghost-load']);
    expect(inv.hosts.map((h) => h.address)).toEqual(['ubuntu@10.0.0.5', 'ec2-user@[fd00::7]:2222', 'ubuntu@i-0abc']);
    expect(inv.hosts[1]).toMatchObject({ target: { user: 'ec2-user', host: 'fd00::7', port: 2222 }, stateDir: '/srv/lab-ana', index: 1 });
    const wrapped = parseInventory(JSON.stringify({ inventory: { sensitive: false, type: 'object', value: good } }), INV);
    expect(wrapped.hosts).toHaveLength(3);
  });

  it('names the file and the field or line of every problem', () => {
    expect(() => parseInventory('{\n  "class": "x",\n  "hosts": [,]\n}', INV)).toThrow(/^class\.json:3:/);
    const bad = { class: 'x', scenarios: ['ghost-lod'], hosts: [{ learner: 'ana', distro: 'ubuntu', host: '10.0.0.5' }, { learner: 'ben', distro: 'ubuntu', host: 'h', user: 'u', port: 70000 }] };
    let msg = '';
    try {
      parseInventory(JSON.stringify(bad), INV);
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/^class\.json: scenarios\[0\]: /m);
    expect(msg).toMatch(/^class\.json: hosts\[0\]\.user: /m);
    expect(msg).toMatch(/^class\.json: hosts\[1\]\.port: /m);
    expect(() => parseInventory(JSON.stringify({ class: 'x', hosts: [] }), INV)).toThrow(/class\.json: hosts: the inventory lists no hosts/);
    const twice = { class: 'x', hosts: [good.hosts[0], { ...good.hosts[0], host: '10.0.0.6' }] };
    expect(() => parseInventory(JSON.stringify(twice), INV)).toThrow(/hosts\[1\]: learner ana has a second ubuntu host \(first at hosts\[0\]\)/);
    expect(() => parseInventory(JSON.stringify({ class: 'x', hosts: [{ ...good.hosts[0], host: 'root@h' }] }), INV)).toThrow(/hosts\[0\]: bad host\/user/);
  });

  it('selects by learner and distro, and says what there is when nothing matches', () => {
    const inv = parseInventory(JSON.stringify(good), INV);
    expect(selectHosts(inv, { learners: ['ana'] }).map((h) => h.distro)).toEqual(['ubuntu', 'rhel']);
    expect(selectHosts(inv, { distro: 'ubuntu' }).map((h) => h.learner)).toEqual(['ana', 'ben']);
    expect(() => selectHosts(inv, { learners: ['zed'] })).toThrow(/no host for learner zed/);
    expect(() => selectHosts(inv, { learners: ['ben'], distro: 'rhel' })).toThrow(/no host matches --distro rhel for ben/);
  });

  it('schedules --scenario, else the inventory list, else what each host has injected', () => {
    expect(scheduledScenarios(['offcpu-lock'], ['ghost-load'])).toEqual(['offcpu-lock']);
    expect(scheduledScenarios(undefined, ['ghost-load', 'ghost-load'])).toEqual(['ghost-load']);
    expect(scheduledScenarios(undefined, undefined)).toBe('injected');
  });

  it('refuses two learners on one host (same address and port), naming both, whatever their state dirs', () => {
    const shared = { class: 'x', hosts: [
      { learner: 'ana', distro: 'ubuntu', host: '10.0.0.5', user: 'ubuntu', stateDir: '/srv/ana' },
      { learner: 'ben', distro: 'ubuntu', host: '10.0.0.9', user: 'ubuntu' },
      { learner: 'cy', distro: 'ubuntu', host: '10.0.0.5', user: 'root', port: 22, stateDir: '/srv/cy' },
    ] };
    let err: LabError | undefined;
    try {
      parseInventory(JSON.stringify(shared), INV);
    } catch (e) {
      err = e as LabError;
    }
    expect(err?.message).toBe('class.json: hosts[0] (learner ana) and hosts[2] (learner cy) are the same host 10.0.0.5:22: one lab per host');
    expect(err?.hint).toMatch(/every eBPF tool sees every process on a kernel/);
    // another port is another machine (port forwarding to VMs); the same learner's second distro is not a conflict
    expect(parseInventory(JSON.stringify({ ...shared, hosts: [shared.hosts[0], { ...shared.hosts[2], port: 2222 }] }), INV).hosts).toHaveLength(2);
  });
});

/** `labctl ...` as a child process; `onStderr` sees progress lines as they come. */
function labctl(args: string[], env: Record<string, string>, onStderr?: (text: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [resolve('bin/labctl.js'), ...args], { env: { ...process.env, NO_COLOR: '1', CI: '1', ...env }, cwd: resolve('.') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => {
      stderr += String(d);
      onStderr?.(stderr);
    });
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

function writeInventory(dir: string, name: string, entries: { learner: string; server: { port: number }; stateDir: string }[], scenarios?: string[]): string {
  const file = join(dir, name);
  const hosts = entries.map((e) => ({ learner: e.learner, distro: 'debian', host: '127.0.0.1', user: 'root', port: e.server.port, stateDir: e.stateDir }));
  writeFileSync(file, `${JSON.stringify({ class: 'fanout-test', ...(scenarios ? { scenarios } : {}), hosts }, null, 2)}\n`);
  return file;
}

describe.skipIf(skipUnlessRequired(sshdMissing()))('fan-out over real sshd instances on 127.0.0.1', () => {
  let pool: SshdPool;
  let servers: SshdServer[];
  let env: Record<string, string>;
  const learners = ['ana', 'ben', 'cy'];
  const stateOf = (l: string) => join(pool.dir, `state-${l}`);

  beforeAll(async () => {
    pool = new SshdPool();
    servers = await pool.startMany(3);
    env = { LABCTL_SSH_OPTS: pool.sshOpts.join(' '), LABCTL_NO_SYSTEMD: '1' };
    process.env.LABCTL_SSH_OPTS = env.LABCTL_SSH_OPTS;
  }, 60_000);
  afterAll(() => {
    delete process.env.LABCTL_SSH_OPTS;
    pool?.close();
  });

  it('real ssh errors: a closed port is transient, a refused key is not', async () => {
    const closed = await freePort();
    const down = new SshTransport(`root@127.0.0.1:${closed}`, { extraArgs: pool.sshOpts, connectTimeoutSec: 2 });
    const refused = await down.run('true').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LabError);
    expect(isTransientSshFailure(refused)).toBe(true);
    const otherKey = join(pool.dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const badKey = new SshTransport(servers[0].target, { extraArgs: ['-i', otherKey, ...pool.sshOpts.slice(2), '-o', 'ControlMaster=no', '-o', 'ControlPath=none'] });
    const auth = await badKey.run('true').catch((e: unknown) => e);
    expect((auth as Error).message).toMatch(/authentication failed/);
    expect(isTransientSshFailure(auth)).toBe(false);
  });

  it("a command's own exit 255 (bpftrace's attach errors) is a result, not a dead connection", async () => {
    const t = new SshTransport(servers[0].target, { extraArgs: pool.sshOpts });
    expect(await t.run('echo out; echo attach failed >&2; exit 255')).toMatchObject({ ok: false, exitCode: 255, stdout: 'out\n', stderr: 'attach failed\n' });
    expect(await t.run('exit 254')).toMatchObject({ exitCode: 254, stderr: '' });
  });

  it('one host going down mid-run: the others finish, it fails after its retries', async () => {
    const victim = await pool.start();
    const onThree = [servers[0], servers[1], victim];
    const inv = parseInventory(readFileSync(writeInventory(pool.dir, 'mid.json', learners.map((l, i) => ({ learner: l, server: onThree[i], stateDir: stateOf(l) }))), 'utf8'), INV);
    // an inject-like sequence: a state file, a program, then the start; cy's host dies between the first two
    const op: HostOperation<string> = async ({ host: h, lab, attempt }) => {
      const t = lab.transport;
      mustSucceed(await t.run(`mkdir -p ${lab.stateDir} && echo starting > ${lab.stateDir}/state`), 'state');
      if (h.learner === 'cy' && attempt === 1) victim.kill();
      mustSucceed(await t.run(`printf '#!/bin/sh\\necho %s\\n' ${h.learner} > ${lab.stateDir}/run.sh && chmod 755 ${lab.stateDir}/run.sh`), 'program');
      const out = mustSucceed(await t.run(`${lab.stateDir}/run.sh && echo running > ${lab.stateDir}/state`), 'start').stdout.trim();
      return { ok: true, message: `ran ${out}`, result: out };
    };
    const outcomes = await fanOut(inv.hosts, op, { jobs: 3, retries: 2, backoff: { baseMs: 100, maxMs: 400 } });
    expect(outcomes.map((o) => [o.host.learner, o.ok, o.attempts])).toEqual([['ana', true, 1], ['ben', true, 1], ['cy', false, 3]]);
    expect(outcomes[2].error?.message).toMatch(/host unreachable|ssh failed/);
    for (const l of ['ana', 'ben']) {
      expect(readFileSync(join(stateOf(l), 'state'), 'utf8')).toBe('running\n');
      expect(outcomes.find((o) => o.host.learner === l)?.result).toBe(l);
    }
    // cy got as far as the state file before its host went away, and no further
    expect(readFileSync(join(stateOf('cy'), 'state'), 'utf8')).toBe('starting\n');
    expect(existsSync(join(stateOf('cy'), 'run.sh'))).toBe(false);
  }, 30_000);

  it('labctl lab status --inventory: a stopped sshd is reported failed after retries, exit 1, JSON per host', async () => {
    const fresh = await pool.startMany(3);
    const file = writeInventory(pool.dir, 'status.json', learners.map((l, i) => ({ learner: l, server: fresh[i], stateDir: stateOf(`s-${l}`) })));
    let killed = false;
    // two at a time: cy waits for a slot while ana and ben run; its host goes down as the run starts
    const res = await labctl(['lab', 'status', '--inventory', file, '--json', '--jobs', '2', '--retries', '2'], env, (err) => {
      if (!killed && / running: /.test(err)) {
        fresh[2].kill();
        killed = true;
      }
    });
    expect(killed).toBe(true);
    expect(res.code, res.stderr).toBe(1);
    const json = JSON.parse(res.stdout) as { learner: string; distro: string; host: string; ok: boolean; attempts: number; durationMs: number; result?: unknown; error?: { message: string; hint?: string } }[];
    expect(json.map((j) => [j.learner, j.distro, j.host, j.ok, j.attempts])).toEqual([
      ['ana', 'debian', fresh[0].target, true, 1],
      ['ben', 'debian', fresh[1].target, true, 1],
      ['cy', 'debian', fresh[2].target, false, 3],
    ]);
    expect(json[0].result).toEqual([]);
    expect(json[2].result).toBeUndefined();
    expect(json[2].error?.message).toMatch(new RegExp(`ssh root@127\\.0\\.0\\.1:${fresh[2].port}: host unreachable \\(.*Connection refused\\)`));
    expect(json[2].error?.hint).toMatch(/sshd runs/);
    // two waits with backoff from 1 s, 20% jitter: at least 0.8 + 1.6 s
    expect(json[2].durationMs).toBeGreaterThanOrEqual(2400);
    // not a terminal, CI set: plain timestamped lines, the retries visible
    expect(res.stderr).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z cy/debian root@127\\.0\\.0\\.1:${fresh[2].port} retry 2/2 in \\d+\\.\\ds: `, 'm'));
    expect(res.stderr).toMatch(/^\S+Z ana\/debian \S+ done: no faults$/m);
  }, 60_000);

  it('inject --inventory without the class secret is a clear error and touches no host', async () => {
    const file = writeInventory(pool.dir, 'nosecret.json', [{ learner: 'ana', server: servers[0], stateDir: stateOf('nosecret') }]);
    const res = await labctl(['lab', 'inject', 'offcpu-lock', '--inventory', file], { ...env, LABCTL_CLASS_SECRET: '', LABCTL_CLASSROOM_SECRET: '' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/inject --inventory needs the class secret/);
    expect(res.stderr).toMatch(/hint: pass --secret S or set LABCTL_CLASS_SECRET/);
    expect(existsSync(stateOf('nosecret'))).toBe(false);
  }, 30_000);

  it('collect --inventory: each learner\'s latest bundle per scenario (binary-exact), others\' left alone; grade --batch verifies them; a host without one fails', async () => {
    const secret = 'collect-test-secret-Wq8Rt5Yh2Jk7';
    const handins = join(pool.dir, 'handins');
    const made: Record<string, string> = {};
    for (const learner of ['ana', 'ben']) {
      const m = manifestFor(secret, learner, 'ghost-load');
      const { dir, manifestPath } = await ghostLoadWork(join(pool.dir, `work-${learner}`), m);
      const home = join(handins, learner);
      mkdirSync(home, { recursive: true });
      const old = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: null, out: home, now: new Date('2026-11-29T09:00:00Z') });
      utimesSync(old.file, new Date('2026-11-29T09:00:00Z'), new Date('2026-11-29T09:00:00Z'));
      const latest = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(secret, learner), out: home, now: new Date('2026-11-29T10:00:00Z') });
      made[learner] = latest.file;
    }
    const file = writeInventory(pool.dir, 'collect.json', [
      { learner: 'ana', server: servers[0], stateDir: stateOf('collect-ana') },
      { learner: 'ben', server: servers[1], stateDir: stateOf('collect-ben') },
      { learner: 'cy', server: servers[2], stateDir: stateOf('collect-cy') },
    ]);
    const out = join(pool.dir, 'submissions');
    const res = await labctl(['lab', 'collect', '--inventory', file, '--out', out, '--from', handins, '--retries', '0'], env);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/^ana\s+debian\s+\S+\s+ok\s+\S+\s+ghost-load \(\d+ KiB\)$/m);
    expect(res.stdout).toMatch(/^cy\s+debian\s+\S+\s+FAILED\s+.*no bundle of cy found/m);
    expect(res.stdout).toContain('2 bundle(s) in');
    expect(readdirSync(out).sort()).toEqual(['ana-debian-ghost-load.tar.gz', 'ben-debian-ghost-load.tar.gz']);
    for (const learner of ['ana', 'ben']) expect(readFileSync(join(out, `${learner}-debian-ghost-load.tar.gz`)).equals(readFileSync(made[learner]))).toBe(true);
    const graded = await labctl(['grade', '--batch', out, '--secret', secret, '--out-dir', join(pool.dir, 'grades')], env);
    expect(graded.stderr).not.toMatch(/tampered|unsigned/);
    const book = readFileSync(join(pool.dir, 'grades', 'gradebook.csv'), 'utf8');
    expect(book).toMatch(/^ana,/m);
    expect(book).toMatch(/^ben,/m);
  }, 90_000);

  it('ssh: inventories from classroom deploy (instanceId) accept a new host key, others say how; no shared connection outlives the command', async () => {
    const known = join(pool.dir, 'known_hosts_fresh');
    const strict = ['-i', pool.sshOpts[1], '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'LogLevel=ERROR'].join(' ');
    const server = servers[0];
    const entry = { learner: 'ana', distro: 'debian', host: '127.0.0.1', user: 'root', port: server.port, stateDir: stateOf('hostkey') };
    const plain = join(pool.dir, 'plain.json');
    writeFileSync(plain, JSON.stringify({ class: 'k', hosts: [entry] }));
    const refused = await labctl(['lab', 'status', '--inventory', plain, '--retries', '0', '--json'], { ...env, LABCTL_SSH_OPTS: strict });
    expect(refused.code).toBe(1);
    const err = (JSON.parse(refused.stdout) as { error: { message: string; hint: string } }[])[0].error;
    expect(err.message).toMatch(/host key verification failed/);
    expect(err.hint).toMatch(/StrictHostKeyChecking=accept-new/);
    const deployed = join(pool.dir, 'deployed.json');
    writeFileSync(deployed, JSON.stringify({ class: 'k', hosts: [{ ...entry, instanceId: 'i-0123' }] }));
    const ok = await labctl(['lab', 'status', '--inventory', deployed, '--retries', '0'], { ...env, LABCTL_SSH_OPTS: strict });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(readFileSync(known, 'utf8')).toMatch(/ ssh-ed25519 AAAA/);
    // the shared connection (ControlMaster) that command used is gone once it returned
    const uid = process.getuid?.() ?? 'u';
    const check = spawnSync('ssh', [...pool.sshOpts, '-o', `ControlPath=${join(tmpdir(), `labctl-ssh-${uid}`)}/%C`, '-O', 'check', '-p', String(server.port), 'root@127.0.0.1'], { encoding: 'utf8' });
    expect(check.status, check.stderr).not.toBe(0);
  }, 60_000);

  const liveMissing = bpfMissing() ?? (hasCommand('gcc') ? null : 'needs gcc (the offcpu-lock program)');
  describe.skipIf(skipUnlessRequired(liveMissing))('live: inject, readiness and stop on two hosts', () => {
    const secret = 'fanout-test-secret-Qx7Lm2Vz9Kp4';
    const out = () => join(pool.dir, 'manifests');
    let two: SshdServer[];
    let invFile: string;

    beforeAll(async () => {
      two = await pool.startMany(2);
      invFile = writeInventory(pool.dir, 'live.json', [
        { learner: 'ana', server: two[0], stateDir: stateOf('live-ana') },
        { learner: 'ben', server: two[1], stateDir: stateOf('live-ben') },
      ]);
    }, 30_000);
    afterAll(async () => {
      // whatever happened above, no fault outlives the test
      await labctl(['lab', 'stop', '--inventory', invFile, '--retries', '0'], env);
    }, 60_000);

    it('inject: per-learner seeds, learner.key (0600) on each host, manifests copied back', async () => {
      const res = await labctl(['lab', 'inject', 'offcpu-lock', '--inventory', invFile, '--ttl', '2m', '--out-dir', out(), '--json'], { ...env, LABCTL_CLASS_SECRET: secret });
      expect(res.code, res.stderr).toBe(0);
      const json = JSON.parse(res.stdout) as { learner: string; ok: boolean; result: { seed: string; manifestCopy: string; keyPath: string } }[];
      expect(json.map((j) => [j.learner, j.ok])).toEqual([['ana', true], ['ben', true]]);
      for (const [i, learner] of ['ana', 'ben'].entries()) {
        const seed = deriveSeed(secret, learner, 'offcpu-lock');
        expect(json[i].result.seed).toBe(seed);
        const copy = join(out(), `${learner}-debian-offcpu-lock.json`);
        expect(json[i].result.manifestCopy).toBe(copy);
        // the instructor's copy is plaintext; the host's is sealed: it names neither the service nor the seed
        const manifest = JSON.parse(readFileSync(copy, 'utf8'));
        const onHost = readFileSync(join(stateOf(`live-${learner}`), 'offcpu-lock', 'lab-manifest.json'), 'utf8');
        expect(JSON.parse(onHost)).toMatchObject({ scenario: 'offcpu-lock', learner, sealed: { facts: { process_comm: expect.any(String) } } });
        for (const v of [seed, manifest.facts.process_comm, manifest.facts.hot_function]) expect(onHost).not.toContain(String(v));
        expect(manifest).toMatchObject({ scenario: 'offcpu-lock', seed, learner, host: two[i].target });
        expect(manifest.facts.process_comm).toBe(variantFacts('offcpu-lock', seed).process_comm);
        const key = join(stateOf(`live-${learner}`), 'learner.key');
        expect(json[i].result.keyPath).toBe(key);
        expect(readFileSync(key, 'utf8')).toBe(`${learnerKey(secret, learner)}\n`);
        expect(statSync(key).mode & 0o777).toBe(0o600);
      }
      expect(deriveSeed(secret, 'ana', 'offcpu-lock')).not.toBe(deriveSeed(secret, 'ben', 'offcpu-lock'));
    }, 90_000);

    it('inject again with another --ttl is refused; extend --inventory moves every expiry', async () => {
      const again = await labctl(['lab', 'inject', 'offcpu-lock', '--inventory', invFile, '--ttl', '5m', '--out-dir', out(), '--json', '--retries', '0'], { ...env, LABCTL_CLASS_SECRET: secret });
      expect(again.code).toBe(1);
      for (const j of JSON.parse(again.stdout) as { error: { message: string; hint: string } }[]) {
        expect(j.error.message).toMatch(/inject with another --ttl does not change it/);
        expect(j.error.hint).toMatch(/labctl lab extend offcpu-lock --by DURATION/);
      }
      const before = JSON.parse(readFileSync(join(stateOf('live-ana'), 'offcpu-lock', 'state.json'), 'utf8')).expiresAt;
      const res = await labctl(['lab', 'extend', '--by', '10m', '--inventory', invFile, '--json'], env);
      expect(res.code, res.stderr).toBe(0);
      const json = JSON.parse(res.stdout) as { learner: string; result: { scenario: string; expiresAt: string }[] }[];
      expect(json.map((j) => [j.learner, j.result.map((r) => r.scenario)])).toEqual([['ana', ['offcpu-lock']], ['ben', ['offcpu-lock']]]);
      expect(Date.parse(json[0].result[0].expiresAt) - Date.parse(before)).toBe(600_000);
      expect(readFileSync(join(stateOf('live-ana'), 'offcpu-lock', 'expires-at'), 'utf8').trim()).toBe(String(Math.floor(Date.parse(json[0].result[0].expiresAt) / 1000)));
    }, 60_000);

    it('check --all: ready where injected, not injected where not, unreachable for a dead host; exit 1', async () => {
      const dead = await pool.start();
      dead.kill();
      const withDead = writeInventory(pool.dir, 'ready.json', [
        { learner: 'ana', server: two[0], stateDir: stateOf('live-ana') },
        { learner: 'ben', server: two[1], stateDir: stateOf('live-ben') },
        { learner: 'cy', server: dead, stateDir: stateOf('live-cy') },
      ], ['offcpu-lock', 'fsync-latency']);
      // `lab probe` comes before class; here it is trimmed to the tools of the injected fault (a full probe
      // runs every candidate of every tool), run over ssh and left as each host's probe cache
      await Promise.all(['ana', 'ben'].map(async (l, i) => {
        const lab = { transport: new SshTransport(two[i].target, { extraArgs: pool.sshOpts }), stateDir: stateOf(`live-${l}`) };
        const p = await probeHost(lab, { tools: ['offcputime', 'runqlat'] });
        expect(p.tools.find((t) => t.tool === 'offcputime')?.command, JSON.stringify(p.tools)).toBeTruthy();
        writeFileSync(join(lab.stateDir, PROBE_CACHE), JSON.stringify(p));
      }));
      const res = await labctl(['lab', 'check', '--all', '--inventory', withDead, '--duration', '3s', '--retries', '0', '--json'], env);
      expect(res.code, res.stderr).toBe(1);
      const json = JSON.parse(res.stdout) as { learner: string; ok: boolean; result: ReadinessSummary }[];
      const cells = (l: string) => json.find((j) => j.learner === l)!.result.cells.map((c) => [c.scenario, c.state]);
      expect(cells('ana')).toEqual([['offcpu-lock', 'ready'], ['fsync-latency', 'not-injected']]);
      expect(cells('ben')).toEqual([['offcpu-lock', 'ready'], ['fsync-latency', 'not-injected']]);
      expect(cells('cy')).toEqual([['offcpu-lock', 'unreachable'], ['fsync-latency', 'unreachable']]);
      expect(json.map((j) => j.ok)).toEqual([false, false, false]);
      expect(json[0].result.cells[1].detail).toMatch(/no fault injected/);
      // without a schedule, each host's injected faults are what counts: "n/2", not "n/6" (whether each is
      // visible right now is the scheduled check's business above; a saturated test machine can hide one)
      const injected = await labctl(['lab', 'check', '--all', '--inventory', invFile, '--duration', '3s', '--retries', '0'], env);
      expect(injected.stdout).toMatch(/^LEARNER\s+DISTRO\s+HOST\s+OFFCPU-LOCK$/m);
      const counted = /(\d)\/2 faults ready; (\d)\/2 hosts ready for class/.exec(injected.stdout);
      expect(counted, injected.stdout + injected.stderr).not.toBeNull();
      expect(injected.code).toBe(counted![1] === '2' ? 0 : 1);
    }, 90_000);

    it('single-host inject --learner --secret also leaves the learner key', async () => {
      const res = await labctl(['lab', 'inject', 'ghost-load', '--host', two[0].target, '--learner', 'ana', '--secret', secret, '--ttl', '1m', '--out', join(pool.dir, 'single.json'), '--json'], {
        ...env,
        LABCTL_REMOTE_STATE_DIR: stateOf('live-single'),
      });
      expect(res.code, res.stderr).toBe(0);
      const key = join(stateOf('live-single'), 'learner.key');
      expect(JSON.parse(res.stdout)).toMatchObject({ scenario: 'ghost-load', seed: deriveSeed(secret, 'ana', 'ghost-load'), learner: 'ana', learnerKey: key });
      expect(readFileSync(key, 'utf8')).toBe(`${learnerKey(secret, 'ana')}\n`);
      expect(statSync(key).mode & 0o777).toBe(0o600);
      const stopped = await stopFault({ transport: new SshTransport(two[0].target, { extraArgs: pool.sshOpts }), stateDir: stateOf('live-single') });
      expect(stopped.map((x) => x.scenario)).toEqual(['ghost-load']);
    }, 60_000);

    it('stop --inventory ends both faults and removes their files but the manifest; --purge removes the rest', async () => {
      const res = await labctl(['lab', 'stop', '--inventory', invFile], env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/^ana\s+debian\s+\S+\s+ok\s+.*offcpu-lock stopped \(\d+ process\(es\)\), manifest kept/m);
      expect(res.stdout).toMatch(/2\/2 hosts ok/);
      for (const l of ['ana', 'ben']) {
        // the manifest and key stay: the learner signs the submission after the lab ends
        expect(readdirSync(join(stateOf(`live-${l}`), 'offcpu-lock')).sort()).toEqual(['lab-manifest.json', 'state.json']);
        expect(existsSync(join(stateOf(`live-${l}`), 'learner.key'))).toBe(true);
      }
      const status = await labctl(['lab', 'status', '--inventory', invFile], env);
      expect(status.stdout).toMatch(/^ana\s+debian\s+\S+\s+ok\s+.*offcpu-lock stopped$/m);
      const purge = await labctl(['lab', 'stop', '--purge', '--inventory', invFile], env);
      expect(purge.code, purge.stderr).toBe(0);
      for (const l of ['ana', 'ben']) {
        expect(existsSync(join(stateOf(`live-${l}`), 'offcpu-lock'))).toBe(false);
        expect(existsSync(join(stateOf(`live-${l}`), 'learner.key'))).toBe(false);
      }
    }, 60_000);
  });
});

describe('readiness table', () => {
  it('shows host x scenario and why each cell is not ready', () => {
    const a = host('ana', { address: 'ubuntu@10.0.0.5' });
    const b = host('ben', { address: 'ubuntu@10.0.0.6' });
    const outcomes = [
      {
        host: a, ok: false, attempts: 1, durationMs: 1200, message: 'offcpu-lock not-visible',
        result: { cells: [
          { scenario: 'ghost-load' as const, state: 'ready' as const, detail: '2 evidence checks pass' },
          { scenario: 'offcpu-lock' as const, state: 'not-visible' as const, detail: 'evidence-offcpu: no futex wait in the stacks' },
        ] },
      },
      { host: b, ok: false, attempts: 4, durationMs: 15000, message: 'x', error: { message: 'ssh ubuntu@10.0.0.6: host unreachable (Connection timed out)' } },
    ];
    const matrix = readinessMatrix(outcomes, ['ghost-load', 'offcpu-lock']);
    expect(matrix[1].cells.map((c) => c.state)).toEqual(['unreachable', 'unreachable']);
    const text = renderReadiness(matrix, ['ghost-load', 'offcpu-lock']);
    expect(text).toMatch(/^LEARNER\s+DISTRO\s+HOST\s+GHOST-LOAD\s+OFFCPU-LOCK$/m);
    expect(text).toMatch(/^ana\s+debian\s+ubuntu@10\.0\.0\.5\s+ready\s+NOT VISIBLE$/m);
    expect(text).toMatch(/^ben\s+debian\s+ubuntu@10\.0\.0\.6\s+unreachable\s+unreachable$/m);
    expect(text).toContain('ana/debian offcpu-lock: not visible: evidence-offcpu: no futex wait in the stacks');
    expect(text).toContain('ben/debian: unreachable: ssh ubuntu@10.0.0.6: host unreachable (Connection timed out)');
    expect(text).toContain('1/4 faults ready; 0/2 hosts ready for class');
  });
});

describe('status operation', () => {
  it('reports no faults on an empty state dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labctl-fanout-status-'));
    mkdirSync(dir, { recursive: true });
    try {
      const r = await statusOp()({ host: host('ana'), lab: { transport: new LocalTransport(), stateDir: dir }, attempt: 1, progress: () => undefined });
      expect(r).toEqual({ ok: true, message: 'no faults', result: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
