import { createHash } from 'node:crypto';
import { LabctlError } from '../core/errors.ts';
import type { Facts } from '../grader/manifest.ts';

/**
 * Per-learner variants (DESIGN.md): `seed = hash(classroom secret, learner id, scenario id)`, and the
 * names marked "varies" are drawn from the seed. Same seed, same lab, same expected facts; the seed
 * `default` is the variant the bundled examples and the docs use.
 */

export const SCENARIO_IDS = ['ghost-load', 'offcpu-lock', 'fsync-latency'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export const DEFAULT_SEED = 'default';
const SEED_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** A bad scenario id or seed: a user error (exit 2) with a hint. */
export class VariantError extends LabctlError {
  override name = 'VariantError';
}

export function isScenarioId(id: string): id is ScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(id);
}

export function assertScenarioId(id: string): ScenarioId {
  if (!isScenarioId(id)) {
    throw new VariantError(`unknown scenario "${id}"`, `use one of: ${SCENARIO_IDS.join(', ')}`);
  }
  return id;
}

export function validateSeed(seed: string): string {
  if (typeof seed !== 'string' || !SEED_RE.test(seed)) {
    throw new VariantError(
      `bad seed ${JSON.stringify(seed)}: expected 1-64 characters from A-Z a-z 0-9 . _ -`,
      'pass --seed with letters, digits, dots, dashes or underscores, or leave it out to derive one from --learner and --secret',
    );
  }
  return seed;
}

/**
 * sha256 over the three parts joined by NUL (which none of them can contain), so
 * ("a:b", "c") and ("a", "b:c") never collide; first 16 hex chars.
 */
export function deriveSeed(classroomSecret: string, learnerId: string, scenarioId: string): string {
  for (const [name, value] of [['classroom secret', classroomSecret], ['learner id', learnerId], ['scenario id', scenarioId]]) {
    if (!value) throw new VariantError(`cannot derive a seed: the ${name} is empty`);
    if (value.includes('\0')) throw new VariantError(`cannot derive a seed: the ${name} contains a NUL byte`);
  }
  return createHash('sha256').update(`ebpf-classroom/v1\0${classroomSecret}\0${learnerId}\0${scenarioId}`).digest('hex').slice(0, 16);
}

const DEFAULTS: Record<ScenarioId, Facts> = {
  'ghost-load': {
    culprit_comm: 'curl',
    parent_comm: 'health-check.sh',
    url: 'http://127.0.0.1:8089/healthz',
    min_rate_per_sec: 5,
    helpers: 'date,sh',
  },
  'offcpu-lock': { process_comm: 'orderd', hot_function: 'update_inventory', threads: 8 },
  'fsync-latency': { process_comm: 'ledgerd', file_name: 'ledger.wal', fs_type: 'ext4' },
};

// Pools: plausible names a real host could run. Script names end in .sh and fit in TASK_COMM_LEN (15 chars)
// so execsnoop prints them whole; process names fit too.
const LOOP_SCRIPTS = [
  'probe-api.sh', 'uptime-mon.sh', 'svc-watch.sh', 'ping-backend.sh', 'hc-loop.sh', 'keepalive.sh',
  'status-poll.sh', 'check-web.sh', 'liveness.sh', 'watchdog.sh', 'poll-health.sh', 'edge-probe.sh',
];
const URL_PATHS = ['/healthz', '/status', '/ping', '/api/health', '/ready', '/metrics', '/live', '/v1/ping'];
const LOCK_COMMS = ['orderd', 'stockd', 'billingd', 'cartd', 'pricingd', 'quoted', 'ledgersvc', 'shipd', 'invoiced', 'catalogd'];
const HOT_FUNCTIONS = [
  'update_inventory', 'reserve_stock', 'apply_discount', 'commit_order', 'refresh_prices', 'settle_invoice',
  'allocate_slot', 'merge_cart', 'rebuild_index', 'record_payment', 'reprice_items', 'flush_counters',
];
const FSYNC_COMMS = [
  'ledgerd', 'journal-lite', 'auditlogd', 'eventstore', 'walwriter', 'txlogd', 'metricsd', 'queued', 'spoold', 'ackd',
  'outboxd', 'paylogd', 'commitd', 'changefeed', 'recorderd', 'appendd',
];
const FILE_STEMS = [
  'ledger', 'events', 'journal', 'audit', 'tx', 'queue', 'spool', 'orders', 'state', 'acks', 'append', 'oplog',
  'payments', 'changes', 'outbox', 'commits',
];
const FILE_EXTS = ['wal', 'log', 'dat', 'db', 'bin'];

/**
 * Whether `value` is a name some lab could give `fact` (a loop script, a service...): only such a name,
 * where this lab expected another, is evidence of another learner's lab. Names outside the pools belong
 * to whatever else runs on the host.
 */
export function isVariantName(fact: string, value: string): boolean {
  const pools: Record<string, readonly string[]> = {
    parent_comm: [...LOOP_SCRIPTS, DEFAULTS['ghost-load'].parent_comm as string],
  };
  return pools[fact]?.includes(value) ?? false;
}

/** Deterministic draws from the seed: each draw hashes (seed, label) so adding a draw never shifts the others. */
function draw(seed: string, label: string): number {
  return createHash('sha256').update(`${seed}\0${label}`).digest().readUInt32BE(0);
}
const pick = <T>(seed: string, label: string, pool: readonly T[]): T => pool[draw(seed, label) % pool.length];
const between = (seed: string, label: string, lo: number, hi: number): number => lo + (draw(seed, label) % (hi - lo + 1));

/**
 * Facts the lab host observes at inject instead of drawing them from the seed (the data dir's file
 * system): the only manifest facts that cannot be derived from (class secret, learner, scenario).
 */
export const HOST_OBSERVED_FACTS: Readonly<Record<ScenarioId, readonly string[]>> = {
  'ghost-load': [],
  'offcpu-lock': [],
  'fsync-latency': ['fs_type'],
};

export function defaultFacts(scenarioId: string): Facts {
  return { ...DEFAULTS[assertScenarioId(scenarioId)] };
}

/** The expected facts of one learner's lab. `fs_type` of fsync-latency is a placeholder: inject writes the real one. */
export function variantFacts(scenarioId: string, seed: string): Facts {
  const id = assertScenarioId(scenarioId);
  validateSeed(seed);
  if (seed === DEFAULT_SEED) return defaultFacts(id);
  switch (id) {
    case 'ghost-load':
      return {
        culprit_comm: 'curl',
        parent_comm: pick(seed, 'parent_comm', LOOP_SCRIPTS),
        url: `http://127.0.0.1:${between(seed, 'port', 8000, 8999)}${pick(seed, 'path', URL_PATHS)}`,
        min_rate_per_sec: 5,
        helpers: 'date,sh',
      };
    case 'offcpu-lock':
      return {
        process_comm: pick(seed, 'process_comm', LOCK_COMMS),
        hot_function: pick(seed, 'hot_function', HOT_FUNCTIONS),
        threads: between(seed, 'threads', 4, 12),
      };
    case 'fsync-latency':
      return {
        process_comm: pick(seed, 'process_comm', FSYNC_COMMS),
        file_name: `${pick(seed, 'file_stem', FILE_STEMS)}.${pick(seed, 'file_ext', FILE_EXTS)}`,
        fs_type: 'ext4',
      };
  }
}
