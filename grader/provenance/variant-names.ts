import { observe } from '../facts/observe.ts';
import type { Facts } from '../manifest.ts';
import { isVariantName } from '../../scenarios/variants.ts';
import type { Capture, CaptureOf } from '../parsers/types.ts';

/**
 * Do the captures come from this learner's lab? Each lab runs a variant whose names (loop script, URL,
 * service, hot function, file) are drawn from the learner's seed, and the tools print those names. A
 * mismatch is only called when a capture *shows* the fault with some other name in that slot: a capture
 * that does not show the fault at all is the evidence checks' business, not a provenance problem.
 * Pure: parsed captures and the manifest's facts in, findings out.
 */

export interface VariantMismatch {
  /** the manifest fact whose value the captures contradict */
  fact: string;
  expected: string;
  /** what the captures show in its place */
  seen: string;
  /** which tool showed it */
  tool: string;
}

export interface VariantNameCheck {
  /** facts found in the captures with this learner's value */
  matched: string[];
  mismatches: VariantMismatch[];
}

const of = <T extends Capture['tool']>(captures: Capture[], tool: T) => captures.filter((c): c is CaptureOf<T> => c.tool === tool);

const top = (counts: Record<string, number> | undefined): [string, number] | undefined =>
  Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];

/** `update_inventory+0x1c`, `update_inventory (/opt/x)`, `[unknown]` -> bare symbol (or '' when unknown). */
function symbol(frame: string): string {
  const s = frame.trim().replace(/\s*\(.*\)$/, '').replace(/\+0x[0-9a-f]+$/i, '').replace(/^-+\s*/, '');
  return /^\[?unknown\]?$/i.test(s) ? '' : s;
}

const baseName = (p: string) => p.split('/').filter(Boolean).pop() ?? p;

function normUrl(u: string): string {
  try {
    const url = new URL(u);
    return `${url.hostname}:${url.port}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return u.replace(/\/+$/, '');
  }
}

function ghostLoad(captures: Capture[], facts: Facts, out: VariantNameCheck): void {
  const exec = observe(of(captures, 'execsnoop')).exec;
  const culprit = String(facts.culprit_comm ?? 'curl');
  if (!exec || !exec.byComm[culprit]) return;
  const expectedUrl = String(facts.url ?? '');
  const url = (exec.topArgsByComm[culprit] ?? '').match(/https?:\/\/[^\s'"]+/)?.[0];
  if (url && expectedUrl) {
    if (normUrl(url) === normUrl(expectedUrl)) out.matched.push('url');
    else out.mismatches.push({ fact: 'url', expected: expectedUrl, seen: url, tool: 'execsnoop' });
  }
  // The loop script shows up only when it was (re)started while tracing. Other scripts on the host (cron
  // jobs, the learner's own helpers, another lab) prove nothing: only a script whose PID is the parent of
  // the culprit's execs is the loop, and only a different name there is another learner's lab.
  const parent = String(facts.parent_comm ?? '');
  if (!parent) return;
  const spawners = culpritScripts(of(captures, 'execsnoop'), culprit);
  // a learner's own script may run curl too: only a loop script some lab would use is another lab's
  const foreign = [...spawners].filter((s) => s !== parent && isVariantName('parent_comm', s));
  const inArgs = Object.values(exec.topArgsByComm).some((a) => a.split(/[\s/]+/).includes(parent));
  if (spawners.has(parent) || inArgs) out.matched.push('parent_comm');
  else if (foreign.length) out.mismatches.push({ fact: 'parent_comm', expected: parent, seen: foreign.sort().join(', '), tool: 'execsnoop' });
}

/** Names of the scripts that spawned `culprit`, tied by PID within each capture (PIDs mean nothing across hosts). */
function culpritScripts(list: CaptureOf<'execsnoop'>[], culprit: string): Set<string> {
  const out = new Set<string>();
  for (const c of list) {
    const parents = c.summary.parentsByComm?.[culprit];
    const scripts = c.summary.scriptPids;
    if (!parents || !scripts) continue;
    for (const ppid of Object.keys(parents)) if (scripts[ppid]) out.add(scripts[ppid]);
  }
  return out;
}

function offcpuLock(captures: Capture[], facts: Facts, out: VariantNameCheck): void {
  const offcpu = observe(of(captures, 'offcputime')).offcpu;
  if (!offcpu || offcpu.futexUs <= 0) return;
  const comm = String(facts.process_comm ?? '');
  if (!(comm in offcpu.byComm)) {
    const [topComm, us] = top(offcpu.futexByComm) ?? ['', 0];
    // only a capture whose lock contention is clearly one process's is evidence of someone else's lab
    if (topComm && us >= 0.5 * offcpu.futexUs) out.mismatches.push({ fact: 'process_comm', expected: comm, seen: topComm, tool: 'offcputime' });
    return;
  }
  out.matched.push('process_comm');
  const hot = String(facts.hot_function ?? '');
  const stacks = offcpu.stacks.filter((s) => s.comm === comm).map((s) => s.frames.map(symbol));
  if (!hot || !stacks.length) return;
  if (stacks.some((names) => names.includes(hot))) {
    out.matched.push('hot_function');
    return;
  }
  // frames are leaf first: the function that takes the lock sits above the mutex frames and any lock wrapper
  for (const names of stacks) {
    const lockAt = names.reduce((at, n, i) => (LOCK_FRAME.test(n) ? i : at), -1);
    if (lockAt < 0) continue;
    const caller = names.slice(lockAt + 1).find((n) => n && !LOCK_WRAPPER.test(n));
    if (caller && !STACK_BASE.test(caller)) {
      out.mismatches.push({ fact: 'hot_function', expected: hot, seen: caller, tool: 'offcputime' });
      return;
    }
  }
}

const LOCK_FRAME = /pthread_mutex_lock|__lll_lock_wait/;
const LOCK_WRAPPER = /^(_*pthread_|take_lock$|lock$|__lll_)/;
const STACK_BASE = /^(start_thread|clone3?|__clone3?|worker|main|__libc_start_\w+|_start)$/;

function fsyncLatency(captures: Capture[], facts: Facts, out: VariantNameCheck): void {
  const comm = String(facts.process_comm ?? '');
  const file = baseName(String(facts.file_name ?? ''));
  const fs = observe(of(captures, 'fsslower')).fs;
  if (fs && fs.events > 0) {
    if (comm in fs.byComm) out.matched.push('process_comm');
    else {
      const [topComm] = top(fs.byComm) ?? [''];
      if (topComm) out.mismatches.push({ fact: 'process_comm', expected: comm, seen: topComm, tool: 'fsslower' });
    }
    const syncsByFile = Object.fromEntries(Object.entries(fs.typesByFile).map(([f, t]) => [baseName(f), t.S ?? 0]));
    const [topFile, syncs] = top(syncsByFile) ?? ['', 0];
    if (file && file in syncsByFile) out.matched.push('file_name');
    else if (topFile && syncs > 0) out.mismatches.push({ fact: 'file_name', expected: file, seen: topFile, tool: 'fsslower' });
  }
  // bpftrace one-liners keyed by comm (`@fsync_lat[ledgerd]`) name the process too
  const keyed = of(captures, 'bpftrace-hist')
    .flatMap((c) => c.summary.histograms)
    .filter((h) => /sync/i.test(`${h.unit} ${h.label ?? ''}`))
    .map((h) => ({ key: (h.label ?? '').match(/\[([^\]]+)\]/)?.[1]?.trim(), total: h.total }))
    .filter((h): h is { key: string; total: number } => Boolean(h.key) && !/^(fsync|fdatasync|sync|\d+)$/i.test(h.key!));
  if (keyed.length && !out.matched.includes('process_comm') && !out.mismatches.some((m) => m.fact === 'process_comm')) {
    if (keyed.some((h) => h.key === comm)) out.matched.push('process_comm');
    else {
      const best = keyed.sort((a, b) => b.total - a.total)[0];
      out.mismatches.push({ fact: 'process_comm', expected: comm, seen: best.key, tool: 'bpftrace-hist' });
    }
  }
}

/** Compares the variant names the captures show with the learner's manifest facts. */
export function checkVariantNames(scenario: string, facts: Facts, captures: Capture[]): VariantNameCheck {
  const out: VariantNameCheck = { matched: [], mismatches: [] };
  if (scenario === 'ghost-load') ghostLoad(captures, facts, out);
  else if (scenario === 'offcpu-lock') offcpuLock(captures, facts, out);
  else if (scenario === 'fsync-latency') fsyncLatency(captures, facts, out);
  return out;
}
