import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { MANIFEST_FILE, type LabManifest } from '../grader/manifest.ts';
import { LEARNER_KEY_FILE } from '../grader/provenance/key.ts';
import { looksSealed, sealManifest, SealedManifestSchema } from '../grader/sealed-manifest.ts';
import { loadScenario } from '../scenarios/load.ts';
import { assertScenarioId, SCENARIO_IDS, validateSeed, variantFacts, type ScenarioId } from '../scenarios/variants.ts';
import { LabError } from './errors.ts';
import { faultFor, type FaultSpec } from './faults/index.ts';
import type { LabHost } from './host.ts';
import { OWNER_FILE } from './paths.ts';
import { normaliseFsType } from './probe.ts';
import { formatDuration as formatTtl } from './duration.ts';
import { shq, writeFilesCommand } from './shell.ts';
import { mustSucceed, type RunResult } from './transport.ts';

/**
 * Starts, watches and stops faults. Every fault runs under a TTL and stops by itself: a small watchdog
 * (its own session, or a transient systemd unit with CPU/IO limits where systemd runs) sleeps until the
 * time in `expires-at` (which `lab extend` moves), then runs `expire.sh`, which ends every process of the
 * lab and removes its files. Every process of a fault carries the env marker LABCTL_LAB=<lab id>, so stop
 * and expiry find all of them even when labctl died mid-inject before it could record a pid. The state
 * file is written before anything starts. After a stop or expiry the lab manifest stays (and the learner
 * key beside it), so a learner can still `labctl submit`; `lab stop --purge` removes them too.
 *
 * The learner is root on the lab host, so nothing labctl leaves there names the answers: the manifest is
 * the sealed one (grader/sealed-manifest.ts), the state keeps a hash of the seed (`variant`), not the
 * seed, pid files are named by role, and build inputs are removed once built. What the fault's own
 * processes run from (their programs, scripts, data) is the incident itself. The plaintext manifest
 * goes back to the caller (`InjectResult.manifest`): the instructor's copy.
 */

export const DEFAULT_TTL_SEC = 3600;
export const STATE_FILE = 'state.json';
const LAUNCHER = 'run.sh';
const EXPIRE = 'expire.sh';
const WATCHDOG = 'watchdog.sh';
const EXPIRES_AT = 'expires-at';
const LOG = 'fault.log';
/** systemd's own limit on a unit, beyond the TTL: a backstop should the watchdog die (extend within it) */
const SYSTEMD_BACKSTOP_SEC = 12 * 3600;

export type SupervisorKind = 'systemd' | 'process-group';

export interface LabState {
  scenario: ScenarioId;
  /** hash of the seed ({@link variantTag}): the same seed gives the same tag; the seed itself is not kept */
  variant: string;
  /** state files written before the seed was sealed away kept it in the clear */
  seed?: string;
  learner?: string;
  labId: string;
  supervisor: SupervisorKind;
  unit?: string;
  /** process group (= session) id of the fault, process-group supervisor only */
  pgid?: number;
  /** role (`service`, `loop`, `http-server`) -> pid */
  pids: Record<string, number>;
  port?: number;
  labDir: string;
  manifestPath: string;
  dataFiles: string[];
  startedAt: string;
  expiresAt: string;
  ttlSec: number;
  /** the manifest's `host` */
  hostLabel?: string;
  /** stopped (lab stop), expired (its TTL), died (every process ended before the TTL): only the manifest is left */
  phase: 'starting' | 'running' | 'stopped' | 'expired' | 'died';
  endedAt?: string;
}

const ENDED: readonly LabState['phase'][] = ['stopped', 'expired', 'died'];
export const hasEnded = (s: LabState | null): boolean => s !== null && ENDED.includes(s.phase);

export interface LabStatus {
  scenario: ScenarioId;
  /**
   * running: processes alive; expired: TTL passed and nothing runs; stopped: `lab stop` ended it; dead: nothing
   * runs before the TTL; starting: inject in progress or interrupted. After stopped/expired/dead only the
   * manifest is left (for a late submit).
   */
  status: 'running' | 'expired' | 'stopped' | 'dead' | 'starting';
  state: LabState | null;
  processes: number;
  /** pids of the lab's processes alive now (the state's pids may name processes that have ended) */
  alive: number[];
  remainingSec: number | null;
}

export function labDirOf(stateDir: string, scenario: ScenarioId): string {
  return `${stateDir}/${scenario}`;
}

/** Stable per (state dir, scenario): two state dirs on one host (tests, classrooms) never touch each other's faults. */
export function labIdOf(stateDir: string, scenario: ScenarioId): string {
  return `${scenario}.${createHash('sha256').update(stateDir).digest('hex').slice(0, 10)}`;
}

/** What a lab's state records of its seed: enough to tell the same seed again, too little to draw its names from. */
export function variantTag(labId: string, seed: string): string {
  return createHash('sha256').update(`labctl-variant\0${labId}\0${seed}`).digest('hex');
}

/** Whether `seed` is the one the lab was injected with (old state files keep it in the clear). */
export function isSeedOf(state: LabState, seed: string): boolean {
  return state.seed !== undefined ? state.seed === seed : state.variant === variantTag(state.labId, seed);
}

/** How status output names a lab's variant: the seed of an old state, else a short hash of it. */
export const variantLabel = (state: LabState): string => state.seed ?? `#${state.variant.slice(0, 8)}`;

export function unitNameOf(labId: string): string {
  return `labctl-${labId.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/** The launcher each fault runs: starts the processes, records their pids, cleans its scratch data on stop/expiry. */
export function launcherScript(scenario: ScenarioId, spec: FaultSpec): string {
  const scratch = spec.scratch.length ? `rm -rf ${spec.scratch.map(shq).join(' ')}` : ':';
  return [
    '#!/bin/sh',
    `# labctl fault launcher: ${scenario}. Runs in its own process group under a TTL;`,
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

/**
 * Run when the TTL ends (by the watchdog), and by systemd after its unit stops: ends what is left of the
 * lab, removes its files, keeps the manifest (and the state, rewritten as ended) so a late submit works.
 * It re-executes itself without the marker first, so neither it nor its own forks count as the lab's.
 */
export function expireScript(state: LabState): string {
  const ended = (phase: LabState['phase']) => JSON.stringify({ ...state, pids: {}, pgid: undefined, phase, endedAt: '__ENDED_AT__' }, null, 2);
  return [
    '#!/bin/sh',
    `# labctl: ends lab ${state.labId} (${state.scenario}) at its expiry; keeps lab-manifest.json for a late submit.`,
    `[ -n "$LABCTL_LAB" ] && exec env -u LABCTL_LAB sh "$0" "$@"`,
    'cd "$(dirname "$0")" || exit 0',
    `marked() { ${markerPids(state.labId)}; }`,
    'for p in $(marked); do kill -TERM $p 2>/dev/null; done',
    'i=0; while [ $i -lt 20 ] && [ -n "$(marked)" ]; do sleep 0.1; i=$((i+1)); done',
    'for round in 1 2 3; do for p in $(marked); do kill -KILL $p 2>/dev/null; done; [ -z "$(marked)" ] && break; sleep 0.2; done',
    // a stop that got here first has already tidied up and said why the lab ended
    `grep -q '"phase": "\\(stopped\\|expired\\|died\\)"' ${STATE_FILE} 2>/dev/null && exit 0`,
    `now=$(date +%s); read exp < ${EXPIRES_AT} 2>/dev/null || exp=0; phase=expired; [ "$now" -lt "$exp" ] && phase=died`,
    `if [ $phase = expired ]; then cat > ${STATE_FILE}.tmp <<'LABCTL_STATE'`,
    ended('expired'),
    'LABCTL_STATE',
    `else cat > ${STATE_FILE}.tmp <<'LABCTL_STATE'`,
    ended('died'),
    'LABCTL_STATE',
    'fi',
    `sed -i "s/__ENDED_AT__/$(date -u +%Y-%m-%dT%H:%M:%S.000Z)/" ${STATE_FILE}.tmp && mv -f ${STATE_FILE}.tmp ${STATE_FILE}`,
    `find . -mindepth 1 -maxdepth 1 ! -name 'lab-manifest*' ! -name ${STATE_FILE} -exec rm -rf {} +`,
    '',
  ].join('\n');
}

/**
 * The watchdog: starts the launcher, sleeps until the epoch second in `expires-at` (re-read at least every
 * minute, so `lab extend` only has to rewrite it) or until the launcher has ended by itself, then becomes
 * expire.sh. It forks one `sleep` and one `date` per wake-up, so learners' exec traces stay quiet.
 */
export function watchdogScript(labId: string): string {
  return [
    '#!/bin/sh',
    '# labctl watchdog: runs the fault until the time in expires-at, then expire.sh. Not marked itself, so the',
    "# lab's processes are the fault's only.",
    'cd "$(dirname "$0")" || exit 1',
    `LABCTL_LAB=${shq(labId)} sh ./${LAUNCHER} & child=$!`,
    'while kill -0 $child 2>/dev/null; do',
    `  read exp < ${EXPIRES_AT} || exp=0; left=$((exp - $(date +%s)))`,
    '  [ $left -le 0 ] && break',
    '  [ $left -gt 60 ] && left=60',
    '  sleep $left',
    'done',
    `exec sh ./${EXPIRE}`,
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
  return `cat ${shq(`${labDir}/${STATE_FILE}`)} 2>/dev/null; echo; echo "__DIR=$(test -d ${shq(labDir)} && echo 1 || echo 0)"; echo "__PROCS=$(${markerPids(labIdOf(stateDir, scenario))} | tr '\\n' ' ')"`;
}

function parseStatus(scenario: ScenarioId, stdout: string): LabStatus | null {
  const [json, tail = ''] = stdout.split('__DIR=');
  const dirExists = tail.startsWith('1');
  const alive = (/__PROCS=(.*)/.exec(tail)?.[1] ?? '').split(/\s+/).filter(Boolean).map(Number);
  const processes = alive.length;
  const state = parseState(json);
  if (!state && !dirExists && processes === 0) return null;
  const remainingSec = state ? Math.round((Date.parse(state.expiresAt) - Date.now()) / 1000) : null;
  let status: LabStatus['status'];
  if (processes > 0 && state?.phase !== 'starting') status = 'running';
  else if (!state || state.phase === 'starting') status = 'starting';
  else if (state.phase === 'stopped') status = 'stopped';
  else if (state.phase === 'died') status = 'dead';
  else status = state.phase === 'expired' || (remainingSec !== null && remainingSec <= 0) ? 'expired' : 'dead';
  return { scenario, status, state, processes, alive, remainingSec };
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
    const same = isSeedOf(existing.state, seed);
    if (same && existing.state.ttlSec !== ttlSec) {
      throw new LabError(
        `${scenario} is already running on ${t.describe()} (seed ${seed}, expires ${existing.state.expiresAt}); inject with another --ttl does not change it`,
        `move its expiry: labctl lab extend ${scenario} --by DURATION; or start it afresh with the new TTL: labctl lab reset ${scenario} --ttl ${formatTtl(ttlSec)}`,
      );
    }
    if (same) {
      const text = existing.state.manifestPath === manifestPath && manifestText.trim() ? manifestText : await t.readText(existing.state.manifestPath);
      const manifest = instructorManifest(JSON.parse(text) as unknown, seed);
      return { state: existing.state, manifest, manifestPath: existing.state.manifestPath, already: true };
    }
    throw new LabError(
      `${scenario} is already running on ${t.describe()} with another seed (${variantLabel(existing.state)})`,
      `stop it first: labctl lab stop ${scenario}`,
    );
  }
  let checks = checksOut;
  if (existing) {
    await stopFault(host, scenario, { purge: true }); // expired, dead or half-injected leftovers
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
  const hostLabel = opts.hostLabel ?? (t.remote ? t.describe().replace(/^ssh /, '') : hostname());
  const state: LabState = {
    scenario,
    variant: variantTag(labId, seed),
    ...(opts.learner ? { learner: opts.learner } : {}),
    hostLabel,
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
  // mode 700: the fault's sources and manifest name what the learner must find; not readable by other users
  const createStep = `{ mkdir -p ${shq(`${labDir}/bin`)} ${shq(`${labDir}/pids`)} && chmod 700 ${shq(labDir)} && ${writeStateCommand(state)}; } || exit 1\necho ${STAGE_CREATED}`;
  // program files, launcher, build, and the data dir's file system
  const files = [
    ...spec.files.map((f) => ({ ...f, path: `${labDir}/${f.path}` })),
    { path: `${labDir}/${LAUNCHER}`, content: launcherScript(scenario, spec), mode: 0o755 },
    { path: `${labDir}/${WATCHDOG}`, content: watchdogScript(labId), mode: 0o755 },
    { path: `${labDir}/${EXPIRE}`, content: expireScript(state), mode: 0o755 },
    { path: `${labDir}/${EXPIRES_AT}`, content: `${Math.floor(expires.getTime() / 1000)}\n` },
  ];
  // the build's inputs (sources, its log) go once built: the program is what the fault runs
  const build = spec.build ? `{ LABCTL_LAB=${shq(labId)} ${spec.build} > build.log 2>&1 || { cat build.log >&2; exit 1; }; } && rm -rf src build.log` : 'true';
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
    host: hostLabel,
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
    await stopFault(host, scenario, { purge: true }).catch(() => undefined);
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
  // the host keeps the sealed manifest only: self-check and lab check match names by hash
  const sealed = sealManifest(manifest, loadScenario(manifest.scenario));
  const waitReady = `i=0; while [ $i -lt ${readyTimeout * 5} ]; do ${spec.processes.map((p) => `test -s ${shq(`pids/${p.name}`)} &&`).join(' ')} { ${spec.ready}; } >/dev/null 2>&1 && break; i=$((i+1)); sleep 0.2; done; [ $i -lt ${readyTimeout * 5} ] || { echo "__NOTREADY"; tail -n 20 ${LOG} 2>/dev/null; exit 0; }`;
  return [
    writeFilesCommand([{ path: state.manifestPath, content: `${JSON.stringify(sealed, null, 2)}\n` }]),
    `cd ${shq(state.labDir)}`,
    launchCommand(state),
    waitReady,
    `for f in pids/*; do [ -f "$f" ] && echo "__PID $(basename "$f") $(cat "$f")"; done`,
    'echo "__PGID $(cat pgid 2>/dev/null)"',
  ].join('\n');
}

function launchCommand(state: LabState): string {
  const dir = shq(state.labDir);
  if (state.supervisor === 'systemd') {
    return [
      'systemd-run --quiet --collect',
      `--unit=${shq(state.unit!)}`,
      `--property=RuntimeMaxSec=${state.ttlSec + SYSTEMD_BACKSTOP_SEC}`,
      '--property=CPUQuota=100%',
      '--property=IOWeight=50',
      shq(`--property=ExecStopPost=/bin/sh ${state.labDir}/${EXPIRE}`),
      `sh -c ${shq(`cd ${dir} && exec sh ./${WATCHDOG} >>${LOG} 2>&1`)}`,
    ].join(' ');
  }
  // setsid: own session and group, detached from labctl; the watchdog's pid is that group's id
  const inner = `echo $$ > pgid; exec sh ./${WATCHDOG}`;
  return `cd ${dir} && setsid sh -c ${shq(inner)} </dev/null >>${LOG} 2>&1 &`;
}

/**
 * The instructor's (plaintext) manifest of a lab already running with `seed`, from the manifest on its
 * host: a sealed one keeps only what the seed cannot give back (the file system the host observed).
 */
function instructorManifest(data: unknown, seed: string): LabManifest {
  if (!looksSealed(data)) return data as LabManifest;
  const sealed = SealedManifestSchema.parse(data);
  return {
    scenario: sealed.scenario,
    seed,
    ...(sealed.learner ? { learner: sealed.learner } : {}),
    ...(sealed.host ? { host: sealed.host } : {}),
    createdAt: sealed.createdAt,
    expiresAt: sealed.expiresAt,
    facts: { ...variantFacts(sealed.scenario, seed), ...sealed.shared },
  };
}

export interface StopResult {
  scenario: ScenarioId;
  /** processes that were still running */
  killed: number;
  /** the fault's files were removed */
  removed: boolean;
  /** the lab manifest was kept (for a late submit); false after --purge */
  kept: boolean;
}

export interface StopOptions {
  /** also remove the lab manifest (and, stopping every fault, the learner key): nothing of the lab is left */
  purge?: boolean;
}

/**
 * Stops one fault (or all): ends every marked process and waits until each has exited, removes the fault's
 * files, and keeps the manifest with the state marked "stopped" unless `purge`. Idempotent.
 */
export async function stopFault(host: LabHost, scenario?: string, opts: StopOptions = {}): Promise<StopResult[]> {
  const ids = scenario ? [assertScenarioId(scenario)] : [...SCENARIO_IDS];
  const out: StopResult[] = [];
  const t = host.transport;
  for (const id of ids) {
    const labDir = labDirOf(host.stateDir, id);
    const labId = labIdOf(host.stateDir, id);
    const unit = unitNameOf(labId);
    const marked = markerPids(labId);
    const state = `${labDir}/${STATE_FILE}`;
    // one round trip: stop, sweep by marker, wait for every process to be gone, tidy, report what there was
    const script = [
      `found=$(${marked}); before=$(echo $found | wc -w); existed=0; [ -d ${shq(labDir)} ] && existed=1`,
      `ended=0; grep -q '"phase": "\\(stopped\\|expired\\|died\\)"' ${shq(state)} 2>/dev/null && ended=1`,
      `echo "__BEFORE=$before __EXISTED=$existed __ENDED=$ended"`,
      `[ "$before" -eq 0 ] && [ "$existed" -eq 0 ] && exit 0`,
      opts.purge ? ':' : `[ "$before" -eq 0 ] && [ "$ended" -eq 1 ] && exit 0`,
      `echo __STATE; cat ${shq(state)} 2>/dev/null; echo; echo __STATE_END`,
      `command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && { systemctl stop ${shq(unit)} 2>/dev/null; systemctl reset-failed ${shq(unit)} 2>/dev/null; }`,
      // the watchdog (not marked) and its group first, so it cannot start expire.sh meanwhile
      `pg=$(cat ${shq(`${labDir}/pgid`)} 2>/dev/null); [ -n "$pg" ] && [ "$(cat /proc/$pg/cmdline 2>/dev/null | tr '\\0' ' ')" = "sh ./${WATCHDOG} " ] && { found="$found $pg"; kill -TERM -$pg 2>/dev/null; }`,
      // TERM first so the launcher's trap removes scratch data, then KILL whatever is left
      `for p in $(${marked}); do kill -TERM $p 2>/dev/null; done`,
      `i=0; while [ $i -lt 20 ] && [ -n "$(${marked})" ]; do sleep 0.1; i=$((i+1)); done`,
      `for round in 1 2 3; do for p in $(${marked}); do kill -KILL $p 2>/dev/null; found="$found $p"; done; [ -z "$(${marked})" ] && break; sleep 0.2; done`,
      // a killed process drops its marker (environ) before it has exited: wait for the pids themselves
      `i=0; while [ $i -lt 50 ]; do left=0; for p in $found; do [ -d /proc/$p ] && [ "$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -c1)" != Z ] && left=1; done; [ $left -eq 0 ] && break; sleep 0.1; i=$((i+1)); done`,
      `[ "$left" = 1 ] && { echo "__LEFT"; exit 1; }`,
      opts.purge
        ? `rm -rf ${shq(labDir)}`
        : `[ -d ${shq(labDir)} ] && find ${shq(labDir)} -mindepth 1 -maxdepth 1 ! -name 'lab-manifest*' ! -name ${STATE_FILE} -exec rm -rf {} +; ls ${shq(labDir)}/lab-manifest* >/dev/null 2>&1 && echo __KEPT || rm -rf ${shq(labDir)}`,
      `test -z "$(${marked})"`,
    ].join('\n');
    const r = await t.run(script, { timeoutMs: 30_000 });
    if (!r.ok) {
      throw new LabError(`${t.describe()}: could not stop every ${id} process (${(r.stderr || r.stdout).trim().slice(0, 200)})`, `look for leftovers: grep -lz LABCTL_LAB=${labId} /proc/*/environ`);
    }
    const before = Number(/__BEFORE=(\d+)/.exec(r.stdout)?.[1] ?? 0);
    const existed = /__EXISTED=1/.test(r.stdout);
    const wasEnded = /__ENDED=1/.test(r.stdout);
    if (before === 0 && !existed) continue;
    if (before === 0 && wasEnded && !opts.purge) continue; // already stopped or expired: nothing to do
    let kept = r.stdout.includes('__KEPT');
    if (kept) {
      const prior = parseState(/__STATE\n([\s\S]*?)\n__STATE_END/.exec(r.stdout)?.[1] ?? '');
      if (prior && !hasEnded(prior)) {
        await writeState(host, { ...prior, pids: {}, pgid: undefined, phase: 'stopped', endedAt: new Date().toISOString() });
      } else if (!prior) {
        // no readable state (labctl died mid-inject): nothing says whose lab it was, so nothing is worth keeping
        await t.run(`rm -rf ${shq(labDir)}`);
        kept = false;
      }
    }
    out.push({ scenario: id, killed: before, removed: existed, kept });
  }
  // the learner key and the owner file (labs/owner.ts): the host is free for another learner
  if (opts.purge && !scenario) await t.run(`rm -f ${shq(`${host.stateDir}/${LEARNER_KEY_FILE}`)} ${shq(`${host.stateDir}/${OWNER_FILE}`)}`);
  return out;
}

/**
 * Moves a running fault's expiry `bySec` later (from its current expiry, or from now if that has passed):
 * the watchdog re-reads `expires-at` when it wakes. The manifest keeps the expiry it was made with.
 */
export async function extendFault(host: LabHost, scenario: string, bySec: number): Promise<LabState> {
  const id = assertScenarioId(scenario);
  const t = host.transport;
  const st = await statusOf(host, id);
  if (!st?.state || st.status !== 'running') {
    throw new LabError(`${t.describe()}: ${id} is not running${st ? ` (${st.status})` : ''}: nothing to extend`, `start it again with the same variant: labctl lab reset ${id}`);
  }
  const from = Math.max(Date.parse(st.state.expiresAt), Date.now());
  const expires = new Date(from + bySec * 1000);
  if (st.state.supervisor === 'systemd') {
    const limit = Date.parse(st.state.startedAt) + (st.state.ttlSec + SYSTEMD_BACKSTOP_SEC) * 1000;
    if (expires.getTime() > limit) {
      throw new LabError(`${t.describe()}: ${id} can run until ${new Date(limit).toISOString()} at most (its systemd unit's limit)`, `start it afresh with a longer TTL: labctl lab reset ${id} --ttl DURATION`);
    }
  }
  const next: LabState = { ...st.state, expiresAt: expires.toISOString() };
  const files = [
    { path: `${next.labDir}/${EXPIRES_AT}.tmp`, content: `${Math.floor(expires.getTime() / 1000)}\n` },
    { path: `${next.labDir}/${EXPIRE}.tmp`, content: expireScript(next), mode: 0o755 },
  ];
  mustSucceed(
    await t.run(`${writeFilesCommand(files)} && mv -f ${shq(`${next.labDir}/${EXPIRE}.tmp`)} ${shq(`${next.labDir}/${EXPIRE}`)} && mv -f ${shq(`${next.labDir}/${EXPIRES_AT}.tmp`)} ${shq(`${next.labDir}/${EXPIRES_AT}`)} && ${writeStateCommand(next)}`),
    `${t.describe()}: extending ${id}`,
  );
  return next;
}

/** `extendFault` for one scenario, or for every fault running on the host. */
export async function extendFaults(host: LabHost, scenario: string | undefined, bySec: number): Promise<LabState[]> {
  if (scenario) return [await extendFault(host, scenario, bySec)];
  const running = (await labStatus(host)).filter((s) => s.status === 'running');
  if (!running.length) throw new LabError(`${host.transport.describe()}: no fault is running: nothing to extend`, 'labctl lab status; labctl lab reset SCENARIO');
  const out: LabState[] = [];
  for (const s of running) out.push(await extendFault(host, s.scenario, bySec));
  return out;
}

export interface ResetResult {
  scenario: ScenarioId;
  inject: InjectResult;
}

/**
 * Stops a fault (whatever its state: running, stopped, expired) and injects the same variant again, for the
 * same learner: a fresh start of the same lab. The TTL is `ttlSec`, else the one it was injected with.
 */
export async function resetFault(host: LabHost, scenario?: string, opts: { ttlSec?: number; seeds?: (learner: string | undefined, scenario: ScenarioId) => string[] } = {}): Promise<ResetResult[]> {
  const ids = scenario ? [assertScenarioId(scenario)] : [...SCENARIO_IDS];
  const out: ResetResult[] = [];
  for (const id of ids) {
    const st = await statusOf(host, id);
    if (!st?.state) {
      if (scenario) throw new LabError(`${host.transport.describe()}: ${id} was never injected here (or was purged): nothing to reset`, `labctl lab inject ${id}`);
      continue;
    }
    const prior = st.state;
    // the host keeps no seed: it is one of the caller's candidates (given, derived from the class secret, default)
    const seed = [...(prior.seed ? [prior.seed] : []), ...(opts.seeds?.(prior.learner, id) ?? [])].find((s) => isSeedOf(prior, s));
    if (!seed) {
      throw new LabError(
        `${host.transport.describe()}: ${id} was injected with a seed this host does not keep${prior.learner ? ` (learner ${prior.learner})` : ''}`,
        prior.learner ? 'give the class secret (--secret or LABCTL_CLASS_SECRET) so the seed can be derived again, or --seed' : 'pass the --seed it was injected with',
      );
    }
    await stopFault(host, id, { purge: true });
    const inject = await injectFault(host, { scenario: id, seed, ttlSec: opts.ttlSec ?? prior.ttlSec, learner: prior.learner, hostLabel: prior.hostLabel });
    out.push({ scenario: id, inject });
  }
  if (!out.length) throw new LabError(`${host.transport.describe()}: no lab to reset`, 'labctl lab inject SCENARIO');
  return out;
}
