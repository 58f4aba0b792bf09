/**
 * The contract between parsers and everything downstream (facts, rules, `labctl inspect`).
 * Parsers are pure: text (or a stream of lines) in, one of these summaries out.
 * Field names marked "DESIGN" are part of the public `labctl inspect --json` contract.
 */

export const TOOL_NAMES = [
  'execsnoop',
  'opensnoop',
  'biolatency',
  'runqlat',
  'offcputime',
  'profile',
  'fsslower',
  'tcpconnect',
  'tcpretrans',
  'cachestat',
  'syscount',
  'bpftrace-hist',
  'unknown',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export const FLAVORS = ['bcc', 'libbpf', 'bpftrace', 'unknown'] as const;
export type Flavor = (typeof FLAVORS)[number];

/** A problem found at one line of a capture; `line` is 1-based. */
export interface ParseIssue {
  line: number;
  message: string;
}

export type Counts = Record<string, number>;

export interface ExecsnoopSummary {
  /** DESIGN */ events: number;
  /** DESIGN: comm -> exec count */ byComm: Counts;
  /** DESIGN: ppid -> exec count, when the flavor prints PPID */ byParent?: Counts;
  /** comm -> (ppid -> count): which parent spawned each command, when PPID exists */
  parentsByComm?: Record<string, Counts>;
  /**
   * PID -> comm of exec'd shell scripts (`*.sh`, the first 1000), when the flavor prints PID: with
   * `parentsByComm` it ties a command to the script that spawned it (provenance checks)
   */
  scriptPids?: Record<string, string>;
  /** comm -> the most frequent ARGS line (first 200 chars), e.g. the URL curl was given */
  topArgsByComm: Record<string, string>;
  /** execs with a non-zero RET (only with -x) */
  failed: number;
  /** DESIGN, when timestamps exist (-t, -T, bpftrace TIME) */ durationSec?: number;
  /** DESIGN, events / durationSec */ ratePerSec?: number;
  columns: string[];
}

export interface OpensnoopSummary {
  events: number;
  byComm: Counts;
  byPath: Counts;
  /**
   * comm -> (path -> count): which files each process opens (failed opens too). Bounded: the first 500
   * comms, 200 paths each (later ones summed under '(other)'). The parser always fills it; optional so summaries
   * built elsewhere (older JSON, tests) still type-check.
   */
  pathsByComm?: Record<string, Counts>;
  errors: number;
  columns: string[];
}

export interface HistogramBucket {
  /** inclusive; bpftrace `(..., x)` rows use Number.MIN_SAFE_INTEGER */ low: number;
  /** inclusive for bcc `a -> b` rows; exclusive for bpftrace `[a, b)` rows (`[0]` -> 0..1); `[x, ...)` uses Number.MAX_SAFE_INTEGER */ high: number;
  count: number;
}

/** One printed histogram: bcc/libbpf log2 or a bpftrace `@name:` map. */
export interface Histogram {
  /** 'usecs' | 'msecs' | 'nsecs' | for bpftrace the map name without '@' (e.g. 'usecs', 'fsync_lat') */
  unit: string;
  /** section label when the tool prints several: 'disk = sda', 'pid = 123 bash', '@lat[fsync]' */
  label?: string;
  /** HH:MM:SS line printed before the histogram in interval (-T) mode */
  timestamp?: string;
  buckets: HistogramBucket[];
  total: number;
  /** estimated within the bucket (upper bound of the bucket holding the percentile), in `unit` */
  p50: number;
  p99: number;
}

/** biolatency, runqlat, bpftrace hist: DESIGN fields are the merged view of all histograms. */
export interface HistogramSummary {
  /** DESIGN */ unit: string;
  /** DESIGN */ buckets: HistogramBucket[];
  /** DESIGN */ total: number;
  /** DESIGN */ p50: number;
  /** DESIGN */ p99: number;
  /** every histogram in the capture, in order (per disk, per interval, per map key); at most 1000 */
  histograms: Histogram[];
  /** bpftrace count/scalar maps printed beside (or instead of) histograms: map name (without '@') -> key -> value; key '' for `@x: 5` */
  counts?: Record<string, Counts>;
}

export interface Stack {
  comm: string;
  pid: number | null;
  /** offcputime: microseconds off-CPU; profile: samples */
  value: number;
  /** leaf first, kernel frames then user frames, as printed in multi-line mode */
  frames: string[];
}

export interface OffcputimeSummary {
  /** DESIGN */ totalUs: number;
  /** DESIGN: comm -> us */ byComm: Record<string, number>;
  /** DESIGN: top N (20) by us, descending: {comm, pid, us, frames} */
  stacks: { comm: string; pid: number | null; us: number; frames: string[] }[];
  /** DESIGN: off-CPU us in stacks with a futex frame (futex_wait, do_futex, __x64_sys_futex, __lll_lock_wait, pthread_mutex_lock) */
  futexUs: number;
  /** comm -> futex us */
  futexByComm: Record<string, number>;
  folded: boolean;
}

export interface ProfileSummary {
  totalSamples: number;
  byComm: Record<string, number>;
  stacks: { comm: string; pid: number | null; samples: number; frames: string[] }[];
  folded: boolean;
}

export type FsOpType = 'R' | 'W' | 'O' | 'S';

export interface FsslowerSummary {
  /** DESIGN: 'ext4' | 'xfs' | 'btrfs' | 'nfs' | 'any' (fileslower) | ... */ fs: string;
  /** DESIGN */ events: number;
  /** DESIGN: R/W/O/S -> count; libbpf `F` (fsync) is reported as `S` */ byType: Partial<Record<FsOpType, number>>;
  /** DESIGN: file name -> count */ byFile: Counts;
  /** DESIGN */ byComm: Counts;
  /** DESIGN */ maxLatMs: number;
  /** type -> summed latency in ms */ latMsByType: Partial<Record<FsOpType, number>>;
  /** file -> type -> count, to tell which file the fsyncs hit */
  typesByFile: Record<string, Partial<Record<FsOpType, number>>>;
  /** threshold from the banner ("slower than 10 ms"), when printed; 0 for "Tracing ext4 operations" (all) */
  thresholdMs?: number;
  /** which program printed it: 'ext4slower' | 'xfsslower' | 'btrfsslower' | 'nfsslower' | 'fsslower' | 'fileslower' | 'syncsnoop.bt' */
  program?: string;
  /** false when the tool prints no latency (syncsnoop.bt: maxLatMs is then 0 and byFile empty) */
  latencyMeasured?: boolean;
}

export interface TcpconnectSummary {
  events: number;
  byComm: Counts;
  /** "daddr:dport" -> count */ byDest: Counts;
}

export interface TcpretransSummary {
  events: number;
  /** 'R' retransmit, 'L' tail loss probe */ byType: Counts;
  /** "raddr:rport" -> count */ byRemote: Counts;
  byState: Counts;
}

export interface CachestatSummary {
  /** which historical header: 'v0.1' | 'v0.6' | 'v0.9' */
  header: string;
  rows: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0..1, or null without data */
  hitRatio: number | null;
}

export interface SyscountSummary {
  /** DESIGN: sorted as printed (summed over intervals when there are several); with -P `syscall` holds the comm and `pid` is set */
  rows: { syscall: string; count: number; timeUs?: number; pid?: number }[];
  /** 'syscall' or 'process' (syscount -P) */
  by: 'syscall' | 'process';
  /** number of printed tables (interval mode prints one per interval; rows are summed over them) */
  intervals?: number;
  /** bpftrace syscount.bt `@process[comm]` map (comm -> count); its `@syscall[id]` map fills `rows` */
  byProcess?: Counts;
}

export interface UnknownSummary {
  reason: string;
  /** the program recognised when it has no ToolName (e.g. 'cpudist', 'tcplife') */
  recognizedAs?: string;
}

export interface SummaryByTool {
  execsnoop: ExecsnoopSummary;
  opensnoop: OpensnoopSummary;
  biolatency: HistogramSummary;
  runqlat: HistogramSummary;
  offcputime: OffcputimeSummary;
  profile: ProfileSummary;
  fsslower: FsslowerSummary;
  tcpconnect: TcpconnectSummary;
  tcpretrans: TcpretransSummary;
  cachestat: CachestatSummary;
  syscount: SyscountSummary;
  'bpftrace-hist': HistogramSummary;
  unknown: UnknownSummary;
}

/** What parsing one capture file yields. Discriminated on `tool`. */
export type Capture = {
  [T in ToolName]: {
    tool: T;
    flavor: Flavor;
    summary: SummaryByTool[T];
    /** lines that looked like data but could not be read (truncated rows, bad numbers) */
    warnings: ParseIssue[];
    /** number of lines read */
    lines: number;
  };
}[ToolName];

export type CaptureOf<T extends ToolName> = Extract<Capture, { tool: T }>;

/** Thrown only for input that is not text at all (binary) or cannot be read; never for odd lines. */
export class ParseError extends Error {
  override name = 'ParseError';
  constructor(
    message: string,
    readonly source: string,
    readonly line?: number,
  ) {
    super(line === undefined ? `${source}: ${message}` : `${source}:${line}: ${message}`);
  }
}
