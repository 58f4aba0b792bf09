import { evidenceRule, Share, Templated } from './define.ts';
import { countFor, pct, sameComm } from './match.ts';
import { fail, partial, pass, type RuleContext, type RuleOutcome } from './types.ts';

const FUTEX_FRAME = /futex|__lll_lock_wait|pthread_mutex_lock|___pthread_mutex_lock/;

/** Most of the process's off-CPU time is spent waiting on a futex (a contended lock). */
export function offcpuFutexDominant(ctx: RuleContext, p: { comm: string; minShare: number }): RuleOutcome {
  const off = ctx.obs.offcpu;
  if (!off) return fail('no offcputime capture to check');
  const total = countFor(off.byComm, p.comm);
  if (total === 0) return fail('the offcputime capture shows no off-CPU time for the slow service');
  const futex = countFor(off.futexByComm, p.comm);
  const share = futex / total;
  const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
  const text = `the slow service: ${ms(futex)} of ${ms(total)} off-CPU time is in futex waits (${pct(share)})`;
  return share >= p.minShare ? pass(text) : fail(`${text}: the threads are blocked on something else`);
}

/** The function that takes the lock appears in the futex-wait stacks of the process. */
export function offcpuFunctionInStacks(ctx: RuleContext, p: { comm: string; function: string }): RuleOutcome {
  const off = ctx.obs.offcpu;
  if (!off) return fail('no offcputime capture to check');
  const stacks = off.stacks.filter((s) => sameComm(s.comm, p.comm));
  if (stacks.length === 0) return fail('no stacks of the slow service in the capture');
  const fn = new RegExp(`(^|[\\s;])${p.function.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\+0x[0-9a-f]+)?($|[\\s;(])`);
  const hits = stacks.filter((s) => s.frames.some((f) => fn.test(f)));
  const locked = hits.filter((s) => s.frames.some((f) => FUTEX_FRAME.test(f)));
  if (locked.length) return pass(`${locked.length} futex-wait stack(s) of the slow service pass through the function that takes the lock`);
  if (hits.length) return partial(0.5, 'the function appears in stacks, but not in futex waits');
  const userFrames = stacks.some((s) => s.frames.some((f) => !/^\[|^0x|^[a-z_]+\+0x/.test(f) && !FUTEX_FRAME.test(f)));
  return fail(userFrames ? 'the stacks do not show the function that holds up the threads' : 'the stacks have no user-space frames (missed user stacks?)');
}

export const offcpuFutexDominantRule = evidenceRule({
  name: 'offcpu-futex-dominant',
  params: { comm: Templated, minShare: Share },
  run: (ctx, p) => offcpuFutexDominant(ctx, { comm: String(p.comm), minShare: p.minShare }),
});

export const offcpuFunctionInStacksRule = evidenceRule({
  name: 'offcpu-function-in-stacks',
  params: { comm: Templated, function: Templated },
  run: (ctx, p) => offcpuFunctionInStacks(ctx, { comm: String(p.comm), function: String(p.function) }),
});
