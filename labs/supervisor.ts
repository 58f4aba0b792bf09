import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { MANIFEST_FILE, type LabManifest } from '../grader/manifest.ts';
import { assertScenarioId, SCENARIO_IDS, validateSeed, variantFacts, type ScenarioId } from '../scenarios/variants.ts';
import { LabError } from './errors.ts';
import { faultFor, type FaultSpec } from './faults/index.ts';
import type { LabHost } from './host.ts';
import { normaliseFsType } from './probe.ts';
import { shq, writeFilesCommand } from './shell.ts';
import { mustSucceed, type RunResult } from './transport.ts';

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

/** Shell that lists the pids carrying a lab's marker (one grep over all environ files). */
function markerPids(labId: string): string {
  return `grep -lzxF ${shq(`LABCTL_LAB=${labId}`)} /proc/[0-9]*/environ 2>/dev/null | sed -n 's#^/proc/\\([0-9]*\\)/environ$#\\1#p' | grep -vx "$$"`;
}

function parseState(text: string): LabState | null {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as LabState;
  } catch {
    // a torn state file (labctl killed while writing) still means "something may run": stop sweeps by marker
    return null;
  }
}

export async function readState(host: LabHost, scenario: ScenarioId): Promise<LabState | null> {
  const r = await host.transport.run(`cat ${shq(`${labDirOf(host.stateDir, scenario)}/${STATE_FILE}`)} 2>/dev/null`);
  return r.ok ? parseState(r.stdout) : null;
}

/** Shell that replaces the state file atomically (write, then rename), so a reader never sees half of it. */
function writeStateCommand(state: LabState): string {
  const path = `${state.labDir}/${STATE_FILE}`;
  return `${writeFilesCommand([{ path: `${path}.tmp`, content: `${JSON.stringify(state, null, 2)}\n` }])} && mv -f ${shq(`${path}.tmp`)} ${shq(path)}`;
}

async function writeState(host: LabHost, state: LabState): Promise<void> {
  mustSucceed(await host.transport.run(writeStateCommand(state)), `saving ${state.labDir}/${STATE_FILE}`);
}

/** Shell that prints a lab's state file, whether its folder exists and how many marked processes run. */
export function statusScript(stateDir: string, scenario: ScenarioId): string {
  const labDir = labDirOf(stateDir, scenario);
  return `cat ${shq(`${labDir}/${STATE_FILE}`)} 2>/dev/null; echo; echo "__DIR=$(test -d ${shq(labDir)} && echo 1 || echo 0)"; echo "__PROCS=$(${markerPids(labIdOf(stateDir, scenario))} | wc -l)"`;
}

function parseStatus(scenario: ScenarioId, stdout: string): LabStatus | null {
  const [json, tail = ''] = stdout.split('__DIR=');
  const dirExists = tail.startsWith('1');
  const processes = Number.parseInt(/__PROCS=\s*(\d+)/.exec(tail)?.[1] ?? '0', 10);
  const state = parseState(json);
  if (!state && !dirExists && processes === 0) return null;
  const remainingSec = state ? Math.round((Date.parse(state.expiresAt) - Date.now()) / 1000) : null;
  let status: LabStatus['status'];
  if (!state || state.phase === 'starting') status = 'starting';
  else if (processes > 0) status = 'running';
  else status = remainingSec !== null && remainingSec <= 0 ? 'expired' : 'dead';
  return { scenario, status, state, processes, remainingSec };
}

export async function statusOf(host: LabHost, scenario: ScenarioId): Promise<LabStatus | null> {
  // one round trip: state file, whether the folder exists, how many marked processes run
  const r = await host.transport.run(statusScript(host.stateDir, scenario));
  return parseStatus(scenario, r.stdout);
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

  const facts = variantFacts(scenario, seed);
  const spec = faultFor(scenario, facts);
  const labDir = labDirOf(host.stateDir, scenario);
  const labId = labIdOf(host.stateDir, scenario);
  const manifestPath = `${labDir}/${MANIFEST_FILE}`;

  // one round trip: what runs already (with its manifest, should it be the same seed), the preflight checks, systemd
  const pre = await t.run(
    [
      `${statusScript(host.stateDir, scenario)}; echo "__MANIFEST="; cat ${shq(manifestPath)} 2>/dev/null; echo; echo "__MANIFEST_END="`,
      preflightScript(spec),
    ].join('\n'),
  );
  const [statusOut, rest = ''] = pre.stdout.split('__MANIFEST=\n');
  const [manifestText, checksOut = ''] = rest.split('__MANIFEST_END=\n');
  const existing = parseStatus(scenario, statusOut);
  if (existing?.status === 'running' && existing.state) {
    if (existing.state.seed === seed) {
      const text = existing.state.manifestPath === manifestPath && manifestText.trim() ? manifestText : await t.readText(existing.state.manifestPath);
      const manifest = JSON.parse(text) as LabManifest;
      return { state: existing.state, manifest, manifestPath: existing.state.manifestPath, already: true };
    }
    throw new LabError(
      `${scenario} is already running on ${t.describe()} with seed ${existing.state.seed}`,
      `stop it first: labctl lab stop ${scenario}`,
    );
  }
  let checks = checksOut;
  if (existing) {
    await stopFault(host, scenario); // expired, dead or half-injected leftovers
    // the leftovers may have been what a check tripped on (a port still taken): check again without them
    checks = (await t.run(preflightScript(spec))).stdout;
  }
  const failed = /__FAIL=(\d+)/.exec(checks);
  if (failed) {
    const p = spec.preflight[Number(failed[1])];
    throw new LabError(`${t.describe()}: cannot inject ${scenario}: ${p.message}`, p.hint);
  }
  const supervisor: SupervisorKind = checks.includes('__SUP=systemd') ? 'systemd' : 'process-group';

  const now = new Date();
  const expires = new Date(now.getTime() + ttlSec * 1000);
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

  // The state file goes first (the script stops if it cannot be written): if labctl dies after it, `stop` knows what to clean.
  const createStep = `{ mkdir -p ${shq(`${labDir}/bin`)} ${shq(`${labDir}/pids`)} && ${writeStateCommand(state)}; } || exit 1\necho ${STAGE_CREATED}`;
  // program files, launcher, build, and the data dir's file system
  const files = [
    ...spec.files.map((f) => ({ ...f, path: `${labDir}/${f.path}` })),
    { path: `${labDir}/${LAUNCHER}`, content: launcherScript(scenario, seed, spec), mode: 0o755 },
  ];
  const build = spec.build ? `LABCTL_LAB=${shq(labId)} ${spec.build} > build.log 2>&1 || { cat build.log >&2; exit 1; }` : 'true';
  const probesFs = scenario === 'fsync-latency';
  const fsProbe = probesFs ? '&& mkdir -p data && echo "__FS=$(findmnt -n -o FSTYPE -T data 2>/dev/null | head -1 | grep . || stat -f -c %T data)"' : '';
  const prepareStep = `{ ${writeFilesCommand(files)} && cd ${shq(labDir)} && ${build} ${fsProbe}; } || exit 1\necho ${STAGE_PREPARED}`;
  const prepareTimeoutMs = 120_000;
  const readyTimeout = opts.readyTimeoutSec ?? 15;
  const startTimeoutMs = (readyTimeout + 30) * 1000;
  const manifestFor = (): LabManifest => ({
    scenario,
    seed,
    ...(opts.learner ? { learner: opts.learner } : {}),
    host: opts.hostLabel ?? (t.remote ? t.describe().replace(/^ssh /, '') : hostname()),
    createdAt: state.startedAt,
    expiresAt: state.expiresAt,
    facts,
  });

  try {
    let manifest: LabManifest;
    let started: RunResult;
    if (probesFs) {
      // the manifest records the file system the probe finds: create and prepare first, then start
      const prepared = await t.run(`${createStep}\n${prepareStep}`, { timeoutMs: prepareTimeoutMs });
      failedStage(host, scenario, spec, prepared, labDir);
      facts.fs_type = normaliseFsType(/__FS=(.*)/.exec(prepared.stdout)?.[1]?.trim() ?? '');
      manifest = manifestFor();
      started = await t.run(startScript(state, spec, manifest, readyTimeout), { timeoutMs: startTimeoutMs });
    } else {
      // one round trip: state file, program files, build, manifest, launch, wait until visible, pids and pgid
      manifest = manifestFor();
      started = await t.run(`${createStep}\n${prepareStep}\n${startScript(state, spec, manifest, readyTimeout)}`, { timeoutMs: prepareTimeoutMs + startTimeoutMs });
      failedStage(host, scenario, spec, started, labDir);
    }
    mustSucceed(started, `${t.describe()}: starting ${scenario}`);
    if (started.stdout.includes('__NOTREADY')) {
      const log = started.stdout.split('__NOTREADY')[1].trim();
      throw new LabError(`${t.describe()}: ${scenario} did not come up within ${readyTimeout}s${log ? `; its log:\n${log}` : ''}`, 'run `labctl lab probe` and `labctl lab setup`, then inject again');
    }
    for (const m of started.stdout.matchAll(/^__PID (\S+) (\d+)$/gm)) state.pids[m[1]] = Number(m[2]);
    const pgid = Number.parseInt(/__PGID (\d+)/.exec(started.stdout)?.[1] ?? '', 10);
    if (supervisor === 'process-group' && pgid > 0) state.pgid = pgid;
    state.phase = 'running';
    await writeState(host, state);
    return { state, manifest, manifestPath, already: false };
  } catch (err) {
    if (err instanceof StateNotCreated) throw err.error;
    await stopFault(host, scenario).catch(() => undefined);
    throw err;
  }
}

/** Shell that prints the index of the first failing preflight check (`__FAIL=i`), and whether systemd runs (`__SUP=`). */
export function preflightScript(spec: FaultSpec): string {
  return [
    ...spec.preflight.map((p, i) => `{ ${p.check}; } >/dev/null 2>&1 || { echo "__FAIL=${i}"; exit 0; }`),
    `if [ "${process.env.LABCTL_NO_SYSTEMD === '1' ? 1 : 0}" = 0 ] && [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then echo __SUP=systemd; else echo __SUP=process-group; fi`,
  ].join('\n');
}

const STAGE_CREATED = '__STAGE=created';
const STAGE_PREPARED = '__STAGE=prepared';

/** The state file was never written: nothing was started, so there is nothing for `stop` to clean. */
class StateNotCreated extends Error {
  constructor(readonly error: LabError) {
    super(error.message);
  }
}

/**
 * Throws the error of the step an inject script stopped in, before the start step (which the caller checks):
 * the script echoes a stage marker after each step that succeeded.
 */
function failedStage(host: LabHost, scenario: ScenarioId, spec: FaultSpec, res: RunResult, labDir: string): void {
  const t = host.transport;
  if (!res.stdout.includes(STAGE_CREATED)) {
    try {
      mustSucceed({ ...res, ok: false }, `creating ${labDir}`, 'is the state dir writable? set LABCTL_STATE_DIR');
    } catch (err) {
      throw new StateNotCreated(err as LabError);
    }
  }
  if (!res.stdout.includes(STAGE_PREPARED)) {
    mustSucceed({ ...res, ok: false }, `${t.describe()}: preparing ${scenario}${spec.build ? ' (building its program)' : ''}`, 'is gcc installed and working? run `labctl lab setup`');
  }
}

/** Shell that writes the manifest, launches the fault, waits until it is visible and reports pids and pgid. */
function startScript(state: LabState, spec: FaultSpec, manifest: LabManifest, readyTimeout: number): string {
  const waitReady = `i=0; while [ $i -lt ${readyTimeout * 5} ]; do ${spec.processes.map((p) => `test -s ${shq(`pids/${p.name}`)} &&`).join(' ')} { ${spec.ready}; } >/dev/null 2>&1 && break; i=$((i+1)); sleep 0.2; done; [ $i -lt ${readyTimeout * 5} ] || { echo "__NOTREADY"; tail -n 20 ${LOG} 2>/dev/null; exit 0; }`;
  return [
    writeFilesCommand([{ path: state.manifestPath, content: `${JSON.stringify(manifest, null, 2)}\n` }]),
    `cd ${shq(state.labDir)}`,
    launchCommand(state),
    waitReady,
    `for f in pids/*; do [ -f "$f" ] && echo "__PID $(basename "$f") $(cat "$f")"; done`,
    'echo "__PGID $(cat pgid 2>/dev/null)"',
  ].join('\n');
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
    const unit = unitNameOf(labId);
    const marked = markerPids(labId);
    // one round trip: stop, sweep by marker, remove, report what there was
    const script = [
      `before=$(${marked} | wc -l); existed=0; [ -d ${shq(labDir)} ] && existed=1`,
      `echo "__BEFORE=$before __EXISTED=$existed"`,
      `[ "$before" -eq 0 ] && [ "$existed" -eq 0 ] && exit 0`,
      `command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && { systemctl stop ${shq(unit)} 2>/dev/null; systemctl reset-failed ${shq(unit)} 2>/dev/null; }`,
      // TERM first so the launcher's trap removes scratch data, then KILL whatever is left
      `pg=$(cat ${shq(`${labDir}/pgid`)} 2>/dev/null); [ -n "$pg" ] && grep -qzxF ${shq(`LABCTL_LAB=${labId}`)} /proc/$pg/environ 2>/dev/null && kill -TERM -$pg 2>/dev/null`,
      `for p in $(${marked}); do kill -TERM $p 2>/dev/null; done`,
      `i=0; while [ $i -lt 20 ] && [ -n "$(${marked})" ]; do sleep 0.1; i=$((i+1)); done`,
      `for round in 1 2 3; do for p in $(${marked}); do kill -KILL $p 2>/dev/null; done; [ -z "$(${marked})" ] && break; sleep 0.2; done`,
      `rm -rf ${shq(labDir)}`,
      `test -z "$(${marked})"`,
    ].join('\n');
    const r = await t.run(script, { timeoutMs: 30_000 });
    if (!r.ok) {
      throw new LabError(`${t.describe()}: could not stop every ${id} process (${(r.stderr || r.stdout).trim().slice(0, 200)})`, `look for leftovers: grep -lz LABCTL_LAB=${labId} /proc/*/environ`);
    }
    const before = Number(/__BEFORE=(\d+)/.exec(r.stdout)?.[1] ?? 0);
    const existed = /__EXISTED=1/.test(r.stdout);
    if (before === 0 && !existed) continue;
    out.push({ scenario: id, killed: before, removed: existed });
  }
  return out;
}
