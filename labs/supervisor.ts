import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { MANIFEST_FILE, type LabManifest } from '../grader/manifest.ts';
import { assertScenarioId, SCENARIO_IDS, validateSeed, variantFacts, type ScenarioId } from '../scenarios/variants.ts';
import { LabError } from './errors.ts';
import { faultFor, type FaultSpec } from './faults/index.ts';
import type { LabHost } from './host.ts';
import { normaliseFsType } from './probe.ts';
import { shq } from './shell.ts';
import { mustSucceed } from './transport.ts';

/**
 * Starts, watches and stops faults. Every fault runs under a TTL and stops by itself: as a transient
 * systemd unit (RuntimeMaxSec, CPU/IO limits) where systemd runs, else as its own session and process
 * group under coreutils `timeout`, which signals the whole group at expiry. Every process of a fault
 * carries the env marker LABCTL_LAB=<lab id>, so `stop` finds all of them even when labctl died
 * mid-inject before it could record a pid. The state file is written before anything starts.
 */

export const DEFAULT_TTL_SEC = 3600;
export const STATE_FILE = 'state.json';
const LAUNCHER = 'run.sh';
const LOG = 'fault.log';

export type SupervisorKind = 'systemd' | 'process-group';

export interface LabState {
  scenario: ScenarioId;
  seed: string;
  learner?: string;
  labId: string;
  supervisor: SupervisorKind;
  unit?: string;
  /** process group (= session) id of the fault, process-group supervisor only */
  pgid?: number;
  pids: Record<string, number>;
  port?: number;
  labDir: string;
  manifestPath: string;
  dataFiles: string[];
  startedAt: string;
  expiresAt: string;
  ttlSec: number;
  phase: 'starting' | 'running';
}

export interface LabStatus {
  scenario: ScenarioId;
  /** running: processes alive; expired: TTL passed and nothing runs; dead: nothing runs before the TTL; starting: inject in progress or interrupted */
  status: 'running' | 'expired' | 'dead' | 'starting';
  state: LabState | null;
  processes: number;
  remainingSec: number | null;
}

export function labDirOf(stateDir: string, scenario: ScenarioId): string {
  return `${stateDir}/${scenario}`;
}

/** Stable per (state dir, scenario): two state dirs on one host (tests, classrooms) never touch each other's faults. */
export function labIdOf(stateDir: string, scenario: ScenarioId): string {
  return `${scenario}.${createHash('sha256').update(stateDir).digest('hex').slice(0, 10)}`;
}

export function unitNameOf(labId: string): string {
  return `labctl-${labId.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/** The launcher each fault runs: starts the processes, records their pids, cleans its scratch data on stop/expiry. */
export function launcherScript(scenario: ScenarioId, seed: string, spec: FaultSpec): string {
  const scratch = spec.scratch.length ? `rm -rf ${spec.scratch.map(shq).join(' ')}` : ':';
  return [
    '#!/bin/sh',
    `# labctl fault launcher: ${scenario}, seed ${seed}. Runs in its own process group under a TTL;`,
    '# everything started here inherits the group and the LABCTL_LAB marker, so stop and expiry reach all of it.',
    'cd "$(dirname "$0")" || exit 1',
    'mkdir -p pids',
    `cleanup() { trap - TERM INT HUP; ${scratch}; exit 0; }`,
    'trap cleanup TERM INT HUP',
    ...spec.processes.map((p) => `${p.command} &\necho $! > ${shq(`pids/${p.name}`)}`),
    'wait',
    'cleanup',
    '',
  ].join('\n');
}

/** Which supervisor a host gets: systemd when it is PID 1 (unless LABCTL_NO_SYSTEMD=1). */
async function supervisorKind(host: LabHost): Promise<SupervisorKind> {
  if (process.env.LABCTL_NO_SYSTEMD === '1') return 'process-group';
  const r = await host.transport.run('test -d /run/systemd/system && command -v systemd-run >/dev/null');
  return r.ok ? 'systemd' : 'process-group';
}

/** Shell that lists the pids carrying a lab's marker (one grep over all environ files). */
function markerPids(labId: string): string {
  return `grep -lzxF ${shq(`LABCTL_LAB=${labId}`)} /proc/[0-9]*/environ 2>/dev/null | sed -n 's#^/proc/\\([0-9]*\\)/environ$#\\1#p' | grep -vx "$$"`;
}

async function countMarked(host: LabHost, labId: string): Promise<number> {
  const r = await host.transport.run(`${markerPids(labId)} | wc -l`);
  return Number.parseInt(r.stdout.trim(), 10) || 0;
}

export async function readState(host: LabHost, scenario: ScenarioId): Promise<LabState | null> {
  const r = await host.transport.run(`cat ${shq(`${labDirOf(host.stateDir, scenario)}/${STATE_FILE}`)} 2>/dev/null`);
  if (!r.ok || !r.stdout.trim()) return null;
  try {
    return JSON.parse(r.stdout) as LabState;
  } catch {
    // a torn state file (labctl killed while writing) still means "something may run": stop sweeps by marker
    return null;
  }
}

async function writeState(host: LabHost, state: LabState): Promise<void> {
  const path = `${state.labDir}/${STATE_FILE}`;
  // write-then-rename so a reader never sees half a state file
  await host.transport.writeText(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  mustSucceed(await host.transport.run(`mv -f ${shq(`${path}.tmp`)} ${shq(path)}`), `saving ${path}`);
}

export async function statusOf(host: LabHost, scenario: ScenarioId): Promise<LabStatus | null> {
  const state = await readState(host, scenario);
  const dirExists = (await host.transport.run(`test -d ${shq(labDirOf(host.stateDir, scenario))}`)).ok;
  const processes = await countMarked(host, labIdOf(host.stateDir, scenario));
  if (!state && !dirExists && processes === 0) return null;
  const remainingSec = state ? Math.round((Date.parse(state.expiresAt) - Date.now()) / 1000) : null;
  let status: LabStatus['status'];
  if (!state || state.phase === 'starting') status = processes > 0 && state?.phase !== 'starting' ? 'running' : 'starting';
  else if (processes > 0) status = 'running';
  else status = remainingSec !== null && remainingSec <= 0 ? 'expired' : 'dead';
  return { scenario, status, state, processes, remainingSec };
}

export async function labStatus(host: LabHost): Promise<LabStatus[]> {
  const out: LabStatus[] = [];
  for (const id of SCENARIO_IDS) {
    const s = await statusOf(host, id);
    if (s) out.push(s);
  }
  return out;
}

export interface InjectOptions {
  scenario: string;
  seed: string;
  ttlSec?: number;
  learner?: string;
  /** recorded in the manifest; default: the host's name */
  hostLabel?: string;
  /** seconds to wait for the fault to become visible */
  readyTimeoutSec?: number;
}

export interface InjectResult {
  state: LabState;
  manifest: LabManifest;
  /** path of lab-manifest.json on the lab host */
  manifestPath: string;
  /** true when the same fault and seed was already running: nothing was started */
  already: boolean;
}

export async function injectFault(host: LabHost, opts: InjectOptions): Promise<InjectResult> {
  const scenario = assertScenarioId(opts.scenario);
  const seed = validateSeed(opts.seed);
  const ttlSec = opts.ttlSec ?? DEFAULT_TTL_SEC;
  const t = host.transport;
  if (!(await t.isRoot())) {
    throw new LabError(`${t.describe()}: injecting a fault needs root`, 'run labctl as root (sudo -E npx labctl ...) or use --host with a root/sudo login');
  }

  const existing = await statusOf(host, scenario);
  if (existing?.status === 'running' && existing.state) {
    if (existing.state.seed === seed) {
      const manifest = JSON.parse(await t.readText(existing.state.manifestPath)) as LabManifest;
      return { state: existing.state, manifest, manifestPath: existing.state.manifestPath, already: true };
    }
    throw new LabError(
      `${scenario} is already running on ${t.describe()} with seed ${existing.state.seed}`,
      `stop it first: labctl lab stop ${scenario}`,
    );
  }
  if (existing) await stopFault(host, scenario); // expired, dead or half-injected leftovers

  const facts = variantFacts(scenario, seed);
  const spec = faultFor(scenario, facts);
  for (const p of spec.preflight) {
    if (!(await t.run(p.check)).ok) throw new LabError(`${t.describe()}: cannot inject ${scenario}: ${p.message}`, p.hint);
  }

  const labDir = labDirOf(host.stateDir, scenario);
  const labId = labIdOf(host.stateDir, scenario);
  const supervisor = await supervisorKind(host);
  const now = new Date();
  const expires = new Date(now.getTime() + ttlSec * 1000);
  const manifestPath = `${labDir}/${MANIFEST_FILE}`;
  const state: LabState = {
    scenario,
    seed,
    ...(opts.learner ? { learner: opts.learner } : {}),
    labId,
    supervisor,
    ...(supervisor === 'systemd' ? { unit: unitNameOf(labId) } : {}),
    pids: {},
    ...(spec.port ? { port: spec.port } : {}),
    labDir,
    manifestPath,
    dataFiles: spec.scratch.map((d) => `${labDir}/${d}`),
    startedAt: now.toISOString(),
    expiresAt: expires.toISOString(),
    ttlSec,
    phase: 'starting',
  };

  mustSucceed(await t.run(`mkdir -p ${shq(`${labDir}/bin`)} ${shq(`${labDir}/pids`)}`), `creating ${labDir}`, 'is the state dir writable? set LABCTL_STATE_DIR');
  await writeState(host, state);
  try {
    for (const f of spec.files) {
      const path = `${labDir}/${f.path}`;
      mustSucceed(await t.run(`mkdir -p "$(dirname ${shq(path)})"`), `creating the folder of ${path}`);
      await t.writeText(path, f.content, f.mode ?? 0o644);
    }
    await t.writeText(`${labDir}/${LAUNCHER}`, launcherScript(scenario, seed, spec), 0o755);
    if (spec.build) {
      const built = await t.run(`cd ${shq(labDir)} && LABCTL_LAB=${shq(labId)} ${spec.build} > build.log 2>&1 || { cat build.log >&2; exit 1; }`, { timeoutMs: 120_000 });
      mustSucceed(built, `${t.describe()}: building the ${scenario} program`, 'is gcc installed and working? run `labctl lab setup`');
    }
    if (scenario === 'fsync-latency') {
      const fs = await t.run(`cd ${shq(labDir)} && mkdir -p data && { findmnt -n -o FSTYPE -T data 2>/dev/null | head -1 | grep . || stat -f -c %T data; }`);
      facts.fs_type = normaliseFsType(fs.stdout.trim());
    }
    const manifest: LabManifest = {
      scenario,
      seed,
      ...(opts.learner ? { learner: opts.learner } : {}),
      host: opts.hostLabel ?? (t.remote ? t.describe().replace(/^ssh /, '') : hostname()),
      createdAt: state.startedAt,
      expiresAt: state.expiresAt,
      facts,
    };
    await t.writeText(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

    mustSucceed(await t.run(launchCommand(state)), `${t.describe()}: starting ${scenario}`);
    const readyTimeout = opts.readyTimeoutSec ?? 15;
    const ready = await t.run(
      `cd ${shq(labDir)} && i=0; while [ $i -lt ${readyTimeout * 5} ]; do ${spec.processes.map((p) => `test -s ${shq(`pids/${p.name}`)} &&`).join(' ')} { ${spec.ready}; } >/dev/null 2>&1 && exit 0; i=$((i+1)); sleep 0.2; done; exit 1`,
      { timeoutMs: (readyTimeout + 15) * 1000 },
    );
    if (!ready.ok) {
      const log = await t.run(`tail -n 20 ${shq(`${labDir}/${LOG}`)} 2>/dev/null`);
      throw new LabError(`${t.describe()}: ${scenario} did not come up within ${readyTimeout}s${log.stdout.trim() ? `; its log:\n${log.stdout.trim()}` : ''}`, 'run `labctl lab probe` and `labctl lab setup`, then inject again');
    }
    state.pids = await readPids(host, labDir);
    if (supervisor === 'process-group') {
      const pg = await t.run(`cat ${shq(`${labDir}/pgid`)}`);
      state.pgid = Number.parseInt(pg.stdout.trim(), 10) || undefined;
    }
    state.phase = 'running';
    await writeState(host, state);
    return { state, manifest, manifestPath, already: false };
  } catch (err) {
    await stopFault(host, scenario).catch(() => undefined);
    throw err;
  }
}

function launchCommand(state: LabState): string {
  const dir = shq(state.labDir);
  const marker = `LABCTL_LAB=${shq(state.labId)}`;
  if (state.supervisor === 'systemd') {
    return [
      'systemd-run --quiet --collect',
      `--unit=${shq(state.unit!)}`,
      `--property=RuntimeMaxSec=${state.ttlSec}`,
      '--property=CPUQuota=100%',
      '--property=IOWeight=50',
      `--setenv=${marker}`,
      `sh -c ${shq(`cd ${dir} && exec sh ./${LAUNCHER} >>${LOG} 2>&1`)}`,
    ].join(' ');
  }
  // setsid: own session and group, detached from labctl; $$ of that sh is the pgid timeout inherits by exec.
  // timeout signals the whole group at expiry (TERM, then KILL 5 s later).
  const inner = `echo $$ > pgid; exec timeout -k 5 ${state.ttlSec} sh ./${LAUNCHER}`;
  return `cd ${dir} && ${marker} setsid sh -c ${shq(inner)} </dev/null >>${LOG} 2>&1 &`;
}

async function readPids(host: LabHost, labDir: string): Promise<Record<string, number>> {
  const r = await host.transport.run(`cd ${shq(`${labDir}/pids`)} 2>/dev/null && for f in *; do [ -f "$f" ] && echo "$f $(cat "$f")"; done; true`);
  const pids: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const [name, pid] = line.trim().split(' ');
    if (name && Number(pid) > 0) pids[name] = Number(pid);
  }
  return pids;
}

export interface StopResult {
  scenario: ScenarioId;
  /** processes that were still running */
  killed: number;
  removed: boolean;
}

/** Stops one fault (or all), kills every marked process, removes its files. Idempotent. */
export async function stopFault(host: LabHost, scenario?: string): Promise<StopResult[]> {
  const ids = scenario ? [assertScenarioId(scenario)] : [...SCENARIO_IDS];
  const out: StopResult[] = [];
  const t = host.transport;
  for (const id of ids) {
    const labDir = labDirOf(host.stateDir, id);
    const labId = labIdOf(host.stateDir, id);
    const state = await readState(host, id);
    const before = await countMarked(host, labId);
    const dirExists = (await t.run(`test -d ${shq(labDir)}`)).ok;
    if (!state && !dirExists && before === 0) continue;
    const unit = state?.unit ?? unitNameOf(labId);
    const script = [
      `command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && { systemctl stop ${shq(unit)} 2>/dev/null; systemctl reset-failed ${shq(unit)} 2>/dev/null; }`,
      // TERM first so the launcher's trap removes scratch data, then KILL whatever is left
      `pg=$(cat ${shq(`${labDir}/pgid`)} 2>/dev/null); [ -n "$pg" ] && grep -qzxF ${shq(`LABCTL_LAB=${labId}`)} /proc/$pg/environ 2>/dev/null && kill -TERM -$pg 2>/dev/null`,
      `for p in $(${markerPids(labId)}); do kill -TERM $p 2>/dev/null; done`,
      `i=0; while [ $i -lt 20 ] && [ -n "$(${markerPids(labId)})" ]; do sleep 0.1; i=$((i+1)); done`,
      `for round in 1 2 3; do for p in $(${markerPids(labId)}); do kill -KILL $p 2>/dev/null; done; [ -z "$(${markerPids(labId)})" ] && break; sleep 0.2; done`,
      `rm -rf ${shq(labDir)}`,
      `test -z "$(${markerPids(labId)})"`,
    ].join('\n');
    const r = await t.run(script, { timeoutMs: 30_000 });
    if (!r.ok) {
      throw new LabError(`${t.describe()}: could not stop every ${id} process (${(r.stderr || r.stdout).trim().slice(0, 200)})`, `look for leftovers: grep -lz LABCTL_LAB=${labId} /proc/*/environ`);
    }
    out.push({ scenario: id, killed: before, removed: dirExists });
  }
  return out;
}
