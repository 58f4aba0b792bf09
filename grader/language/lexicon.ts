/**
 * Domain vocabulary for reading answers about Linux performance: words that mean the same thing to a
 * teacher are mapped to one canonical lemma, in answers and in scenario phrases alike, so scenario authors
 * write one phrase per idea instead of a list of spellings. Keys are lemmas as the English model gives them.
 */

/** One lemma -> canonical lemma(s). */
export const WORD_MAP: Record<string, string[]> = {
  // file systems
  fs: ['filesystem'], filesystems: ['filesystem'], vfs: ['filesystem'],
  // the sync family: asking the kernel to make data durable
  fsyncs: ['fsync'], fdatasyncs: ['fdatasync'], sync: ['fsync'], syncs: ['fsync'], synced: ['fsync'],
  syncing: ['fsync'],
  sync_file_range: ['fsync'], msync: ['fsync'], 't=s': ['fsync'], o_sync: ['o_sync'], o_dsync: ['o_dsync'], o_direct: ['o_direct'], fsynced: ['fsync'], fsyncing: ['fsync'],
  flushed: ['flush'], flushes: ['flush'], flushing: ['flush'],
  synchronously: ['synchronous'], synchronise: ['synchronize'], synchronised: ['synchronize'],
  durably: ['durable'], durability: ['durable'],
  // locks
  mutex: ['lock'], mutexes: ['lock'], mutexs: ['lock'], pthread_mutex: ['lock'], pthread_mutex_lock: ['lock'], pthread_mutex_t: ['lock'],
  ___pthread_mutex_lock: ['lock'], __pthread_mutex_lock: ['lock'], lll_lock: ['lock'], __lll_lock_wait: ['lock', 'wait'],
  futexes: ['futex'], futex_wait: ['futex', 'wait'], futex_wait_queue: ['futex', 'wait'], futex_wait_queue_me: ['futex', 'wait'], 'futex()': ['futex'],
  saturation: ['saturate'], saturated: ['saturate'], saturating: ['saturate'], oversaturated: ['saturate'],
  contended: ['contend'], contention: ['contend'], contending: ['contend'], contentious: ['contend'],
  serialise: ['serialize'], serialised: ['serialize'], serialising: ['serialize'], serialization: ['serialize'], serialisation: ['serialize'], serialized: ['serialize'],
  // processes
  forked: ['fork'], forking: ['fork'], forks: ['fork'], execs: ['exec'], execve: ['exec'], execed: ['exec'], "exec'd": ['exec'], exec_ve: ['exec'],
  execution: ['execution'], spawns: ['spawn'], respawn: ['spawn'], respawns: ['spawn'], proc: ['process'], procs: ['process'],
  shortlived: ['short', 'live'], 'short-lived': ['short', 'live'], shortly: ['short'], 'short-living': ['short', 'live'],
  pid: ['pid'], pids: ['pid'], ppid: ['ppid'], ppids: ['ppid'],
  // CPU and scheduling
  cpus: ['cpu'], processor: ['cpu'], processors: ['cpu'], core: ['cpu'], cores: ['cpu'], vcpu: ['cpu'], vcpus: ['cpu'],
  runq: ['runqueue'], 'run-queue': ['runqueue'], runqueues: ['runqueue'], oncpu: ['on', 'cpu'], offcpu: ['off', 'cpu'],
  // storage
  drive: ['disk'], drives: ['disk'], ssd: ['disk'], nvme: ['disk'], hdd: ['disk'], hdds: ['disk'], ssds: ['disk'], disks: ['disk'],
  ebs: ['disk'], iops: ['iops'], i_o: ['io'], 'i/o': ['io'], ios: ['io'], bio: ['io'],
  // latency vocabulary
  p99: ['p99'], ms: ['millisecond'], msec: ['millisecond'], msecs: ['millisecond'], usec: ['microsecond'], µs: ['microsecond'],
  sec: ['second'], secs: ['second'], s: ['second'],
  // words and their everyday variants
  app: ['application'], apps: ['application'], program: ['application'], svc: ['service'],
  every: ['each'], per: ['each'], 'one-by-one': ['each'],
  utilisation: ['utilization'], utilization: ['utilization'], util: ['utilization'], usage: ['utilization'],
  nope: ['no'], nah: ['no'], yeah: ['yes'], yep: ['yes'], yup: ['yes'], ya: ['yes'],
  cannot: ['can', 'not'],
};

/** Canonical lemma sequences for multi-word terms, longest first when several apply. */
export const COMPOUNDS: Array<[string[], string[]]> = [
  [['file', 'system'], ['filesystem']],
  [['run', 'queue'], ['runqueue']],
  [['short', 'life'], ['short', 'live']],
  [['99th', 'percentile'], ['p99']],
  [['99', 'percentile'], ['p99']],
  [['tail', 'latency'], ['p99']],
  [['i', 'o'], ['io']],
  [['t', '=', 's'], ['fsync']],
  [['off', '-', 'cpu'], ['off', 'cpu']],
  [['on', '-', 'cpu'], ['on', 'cpu']],
];

/** Words that make the rest of their clause (or the whole clause) a denial. Lemmas. */
export const NEGATORS = new Set(['not', 'never', 'without', 'neither', 'nor', 'none', 'nothing', 'nobody', 'nowhere', 'hardly']);

/** Two-word cues that deny what follows them: "X rather than Y", "instead of Y", "other than Y". */
export const CONTRAST_CUES: string[][] = [
  ['rather', 'than'], ['instead', 'of'], ['other', 'than'], ['unlike'], ['except'], ['exclude'], ['apart', 'from'],
  ['no', 'longer'], ['far', 'from'],
];

/** Words after which a clause's subject is denied: "the disk is fine", "CPU saturation is unlikely", "network ruled out". */
export const DENYING_PREDICATES = new Set([
  'unlikely', 'fine', 'healthy', 'ok', 'okay', 'normal', 'innocent', 'irrelevant', 'excluded', 'exclude', 'eliminate', 'eliminated',
  // "the disk is fast", "the CPU is idle", "the writes are cheap": not the problem
  'fast', 'quick', 'idle', 'low', 'cheap',
]);
export const DENYING_VERBS: string[][] = [['rule', 'out'], ['ruled', 'out'], ['rule', 'off']];

/** "X is not the problem": after a denied copula these predicates deny the subject too. */
export const EVALUATIVE = new Set([
  'problem', 'issue', 'cause', 'culprit', 'bottleneck', 'reason', 'slow', 'saturate', 'saturated', 'involve', 'involved',
  'responsible', 'busy', 'overload', 'overloaded', 'blame', 'relevant', 'case', 'it', 'there', 'the', 'a', 'fault', 'limit', 'limiting', 'enough',
]);

/** Words that close a negation's reach: a new clause starts. */
export const CLAUSE_WORDS = new Set([
  'but', 'however', 'so', 'because', 'since', 'while', 'whereas', 'although', 'though', 'which', 'and', 'then', 'hence',
  'therefore', 'thus', 'instead', 'yet', 'as', 'when', 'where', 'whilst', 'cuz',
]);

/** "not only X but also Y" asserts X. */
export const NOT_NEGATING_AFTER_NOT = new Set(['only', 'just', 'merely', 'simply']);

/** Auxiliaries: "is not", "does not", "can't" deny the clause's verb phrase. */
export const AUXILIARIES = new Set(['be', 'do', 'have', 'can', 'could', 'will', 'would', 'should', 'shall', 'must', 'may', 'might', 'need']);

/** Tokens skipped when matching phrases and left out of claim keys. */
export const FILLER = new Set([
  'the', 'a', 'an', 'this', 'that', 'these', 'those', 'its', 'it', 'their', 'his', 'her', 'my', 'our', 'your', 'really', 'very', 'just',
  'quite', 'some', 'basically', 'actually', 'also', 'all', 'there', 'here', 'i', 'we', 'you', 'they', 'he', 'she', 'think', 'guess',
  'maybe', 'probably', 'perhaps', 'likely', 'seem', 'look', 'like', 'kind', 'sort', 'of', 'be', 'do', 'have', 'get', 'to', 'in', 'on',
  'at', 'by', 'for', 'with', 'from', 'is', 'are', 'was', 'were', "'s", 'which', 'who', 'what', 'so', 'and', 'or', 'then', 'too', 'much', 'lot',
]);

/** Dropped from scenario phrases so "hold the lock" and "holds a lock" read alike; other small words are kept ("kill it"). */
export const PHRASE_DROP = new Set(['the', 'a', 'an', 'this', 'that', 'these', 'those', 'its', 'their', 'his', 'her', 'my', 'our', 'your', 'be', 'do']);
