import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labHost } from '../../labs/host.ts';
import { injectFault, labIdOf, labStatus, launcherScript, readState, statusOf, stopFault } from '../../labs/supervisor.ts';
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
    const text = launcherScript('fsync-latency', 's1', faultFor('fsync-latency', variantFacts('fsync-latency', 's1')));
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

  it('inject twice does not duplicate; stop leaves no process, file or port behind; stop again is a no-op', async () => {
    const first = await injectFault(host, { scenario: 'ghost-load', seed: 'sup-test-1', ttlSec: 120 });
    expect(first.already).toBe(false);
    const labId = labIdOf(stateDir, 'ghost-load');
    const port = first.state.port!;
    expect(portOpen(port)).toBe(true);
    expect(first.state.phase).toBe('running');
    expect(first.state.pgid).toBeGreaterThan(1);
    const pidsBefore = markedPids(labId);
    expect(pidsBefore).toContain(first.state.pgid);
    expect(pidsBefore).toContain(first.state.pids[String(first.manifest.facts.parent_comm)]);

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

    await expect(injectFault(host, { scenario: 'ghost-load', seed: 'other-seed', ttlSec: 120 })).rejects.toThrow(/already running .* with seed sup-test-1/);

    const status = await statusOf(host, 'ghost-load');
    expect(status).toMatchObject({ status: 'running' });
    expect(status!.remainingSec).toBeGreaterThan(100);

    const stopped = await stopFault(host, 'ghost-load');
    expect(stopped).toEqual([{ scenario: 'ghost-load', killed: expect.any(Number), removed: true }]);
    expect(markedPids(labId)).toEqual([]);
    expect(existsSync(join(stateDir, 'ghost-load'))).toBe(false);
    expect(portOpen(port)).toBe(false);
    expect(await stopFault(host, 'ghost-load')).toEqual([]);
    expect(await labStatus(host)).toEqual([]);
  });

  it('a fault expires by itself at its TTL (3 s): processes gone, scratch data removed, status "expired"', async () => {
    const r = await injectFault(host, { scenario: 'fsync-latency', seed: 'ttl-test', ttlSec: 3 });
    const labId = labIdOf(stateDir, 'fsync-latency');
    const dataFile = join(r.state.labDir, 'data', String(r.manifest.facts.file_name));
    // inject returned only after the app had written its file: it ran (on a busy host the 3 s may already be over)
    expect(r.state.phase).toBe('running');
    const deadline = Date.now() + 15_000;
    while (markedPids(labId).length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 250));
    expect(markedPids(labId)).toEqual([]);
    expect(existsSync(dataFile)).toBe(false);
    expect((await statusOf(host, 'fsync-latency'))?.status).toBe('expired');
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
    expect(existsSync(r.state.labDir)).toBe(false);
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
