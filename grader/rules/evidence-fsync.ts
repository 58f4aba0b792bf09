import { evidenceRule, Share, Templated } from './define.ts';
import { countFor, pct } from './match.ts';
import { fail, partial, pass, type RuleContext, type RuleOutcome } from './types.ts';

const SYNC_CALLS = ['fsync', 'fdatasync', 'sync_file_range', 'msync', 'sync', 'syncfs'];
/** Calls that wait by design (sleeps, polls, lock waits); they say nothing about I/O cost. */
const WAITING_CALLS = new Set([
  'nanosleep', 'clock_nanosleep', 'futex', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'poll', 'ppoll', 'select',
  'pselect6', 'wait4', 'waitid', 'pause', 'rt_sigtimedwait', 'rt_sigsuspend', 'accept', 'accept4', 'io_getevents',
  'io_uring_enter', 'restart_syscall', 'sched_yield',
]);

/** fsync dominates the process's slow file operations (fsslower), or its syscall time (syscount -L). */
export function fsyncDominant(ctx: RuleContext, p: { comm: string; minShare: number }): RuleOutcome {
  const { fs, syscount, fsyncHist, syncCalls } = ctx.obs;
  if (fs && fs.events > 0) {
    const syncs = fs.byType.S ?? 0;
    const share = syncs / fs.events;
    const byComm = countFor(fs.byComm, p.comm);
    const text = `${syncs} of ${fs.events} slow ${fs.fs.join('/')} operations are fsyncs (${pct(share)})`;
    if (share >= p.minShare && byComm > 0) return pass(`${text}, from the slow application`);
    if (share >= p.minShare) return partial(0.5, `${text}, but none from the slow application`);
    return fail(`${text}: fsync does not stand out`);
  }
  if (syscount && Object.keys(syscount.timeUs).length) {
    let sync = 0;
    let work = 0;
    for (const [name, us] of Object.entries(syscount.timeUs)) {
      if (WAITING_CALLS.has(name)) continue;
      work += us;
      if (SYNC_CALLS.includes(name)) sync += us;
    }
    if (work === 0) return fail('syscount shows no syscall time outside sleeps and waits');
    const share = sync / work;
    const text = `fsync-family calls take ${pct(share)} of syscall time (sleeps and waits left out)`;
    return share >= p.minShare ? pass(text) : fail(`${text}: fsync does not stand out`);
  }
  if (syscount) return partial(0.3, 'syscount counted calls but not their time: run it with -L to see where time goes');
  if (fsyncHist) return partial(0.5, `an fsync latency histogram (${fsyncHist.total} calls), but nothing to compare it with`);
  if (syncCalls) {
    const mine = countFor(syncCalls, p.comm);
    return mine > 0
      ? partial(0.5, `${mine} sync calls from the slow application, but without their latency`)
      : fail('the sync calls captured do not come from the slow application');
  }
  return fail('no capture shows file-system operation latency (fsslower/ext4slower/xfsslower, syscount -L, or a bpftrace fsync histogram)');
}

function baseName(path: string): string {
  return path.split('/').pop() ?? path;
}

/** The fsyncs (or, without fsslower, the opens of the slow process) land on the expected file. */
export function fsyncFile(ctx: RuleContext, p: { comm: string; file: string }): RuleOutcome {
  const { fs, opens } = ctx.obs;
  if (fs && Object.keys(fs.typesByFile).length) {
    const ranked = Object.entries(fs.typesByFile)
      .map(([file, t]) => [file, t.S ?? 0] as const)
      .filter(([, s]) => s > 0)
      .sort((a, b) => b[1] - a[1]);
    const total = ranked.reduce((s, [, n]) => s + n, 0);
    if (total === 0) return fail('the slow-operations capture has no fsyncs');
    const mine = ranked.filter(([f]) => baseName(f) === baseName(p.file)).reduce((s, [, n]) => s + n, 0);
    if (mine / total >= 0.5) return pass(`${mine} of ${total} slow fsyncs hit one file`);
    return fail(`the slow fsyncs are spread over ${ranked.length} files`);
  }
  if (opens) {
    const own = Object.entries(opens.pathsByComm)
      .filter(([comm]) => comm.slice(0, 15) === p.comm.slice(0, 15))
      .flatMap(([, paths]) => Object.keys(paths));
    if (own.some((path) => baseName(path) === baseName(p.file))) return pass('opensnoop shows the slow application opening the file it syncs');
    if (Object.keys(opens.byPath).some((path) => baseName(path) === baseName(p.file))) {
      return pass('opensnoop shows the file the slow application writes being opened');
    }
    return fail('the opensnoop capture does not show the file the slow application writes');
  }
  return fail('no capture names files: use ext4slower/xfsslower (fsslower), or opensnoop where those do not run');
}

export const fsyncDominantRule = evidenceRule({
  name: 'fsync-dominant',
  params: { comm: Templated, minShare: Share },
  run: (ctx, p) => fsyncDominant(ctx, { comm: String(p.comm), minShare: p.minShare }),
});

export const fsyncFileRule = evidenceRule({
  name: 'fsync-file',
  params: { comm: Templated, file: Templated },
  run: (ctx, p) => fsyncFile(ctx, { comm: String(p.comm), file: String(p.file) }),
});
