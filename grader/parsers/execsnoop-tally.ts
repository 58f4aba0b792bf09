/**
 * What execsnoop counts, fed by both the string path (`add`, one decoded row) and the byte fast path
 * (`addBytes`, a row's column offsets in the file buffer). The fast path keeps, per distinct comm
 * bytes, the counter boxes its comm resolves to in the bounded maps: a resolution never changes once
 * made (the maps only grow, and a key turned away from a full map stays turned away), so both paths
 * fill the very same maps in the same order and give the same summary.
 */
import type { ExecsnoopSummary } from './types.ts';
import { BoundedCounts, round3 } from './text.ts';
import { TimeSpan } from './time-span.ts';
import { ByteKeyTable } from './byte-keys.ts';
import { latin1, sliceBytes, trimEndBytes } from './bytes.ts';
import type { ExecRowBytes } from './execsnoop-types.ts';

const MAX_COMMS_WITH_DETAIL = 500;
const MAX_ARGS_PER_COMM = 20;
const MAX_PARENTS_PER_COMM = 50;
const MAX_ARGS_CHARS = 200;
/** PIDs of exec'd shell scripts kept (the first this-many): enough to tie a loop to its script. */
const MAX_SCRIPT_PIDS = 1000;
const isScript = (comm: string) => comm.endsWith('.sh');
/**
 * ARGS lines are tallied for the first this-many execs of each command only: "the usual command line" is
 * settled long before that, and hashing every ARGS string of a 1 GB capture would dominate the parse.
 */
export const ARGS_SAMPLE_PER_COMM = 10_000;

/** One distinct comm (or argv[0], for bpftrace) as met by the fast path, with its resolved boxes. */
interface CommSlot {
  comm: string;
  count: { n: number };
  /** this comm's args-sample counter; null: the sample map was full when the comm first came */
  sampled: { n: number } | null;
  /** undefined until first needed, then the comm's map or null (detail map full) */
  args: BoundedCounts | null | undefined;
  parents: BoundedCounts | null | undefined;
  /** one-entry PPID cache: most commands have one parent (the loop script) */
  lastPpid: number;
  lastParentBox: { n: number } | null;
  lastCommParentBox: { n: number } | null;
  /** the comm names a shell script (`*.sh`): its PID is remembered */
  script: boolean;
}

export class ExecsnoopTally {
  private events = 0;
  private failed = 0;
  private sawPpid = false;
  private readonly byComm = new BoundedCounts();
  private readonly byParent = new BoundedCounts();
  private readonly parentsByComm = new Map<string, BoundedCounts>();
  private readonly argsByComm = new Map<string, BoundedCounts>();
  private readonly argsSampled = new Map<string, { n: number }>();
  private readonly span = new TimeSpan();
  private readonly commSlots = new ByteKeyTable<CommSlot>();
  private readonly argv0Slots = new ByteKeyTable<CommSlot>();
  private readonly scriptPids = new Map<string, string>();

  /** Counts one exec; returns where its ARGS go when this exec is in its comm's sample, else undefined. */
  add(comm: string, ppid: string | undefined, ret: number, time: number, clock: boolean, whole: boolean, pid?: string): BoundedCounts | undefined {
    this.events++;
    this.byComm.add(comm);
    if (pid !== undefined && isScript(comm)) this.addScript(pid, comm);
    if (ret !== 0) this.failed++;
    if (ppid !== undefined) {
      this.sawPpid = true;
      this.byParent.add(ppid);
      this.detail(this.parentsByComm, comm, MAX_PARENTS_PER_COMM)?.add(ppid);
    }
    this.addTime(time, clock, whole);
    const sampled = this.sampleCounter(comm);
    return sampled && sampled.n++ < ARGS_SAMPLE_PER_COMM ? this.detail(this.argsByComm, comm, MAX_ARGS_PER_COMM) : undefined;
  }

  /** `add` for a row read from bytes (line buf[.., lineEnd)); `hasComm` false: the comm is argv[0]'s basename. */
  addBytes(buf: Buffer, r: ExecRowBytes, hasComm: boolean, lineEnd: number): void {
    const slot = this.slotFor(buf, r.commStart, r.commEnd, hasComm);
    this.events++;
    slot.count.n++;
    if (slot.script && r.pidStart >= 0) this.addScript(latin1(buf, r.pidStart, r.pidEnd), slot.comm);
    if (r.ret !== 0) this.failed++;
    if (r.ppidStart >= 0) {
      this.sawPpid = true;
      this.addParent(slot, buf, r.ppidStart, r.ppidEnd);
    }
    this.addTime(r.time, r.clock, r.wholeSeconds);
    const sampled = slot.sampled;
    if (sampled && sampled.n++ < ARGS_SAMPLE_PER_COMM) {
      if (slot.args === undefined) slot.args = this.detail(this.argsByComm, slot.comm, MAX_ARGS_PER_COMM) ?? null;
      if (slot.args) {
        const args = r.argsStart < 0 ? '' : sliceBytes(buf, r.argsStart, trimEndBytes(buf, r.argsStart, lineEnd));
        slot.args.add(trimArgs(args));
      }
    }
  }

  summary(columns: string[]): ExecsnoopSummary {
    const byComm = this.byComm.toObject();
    const topArgsByComm: Record<string, string> = {};
    for (const comm of Object.keys(byComm)) {
      const top = this.argsByComm.get(comm)?.top();
      if (top !== undefined) topArgsByComm[comm] = top;
    }
    const summary: ExecsnoopSummary = { events: this.events, byComm, topArgsByComm, failed: this.failed, columns };
    if (this.sawPpid) {
      summary.byParent = this.byParent.toObject();
      summary.parentsByComm = Object.fromEntries([...this.parentsByComm].map(([k, v]) => [k, v.toObject()]));
    }
    if (this.scriptPids.size) summary.scriptPids = Object.fromEntries(this.scriptPids);
    const d = this.span.durationSec();
    if (d !== undefined) {
      summary.durationSec = round3(d);
      summary.ratePerSec = round3(this.events / d);
    }
    return summary;
  }

  private addScript(pid: string, comm: string): void {
    if (this.scriptPids.size < MAX_SCRIPT_PIDS || this.scriptPids.has(pid)) this.scriptPids.set(pid, comm);
  }

  private addTime(time: number, clock: boolean, whole: boolean): void {
    if (Number.isNaN(time)) return;
    if (clock) this.span.addClock(time, whole);
    else this.span.addRelative(time);
  }

  private detail(map: Map<string, BoundedCounts>, comm: string, limit: number): BoundedCounts | undefined {
    let c = map.get(comm);
    if (!c && map.size < MAX_COMMS_WITH_DETAIL) map.set(comm, (c = new BoundedCounts(limit)));
    return c;
  }

  private sampleCounter(comm: string): { n: number } | undefined {
    let sampled = this.argsSampled.get(comm);
    if (!sampled && this.argsSampled.size < MAX_COMMS_WITH_DETAIL) this.argsSampled.set(comm, (sampled = { n: 0 }));
    return sampled;
  }

  /** The slot of the comm bytes buf[s, e); resolving a new one touches the maps as `add` would for this row. */
  private slotFor(buf: Buffer, s: number, e: number, hasComm: boolean): CommSlot {
    const table = hasComm ? this.commSlots : this.argv0Slots;
    const known = table.get(buf, s, e);
    if (known) return known;
    let comm = sliceBytes(buf, s, e);
    if (!hasComm) comm = comm.slice(comm.lastIndexOf('/') + 1).slice(0, 15);
    const slot: CommSlot = {
      comm,
      count: this.byComm.counter(comm),
      sampled: this.sampleCounter(comm) ?? null,
      args: undefined,
      parents: undefined,
      lastPpid: NaN,
      lastParentBox: null,
      lastCommParentBox: null,
      script: isScript(comm),
    };
    // a full table just means this comm is resolved again next time
    table.insert(buf, s, e, slot);
    return slot;
  }

  private addParent(slot: CommSlot, buf: Buffer, s: number, e: number): void {
    const key = plainIntAt(buf, s, e);
    if (key === slot.lastPpid) {
      slot.lastParentBox!.n++;
      if (slot.lastCommParentBox) slot.lastCommParentBox.n++;
      return;
    }
    const ppid = latin1(buf, s, e);
    const parentBox = this.byParent.counter(ppid);
    parentBox.n++;
    if (slot.parents === undefined) slot.parents = this.detail(this.parentsByComm, slot.comm, MAX_PARENTS_PER_COMM) ?? null;
    const commParentBox = slot.parents ? slot.parents.counter(ppid) : null;
    if (commParentBox) commParentBox.n++;
    slot.lastPpid = key;
    slot.lastParentBox = parentBox;
    slot.lastCommParentBox = commParentBox;
  }
}

/** ARGS as kept: the first 200 characters. */
export function trimArgs(args: string): string {
  return args.length > MAX_ARGS_CHARS ? args.slice(0, MAX_ARGS_CHARS) : args;
}

/**
 * The value of a PPID printed as a plain decimal (no sign, no leading zero), so that the number alone
 * names the printed text; NaN otherwise (`?`, `007`), which never matches a cache entry.
 */
function plainIntAt(buf: Buffer, s: number, e: number): number {
  const len = e - s;
  if (len === 0 || len > 15 || (buf[s] === 48 && len > 1)) return NaN;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return v;
}
