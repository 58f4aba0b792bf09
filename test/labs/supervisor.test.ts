import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labHost } from '../../labs/host.ts';
import { extendFault, injectFault, labIdOf, labStatus, launcherScript, readState, resetFault, statusOf, stopFault } from '../../labs/supervisor.ts';
import { faultFor } from '../../labs/faults/index.ts';
import { variantFacts } from '../../scenarios/variants.ts';
import { hasCommand, isRoot, skipUnlessRequired } from '../support/live.ts';

/** pids carrying the lab's marker, read straight from /proc (independent of the code under test) */
function markedPids(labId: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (env.split('\0').includes(`LABCTL_LAB=${labId}`)) out.push(Number(pid));
    } catch {
      // process ended meanwhile
    }
  }
  return out;
}

/** a pid that has exited: gone from /proc, or a zombie waiting to be reaped */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

const filesOf = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : null);

function portOpen(port: number): boolean {
  try {
    execFileSync('curl', ['-s', '-o', '/dev/null', '--max-time', '2', `http://127.0.0.1:${port}/`]);
    return true;
  } catch (err) {
    return (err as { status?: number }).status !== 7;
  }
}

describe('launcherScript', () => {
  it('starts every process in the background, records pids, and cleans scratch data on TERM', () => {
    const text = launcherScript('fsync-latency', faultFor('fsync-latency', variantFacts('fsync-latency', 's1')));
    expect(text).toMatch(/^#!\/bin\/sh/);
    expect(text).toContain('trap cleanup TERM INT HUP');
    expect(text).toMatch(/rm -rf data/);
    expect(text).toMatch(/\.\/bin\/\S+ data\/\S+ 100 8388608 &\necho \$! > pids\//);
    expect(text.trim().endsWith('cleanup')).toBe(true);
  });
});

const missing = !isRoot() ? 'needs root (faults run as root)' : !hasCommand('setsid') || !hasCommand('timeout') ? 'needs setsid and timeout' : null;

describe.skipIf(skipUnlessRequired(missing))('supervisor (process-group, real processes)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'labctl-sup-'));
  const host = labHost({ stateDir });
  process.env.LABCTL_NO_SYSTEMD = '1';
  afterAll(async () => {
    await stopFault(host).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('inject twice does not duplicate; stop returns once every process has exited, leaves no file or port but the manifest; stop again is a no-op; --purge removes the manifest', async () => {
    const first = await injectFault(host, { scenario: 'ghost-load', seed: 'sup-test-1', ttlSec: 120 });
    expect(first.already).toBe(false);
    const labId = labIdOf(stateDir, 'ghost-load');
    const port = first.state.port!;
    expect(portOpen(port)).toBe(true);
    expect(first.state.phase).toBe('running');
    expect(first.state.pgid).toBeGreaterThan(1);
    const pidsBefore = markedPids(labId);
    // the watchdog leads the group, unmarked: the lab's processes are the fault's own
    expect(readFileSync(`/proc/${first.state.pgid}/cmdline`, 'utf8')).toBe('sh\0./watchdog.sh\0');
    expect(pidsBefore).not.toContain(first.state.pgid);
    expect(pidsBefore).toContain(first.state.pids.loop);

    const second = await injectFault(host, { scenario: 'ghost-load', seed: 'sup-test-1', ttlSec: 120 });
    expect(second.already).toBe(true);
    expect(second.state.pgid).toBe(first.state.pgid);
    // the same loop script still runs once: no second copy
    const loops = markedPids(labId).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === first.manifest.facts.parent_comm;
      } catch {
        return false;
      }
    });
    expect(loops.length).toBeLessThanOrEqual(2); // the script and at most one $(date) subshell fork of it

    await expect(injectFault(host, { scenario: 'ghost-load', seed: 'other-seed', ttlSec: 120 })).rejects.toThrow(/already running .* with another seed/);
    // the same variant with another TTL is not silently ignored
    await expect(injectFault(host, { scenario: 'ghost-load', seed: 'sup-test-1', ttlSec: 600 })).rejects.toThrow(/inject with another --ttl does not change it/);

    const status = await statusOf(host, 'ghost-load');
    expect(status).toMatchObject({ status: 'running' });
    expect(status!.remainingSec).toBeGreaterThan(100);

    const stopped = await stopFault(host, 'ghost-load');
    expect(stopped).toEqual([{ scenario: 'ghost-load', killed: expect.any(Number), removed: true, kept: true }]);
    // right after stop returns: every process it found has exited, the watchdog included
    expect([...pidsBefore, first.state.pgid!].filter((p) => !exited(p))).toEqual([]);
    expect(markedPids(labId)).toEqual([]);
    expect(filesOf(join(stateDir, 'ghost-load'))).toEqual(['lab-manifest.json', 'state.json']);
    expect(portOpen(port)).toBe(false);
    const after = await statusOf(host, 'ghost-load');
    expect(after).toMatchObject({ status: 'stopped', processes: 0, alive: [], state: { phase: 'stopped', pids: {} } });
    expect(await stopFault(host, 'ghost-load')).toEqual([]);
    expect(await stopFault(host, 'ghost-load', { purge: true })).toEqual([{ scenario: 'ghost-load', killed: 0, removed: true, kept: false }]);
    expect(existsSync(join(stateDir, 'ghost-load'))).toBe(false);
    expect(await labStatus(host)).toEqual([]);
  });

  it('a fault expires by itself at its TTL (6 s): processes gone, files removed but the manifest, status "expired" without pids', async () => {
    const r = await injectFault(host, { scenario: 'fsync-latency', seed: 'ttl-test', ttlSec: 6 });
    const labId = labIdOf(stateDir, 'fsync-latency');
    const dataFile = join(r.state.labDir, 'data', String(r.manifest.facts.file_name));
    // inject returned only after the app had written its file: it ran (on a busy host the 6 s may already be over)
    expect(r.state.phase).toBe('running');
    const deadline = Date.now() + 20_000;
    while (markedPids(labId).length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 250));
    expect(markedPids(labId)).toEqual([]);
    expect(existsSync(dataFile)).toBe(false);
    // expire.sh runs right after the processes end
    const tidy = Date.now() + 10_000;
    while ((filesOf(r.state.labDir)?.length ?? 0) > 2 && Date.now() < tidy) await new Promise((res) => setTimeout(res, 200));
    expect(filesOf(r.state.labDir)).toEqual(['lab-manifest.json', 'state.json']);
    expect(exited(r.state.pgid!)).toBe(true);
    expect(await statusOf(host, 'fsync-latency')).toMatchObject({ status: 'expired', alive: [], state: { phase: 'expired', pids: {} } });
    // inject after expiry starts a fresh one rather than saying "already running"
    const again = await injectFault(host, { scenario: 'fsync-latency', seed: 'ttl-test', ttlSec: 60 });
    expect(again.already).toBe(false);
    await stopFault(host, 'fsync-latency');
    expect(markedPids(labId)).toEqual([]);
  });

  it('a half-finished inject (labctl killed after the state file, processes started) is cleaned by stop', async () => {
    const r = await injectFault(host, { scenario: 'offcpu-lock', seed: 'half', ttlSec: 60 });
    const labId = labIdOf(stateDir, 'offcpu-lock');
    // what a kill mid-inject leaves: state still "starting", no pids recorded, plus a stray marked process
    const state = (await readState(host, 'offcpu-lock'))!;
    await host.transport.writeText(`${r.state.labDir}/state.json`, JSON.stringify({ ...state, phase: 'starting', pids: {}, pgid: undefined }));
    const stray = spawn('sleep', ['300'], { env: { ...process.env, LABCTL_LAB: labId }, detached: true, stdio: 'ignore' });
    stray.unref();
    expect((await statusOf(host, 'offcpu-lock'))?.status).toBe('starting');
    expect(markedPids(labId)).toContain(stray.pid);
    await stopFault(host);
    expect(markedPids(labId)).toEqual([]);
    expect(exited(stray.pid!)).toBe(true);
    expect(filesOf(r.state.labDir)).toEqual(['lab-manifest.json', 'state.json']);
    await stopFault(host, undefined, { purge: true });
    expect(existsSync(r.state.labDir)).toBe(false);
  });

  it('extend moves the expiry (the fault outlives its first TTL); reset starts the same variant afresh', async () => {
    // a TTL long enough for inject to return on a busy host, short enough to be outlived here
    const r = await injectFault(host, { scenario: 'ghost-load', seed: 'extend-me', ttlSec: 12 });
    const labId = labIdOf(stateDir, 'ghost-load');
    const extended = await extendFault(host, 'ghost-load', 60);
    expect(Date.parse(extended.expiresAt) - Date.parse(r.state.expiresAt)).toBe(60_000);
    await new Promise((res) => setTimeout(res, Math.max(0, Date.parse(r.state.expiresAt) - Date.now()) + 3000));
    const st = await statusOf(host, 'ghost-load');
    expect(st).toMatchObject({ status: 'running' });
    expect(st!.remainingSec).toBeGreaterThan(45);
    const pidBefore = r.state.pids.loop;
    // the host keeps only a hash of the seed: without the right one among the candidates, no reset
    await expect(resetFault(host, 'ghost-load', { ttlSec: 30, seeds: () => ['default', 'other'] })).rejects.toThrow(/injected with a seed this host does not keep/);
    const [reset] = await resetFault(host, 'ghost-load', { ttlSec: 30, seeds: () => ['other', 'extend-me'] });
    expect(reset.inject.state).toMatchObject({ variant: r.state.variant, ttlSec: 30, phase: 'running' });
    expect(reset.inject.manifest.seed).toBe('extend-me');
    expect(reset.inject.manifest.facts).toEqual(r.manifest.facts);
    expect(exited(pidBefore)).toBe(true);
    expect(markedPids(labId)).toContain(reset.inject.state.pids.loop);
    await stopFault(host, 'ghost-load');
    await expect(extendFault(host, 'ghost-load', 60)).rejects.toThrow(/ghost-load is not running \(stopped\): nothing to extend/);
    // a stopped (or expired) lab can be reset: its state still names the variant
    const [again] = await resetFault(host, 'ghost-load', { seeds: () => ['extend-me'] });
    expect(again.inject.state).toMatchObject({ variant: r.state.variant, ttlSec: 30 });
    await stopFault(host, 'ghost-load', { purge: true });
    expect(markedPids(labId)).toEqual([]);
  });

  it('a fault whose program cannot start leaves nothing behind', async () => {
    // occupy the variant's port so the preflight refuses
    const facts = variantFacts('ghost-load', 'port-busy');
    const port = Number(new URL(String(facts.url)).port);
    const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 10_000;
      while (!portOpen(port) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      await expect(injectFault(host, { scenario: 'ghost-load', seed: 'port-busy', ttlSec: 60 })).rejects.toThrow(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
      expect(existsSync(join(stateDir, 'ghost-load'))).toBe(false);
      expect(markedPids(labIdOf(stateDir, 'ghost-load'))).toEqual([]);
    } finally {
      server.kill();
    }
  });
});
