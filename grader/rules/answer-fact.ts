import { z } from 'zod';
import type { Observations } from '../facts/observe.ts';
import { cleanName, editDistance, isNonAnswer, readNames, squashedAnswer, squashName } from '../language/index.ts';
import type { AnswerReading } from '../report/types.ts';
import { answerRule, factExists } from './define.ts';
import { answerText, countFor, normalizeText, pct, sameComm } from './match.ts';
import { fail, pass, review, type RuleContext, type RuleOutcome } from './types.ts';

export type EvidenceSource = 'exec-comm' | 'exec-parent' | 'offcpu-comm' | 'stack-function' | 'fs-comm' | 'fs-file';
type MatchHow = 'comm' | 'text' | 'file';

/** Names every Linux learner meets; an answer naming one of them names a process, even if the capture lacks it. */
const COMMON_COMMANDS = [
  'sh', 'bash', 'dash', 'zsh', 'python', 'python3', 'perl', 'node', 'java', 'cron', 'crond', 'systemd', 'sleep', 'date', 'curl', 'wget',
  'ps', 'top', 'htop', 'grep', 'awk', 'sed', 'kworker', 'jbd2', 'sshd', 'nginx', 'postgres', 'mysqld', 'redis', 'dockerd', 'containerd',
  'kubelet', 'init', 'watch', 'timeout', 'nc', 'ping', 'ssh', 'cat', 'ls', 'tail', 'head', 'bpftrace', 'execsnoop', 'biolatency',
  'offcputime', 'runqlat', 'ext4slower', 'syscount', 'opensnoop', 'rsyslogd', 'journald', 'systemd-journald', 'logrotate', 'tar', 'gzip',
  'dd', 'fio', 'stress', 'stress-ng', 'yes', 'make', 'gcc', 'cc', 'ld', 'git', 'apt', 'dpkg', 'snapd', 'swapper', 'ksoftirqd', 'rcu_sched',
  'main', 'malloc', 'free', 'memcpy', 'write', 'read', 'fsync', 'fdatasync', 'futex', 'pthread_mutex_lock', 'syslog', 'messages',
];

/** Lock frames learners cite next to the function that takes the lock; they describe the wait, they are not a second answer. */
const LOCK_FRAMES = /^(?:_*pthread_mutex_(?:un)?lock|_*lll_lock_wait\w*|futex\w*|_*futex_abstimed_wait\w*|do_futex|__x64_sys_futex|syscall|entry_syscall\w*|do_syscall_64|start_thread|clone3?|__clone3?|schedule|finish_task_switch\w*)$/;

function base(name: string): string {
  return cleanName(name);
}

/** Names the learner's own capture shows that an answer about `source` could name. */
function captureNames(obs: Observations, source: EvidenceSource | undefined): Set<string> {
  const names = new Set<string>();
  const addAll = (keys: Iterable<string> | undefined) => {
    for (const k of keys ?? []) names.add(base(k));
  };
  if (source === 'stack-function') {
    for (const s of obs.offcpu?.stacks ?? []) for (const f of s.frames) names.add(f.replace(/\+0x[0-9a-f]+$/i, '').replace(/\s.*$/, '').toLowerCase());
  } else if (source === 'fs-file') {
    addAll(Object.keys(obs.fs?.typesByFile ?? {}));
    addAll(Object.keys(obs.opens?.byPath ?? {}));
  } else {
    addAll(Object.keys(obs.exec?.byComm ?? {}));
    addAll(Object.keys(obs.offcpu?.byComm ?? {}));
    addAll(Object.keys(obs.fs?.byComm ?? {}));
    addAll(Object.keys(obs.opens?.byComm ?? {}));
  }
  return names;
}

function sameName(a: string, b: string, how: MatchHow): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (how === 'file') return base(x) === base(y);
  if (sameComm(x, y)) return true;
  // "health-check" for "health-check.sh": the script without its extension is the same script
  const stem = (s: string) => s.replace(/\.(?:sh|py|pl|bash|rb|service|exe|bin|out)$/, '');
  return stem(x) === stem(y) || sameComm(stem(x), stem(y)) || squashName(stem(x)) === squashName(stem(y));
}

function matchesText(answer: string, expected: string): boolean {
  const strip = (s: string) => normalizeText(s).replace(/\/+(?= |$)/g, '').trim();
  return strip(answer).includes(strip(expected));
}

/**
 * When the answer names something the learner's own capture shows to be minor, say so: the answer
 * contradicts their evidence. Only facts about the answered name are used, never the expected value.
 */
function contradiction(obs: Observations, source: EvidenceSource | undefined, names: string[]): string | undefined {
  const minor = (table: Record<string, number> | undefined, what: string): string | undefined => {
    if (!table) return undefined;
    const total = Object.values(table).reduce((s, v) => s + v, 0);
    const top = Math.max(0, ...Object.values(table));
    for (const name of names) {
      const n = countFor(table, name);
      if (n > 0 && n < top) return `your own capture shows "${name}" with only ${pct(n / total)} of ${what}, less than another`;
    }
    return undefined;
  };
  switch (source) {
    case 'exec-comm':
      return minor(obs.exec?.byComm, 'execs');
    case 'offcpu-comm':
      return minor(obs.offcpu?.futexByComm, 'futex wait time');
    case 'fs-comm':
      return minor(obs.fs?.byComm, 'slow file operations');
    case 'fs-file': {
      const syncs = Object.fromEntries(Object.entries(obs.fs?.typesByFile ?? {}).map(([f, t]) => [base(f), t.S ?? 0]));
      return minor(syncs, 'slow fsyncs');
    }
    case 'exec-parent': {
      // A learner who names the command itself as its own parent has misread the PPID column.
      const execs = obs.exec?.byComm ?? {};
      const top = Object.entries(execs).sort((a, b) => b[1] - a[1])[0]?.[0];
      if (top && names.some((n) => sameComm(n, top))) return `"${top}" is the short-lived command in your capture; its parent is the process with its PPID`;
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The answer names the expected fact (a comm, a function, a file), and only it: paths, `name[pid]`, `(pid N)`,
 * quotes and "it is X" are fine; several different candidates ("curl, wget or date") name no one thing.
 */
export function answerFact(ctx: RuleContext, p: { key: string; fact: string; match: MatchHow; evidence?: EvidenceSource }): RuleOutcome {
  const raw = ctx.answers[p.key];
  const answer = answerText(raw);
  if (!answer || isNonAnswer(answer)) return fail(`no answer for "${p.key}"`);
  const expected = ctx.facts[p.fact];
  if (expected === undefined) return fail(`the lab manifest has no "${p.fact}": ask your instructor`);
  const want = String(expected);
  const reading: AnswerReading = { key: p.key, answer, asserted: [], rejected: [], missing: [] };
  if (p.match === 'text') {
    return matchesText(answer, want) ? { ...pass(`"${p.key}" is right`), reading } : { ...fail(`"${p.key}": "${answer}" is not what this lab shows`), reading };
  }
  const seen = captureNames(ctx.obs, p.evidence);
  const isKnown = (w: string) => seen.has(w) || COMMON_COMMANDS.includes(w);
  const known = (w: string) => sameName(w, want, p.match) || isKnown(w);
  // "update inventory", "ledger .wal": the name written with spaces
  if (squashedAnswer(answer) === squashName(want)) return { ...pass(`"${p.key}" is right`), reading: { ...reading, asserted: [want] } };
  const names = readNames(Array.isArray(raw) ? raw.map(String) : answer, known);
  let candidates = names.candidates;
  // Lock frames and the process name next to a function describe the wait ("orderd`update_inventory -> pthread_mutex_lock").
  if (p.evidence === 'stack-function') {
    const comms = new Set(Object.keys(ctx.obs.offcpu?.byComm ?? {}).map((c) => c.toLowerCase()));
    const own = candidates.filter((c) => !LOCK_FRAMES.test(c) && !comms.has(c));
    if (own.length) candidates = own;
  }
  // Spellings of one name ("health-check.sh", "./health-check") are one candidate.
  let distinct = candidates.filter((c, i) => candidates.findIndex((d) => sameName(c, d, p.match)) === i);
  reading.rejected = names.denied;
  if (distinct.length === 0 && names.plainWords.length) {
    // No name-like word: a description in words ("the order service") is for a person to judge when it
    // points at the right thing; a single plain word is taken as the name ("python").
    const plain = names.plainWords;
    const stem = squashName(want).replace(/\..*$/, '');
    if (plain.some((w) => w.length >= 4 && squashName(w) !== squashName(want) && stem.includes(squashName(w)))) {
      return { ...review(`"${p.key}": "${answer}" describes rather than names it; your instructor will read it`), reading: { ...reading, asserted: plain } };
    }
    distinct = [plain[0]];
  }
  reading.asserted = distinct;
  if (distinct.length === 0) return { ...fail(`"${p.key}": "${answer}" names no ${p.match === 'file' ? 'file' : 'process or function'}`), reading };
  if (distinct.length > 1) {
    const what = p.match === 'file' ? 'file' : p.key === 'hot_function' ? 'function' : 'command';
    return { ...fail(`"${p.key}" names ${distinct.length} candidates (${distinct.join(', ')}): name the one ${what}`), reading };
  }
  if (sameName(distinct[0], want, p.match)) return { ...pass(`"${p.key}" is right`), reading };
  // One-letter typos of the right name are the right name, unless the typo is itself another known name.
  const typo = (c: string) => !isKnown(c) && squashName(want).length >= 4 && editDistance(squashName(c), squashName(want)) <= 1;
  if (typo(distinct[0])) return { ...pass(`"${p.key}" is right (mind the spelling)`), reading };
  reading.missing = [];
  const outcome = fail(`"${p.key}": "${distinct[0]}" is not what this lab shows`);
  const why = contradiction(ctx.obs, p.evidence, distinct);
  return why ? { ...outcome, message: `${outcome.message}; ${why}`, contradiction: why, reading: { ...reading, contradiction: why } } : { ...outcome, reading };
}

export const answerFactRule = answerRule({
  name: 'answer-fact',
  params: {
    fact: z.string().min(1),
    match: z.enum(['comm', 'text', 'file']).default('text'),
    evidence: z
      .enum(['exec-comm', 'exec-parent', 'offcpu-comm', 'stack-function', 'fs-comm', 'fs-file'])
      .optional()
      .describe("where in the learner's own captures a wrong answer can be checked against"),
  },
  run: answerFact,
  validate: (p, scenario) => factExists('fact', p.fact, scenario),
});
