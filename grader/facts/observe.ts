import type {
  Capture,
  CaptureOf,
  Counts,
  FsOpType,
  Histogram,
  HistogramSummary,
  ToolName,
} from '../parsers/types.ts';

/**
 * Facts observed in a learner's captures: what the tools actually showed, merged across files.
 * Rules compare these with the expected facts of the learner's lab manifest. Pure: captures in, data out.
 */
export interface Observations {
  /** tool -> number of captures */
  captures: Partial<Record<ToolName, number>>;
  exec?: ExecObservation;
  offcpu?: OffcpuObservation;
  runqlat?: LatencyObservation;
  biolatency?: LatencyObservation;
  fs?: FsObservation;
  syscount?: SyscountObservation;
  /** bpftrace histograms of fsync/fdatasync latency (map or key names mention sync) */
  fsyncHist?: LatencyObservation;
  opens?: OpensObservation;
  /** sync calls per comm from tools that see the calls but not their latency (syncsnoop.bt) */
  syncCalls?: Counts;
}

export interface ExecObservation {
  events: number;
  byComm: Counts;
  /** comm -> ppid -> count */
  parentsByComm: Record<string, Counts>;
  topArgsByComm: Record<string, string>;
  /** execs per second of each comm, from the captures that carry timestamps */
  ratePerSecByComm: Record<string, number>;
  /** seconds covered by timestamped captures (0 when none had timestamps) */
  timedSec: number;
}

export interface OffcpuObservation {
  totalUs: number;
  byComm: Record<string, number>;
  futexUs: number;
  futexByComm: Record<string, number>;
  stacks: { comm: string; pid: number | null; us: number; frames: string[] }[];
}

export interface LatencyObservation {
  total: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FsObservation {
  fs: string[];
  events: number;
  byType: Partial<Record<FsOpType, number>>;
  byComm: Counts;
  typesByFile: Record<string, Partial<Record<FsOpType, number>>>;
}

export interface SyscountObservation {
  /** syscall -> count */
  counts: Counts;
  /** syscall -> total time in us, when captured with -L */
  timeUs: Record<string, number>;
}

export interface OpensObservation {
  byComm: Counts;
  byPath: Counts;
  /** comm -> path -> count, when the parser provides it */
  pathsByComm: Record<string, Counts>;
}

function add(into: Counts, from: Counts | undefined, factor = 1): void {
  if (!from) return;
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v * factor;
}

/** Histogram units as the tools label them, converted to milliseconds. */
export function unitToMs(unit: string): number {
  const u = unit.toLowerCase();
  if (/(^|_)(ns|nsecs?)($|_)|nsec/.test(u)) return 1e-6;
  if (/(^|_)(ms|msecs?)($|_)|msec/.test(u)) return 1;
  if (/(^|_)(s|secs?)$/.test(u) && !/us|usec/.test(u)) return 1000;
  return 1e-3;
}

function percentile(buckets: HistogramSummary['buckets'], q: number): number {
  const total = buckets.reduce((s, b) => s + b.count, 0);
  if (total === 0) return 0;
  let seen = 0;
  for (const b of buckets) {
    seen += b.count;
    if (seen >= q * total) return b.high;
  }
  return buckets[buckets.length - 1]?.high ?? 0;
}

function latency(hists: Pick<Histogram, 'unit' | 'buckets'>[]): LatencyObservation | undefined {
  // Merge in milliseconds so captures taken with and without -m combine.
  const merged = new Map<number, { low: number; high: number; count: number }>();
  for (const h of hists) {
    const f = unitToMs(h.unit);
    for (const b of h.buckets) {
      const key = b.high * f;
      const cur = merged.get(key) ?? { low: b.low * f, high: b.high * f, count: 0 };
      cur.count += b.count;
      merged.set(key, cur);
    }
  }
  const buckets = [...merged.values()].sort((a, b) => a.high - b.high);
  const total = buckets.reduce((s, b) => s + b.count, 0);
  if (total === 0) return undefined;
  return { total, p50Ms: percentile(buckets, 0.5), p99Ms: percentile(buckets, 0.99) };
}

function of<T extends ToolName>(captures: Capture[], tool: T): CaptureOf<T>[] {
  return captures.filter((c): c is CaptureOf<T> => c.tool === tool);
}

function observeExec(list: CaptureOf<'execsnoop'>[]): ExecObservation | undefined {
  if (!list.length) return undefined;
  const obs: ExecObservation = { events: 0, byComm: {}, parentsByComm: {}, topArgsByComm: {}, ratePerSecByComm: {}, timedSec: 0 };
  const timedCounts: Counts = {};
  for (const { summary: s } of list) {
    obs.events += s.events;
    add(obs.byComm, s.byComm);
    for (const [comm, parents] of Object.entries(s.parentsByComm ?? {})) add((obs.parentsByComm[comm] ??= {}), parents);
    for (const [comm, args] of Object.entries(s.topArgsByComm ?? {})) obs.topArgsByComm[comm] ??= args;
    if (s.durationSec && s.durationSec > 0) {
      obs.timedSec += s.durationSec;
      add(timedCounts, s.byComm);
    }
  }
  if (obs.timedSec > 0) {
    for (const [comm, n] of Object.entries(timedCounts)) obs.ratePerSecByComm[comm] = n / obs.timedSec;
  }
  return obs;
}

function observeOffcpu(list: CaptureOf<'offcputime'>[]): OffcpuObservation | undefined {
  if (!list.length) return undefined;
  const obs: OffcpuObservation = { totalUs: 0, byComm: {}, futexUs: 0, futexByComm: {}, stacks: [] };
  for (const { summary: s } of list) {
    obs.totalUs += s.totalUs;
    obs.futexUs += s.futexUs;
    add(obs.byComm, s.byComm);
    add(obs.futexByComm, s.futexByComm);
    obs.stacks.push(...s.stacks);
  }
  obs.stacks.sort((a, b) => b.us - a.us);
  return obs;
}

function observeFs(all: CaptureOf<'fsslower'>[]): FsObservation | undefined {
  const list = all.filter((c) => c.summary.latencyMeasured !== false);
  if (!list.length) return undefined;
  const obs: FsObservation = { fs: [], events: 0, byType: {}, byComm: {}, typesByFile: {} };
  for (const { summary: s } of list) {
    if (!obs.fs.includes(s.fs)) obs.fs.push(s.fs);
    obs.events += s.events;
    add(obs.byType as Counts, s.byType as Counts);
    add(obs.byComm, s.byComm);
    for (const [file, types] of Object.entries(s.typesByFile ?? {})) add((obs.typesByFile[file] ??= {}) as Counts, types as Counts);
  }
  return obs;
}

function observeSyscount(list: CaptureOf<'syscount'>[]): SyscountObservation | undefined {
  const rows = list.filter((c) => c.summary.by === 'syscall').flatMap((c) => c.summary.rows);
  if (!rows.length) return undefined;
  const obs: SyscountObservation = { counts: {}, timeUs: {} };
  for (const r of rows) {
    const name = r.syscall.replace(/^(sys_|__x64_sys_)/, '');
    obs.counts[name] = (obs.counts[name] ?? 0) + r.count;
    if (r.timeUs !== undefined) obs.timeUs[name] = (obs.timeUs[name] ?? 0) + r.timeUs;
  }
  return obs;
}

function observeOpens(list: CaptureOf<'opensnoop'>[]): OpensObservation | undefined {
  if (!list.length) return undefined;
  const obs: OpensObservation = { byComm: {}, byPath: {}, pathsByComm: {} };
  for (const { summary: s } of list) {
    add(obs.byComm, s.byComm);
    add(obs.byPath, s.byPath);
    const perComm = (s as { pathsByComm?: Record<string, Counts> }).pathsByComm;
    for (const [comm, paths] of Object.entries(perComm ?? {})) add((obs.pathsByComm[comm] ??= {}), paths);
  }
  return obs;
}

function observeSyncCalls(list: CaptureOf<'fsslower'>[]): Counts | undefined {
  const unmeasured = list.filter((c) => c.summary.latencyMeasured === false);
  if (!unmeasured.length) return undefined;
  const out: Counts = {};
  for (const c of unmeasured) add(out, c.summary.byComm);
  return out;
}

const SYNC_NAME = /f?(data)?sync/i;

/** Derives observations from every parsed capture of a submission. */
export function observe(captures: Capture[]): Observations {
  const counts: Partial<Record<ToolName, number>> = {};
  for (const c of captures) counts[c.tool] = (counts[c.tool] ?? 0) + 1;
  const histsOf = (tool: 'runqlat' | 'biolatency') => of(captures, tool).flatMap((c) => c.summary.histograms);
  const bpftraceHists = of(captures, 'bpftrace-hist').flatMap((c) => c.summary.histograms);
  const syncHists = bpftraceHists.filter((h) => SYNC_NAME.test(`${h.unit} ${h.label ?? ''}`));
  return {
    captures: counts,
    exec: observeExec(of(captures, 'execsnoop')),
    offcpu: observeOffcpu(of(captures, 'offcputime')),
    runqlat: latency(histsOf('runqlat')),
    biolatency: latency(histsOf('biolatency')),
    fs: observeFs(of(captures, 'fsslower')),
    syscount: observeSyscount(of(captures, 'syscount')),
    fsyncHist: latency(syncHists),
    opens: observeOpens(of(captures, 'opensnoop')),
    syncCalls: observeSyncCalls(of(captures, 'fsslower')),
  };
}
