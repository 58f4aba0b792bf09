import { evidenceRule, Share, Templated } from './define.ts';
import { countFor, pct, sameComm } from './match.ts';
import { fail, partial, pass, type RuleContext, type RuleOutcome } from './types.ts';

const NO_EXECSNOOP = 'no execsnoop capture to check';

/** The comm is among the most frequent execs and has at least `minShare` of them. */
export function execDominant(ctx: RuleContext, p: { comm: string; minShare: number }): RuleOutcome {
  const exec = ctx.obs.exec;
  if (!exec) return fail(NO_EXECSNOOP);
  if (exec.events === 0) return fail('the execsnoop capture has no exec events');
  const n = countFor(exec.byComm, p.comm);
  const share = n / exec.events;
  const ranked = Object.entries(exec.byComm).sort((a, b) => b[1] - a[1]);
  const rank = ranked.findIndex(([c]) => sameComm(c, p.comm)) + 1;
  if (n === 0) return fail(`the capture shows ${exec.events} execs, none of them by the process behind the load`);
  const text = `the incident's command accounts for ${n} of ${exec.events} execs (${pct(share)}, rank ${rank})`;
  if (share >= p.minShare && rank <= 3) return pass(text);
  return fail(`${text}: not enough to explain the load`);
}

/** Execs of the comm a capture needs before its rate means anything. */
const MIN_RATE_EXECS = 3;
/** Within its own loop, a command started about as often as the fastest one (timing jitter) is as fast. */
const LOOP_TIE = 0.9;

/**
 * The capture measures the comm's exec rate (timestamps: `execsnoop -t`) and it is the incident's rate:
 * at least `minRatePerSec` (what the fault produces on real hardware) or, since a slow or loaded host
 * (an emulated VM manages 1-3 curls a second) cannot reach an absolute number, the fastest-started command
 * of the capture. Its own loop starts its `sleep` and `date` at the same pace, so within that loop a tie
 * counts as fastest; what other parents started (a tool's own polling, cron) must be slower.
 */
export function execRate(ctx: RuleContext, p: { comm: string; minRatePerSec: number }): RuleOutcome {
  const exec = ctx.obs.exec;
  if (!exec) return fail(NO_EXECSNOOP);
  const n = countFor(exec.byComm, p.comm);
  if (n === 0) return fail(`no execs of the process behind the load in the capture`);
  if (exec.timedSec <= 0) {
    return partial(0.5, `${n} execs of the incident's command, but the capture has no timestamps, so the rate cannot be measured`);
  }
  let rate = 0;
  let fastestOutside = 0;
  let fastestInLoop = 0;
  const loop = loopParent(exec.parentsByComm, p.comm);
  for (const [comm, r] of Object.entries(exec.ratePerSecByComm)) {
    if (sameComm(comm, p.comm)) {
      rate += r;
      continue;
    }
    const outside = shareOutside(exec.parentsByComm[comm], loop);
    fastestOutside = Math.max(fastestOutside, r * outside);
    fastestInLoop = Math.max(fastestInLoop, r * (1 - outside));
  }
  const text = `the incident's command runs ${rate.toFixed(1)} times per second over ${exec.timedSec.toFixed(1)} s of capture`;
  if (rate >= p.minRatePerSec) return pass(text);
  if (n >= MIN_RATE_EXECS && rate > fastestOutside && rate >= LOOP_TIE * fastestInLoop) return pass(`${text}, faster than any other command in it (a slow host runs the loop below its ${p.minRatePerSec}/s)`);
  return fail(`${text}, below the ${p.minRatePerSec}/s the incident produces`);
}

/** The PPID that started most of the comm's execs: the incident's loop (null when the capture has no PPIDs). */
function loopParent(parentsByComm: Record<string, Record<string, number>>, comm: string): string | null {
  let best: string | null = null;
  let most = 0;
  for (const [c, byPpid] of Object.entries(parentsByComm)) {
    if (!sameComm(c, comm)) continue;
    for (const [ppid, n] of Object.entries(byPpid)) if (n > most) [best, most] = [ppid, n];
  }
  return best;
}

/** The share of a command's execs that a parent other than `loop` started (1 without PPIDs). */
function shareOutside(byPpid: Record<string, number> | undefined, loop: string | null): number {
  if (!byPpid || loop === null) return 1;
  const total = Object.values(byPpid).reduce((s, n) => s + n, 0);
  return total === 0 ? 1 : (total - (byPpid[loop] ?? 0)) / total;
}

/** One parent (PPID) spawns at least `minShare` of the comm's execs: the loop that drives the load. */
export function execSingleParent(ctx: RuleContext, p: { comm: string; minShare: number }): RuleOutcome {
  const exec = ctx.obs.exec;
  if (!exec) return fail(NO_EXECSNOOP);
  const parents: Record<string, number> = {};
  for (const [comm, byPpid] of Object.entries(exec.parentsByComm)) {
    if (!sameComm(comm, p.comm)) continue;
    for (const [ppid, count] of Object.entries(byPpid)) parents[ppid] = (parents[ppid] ?? 0) + count;
  }
  const total = Object.values(parents).reduce((s, v) => s + v, 0);
  if (total === 0) {
    return countFor(exec.byComm, p.comm) > 0
      ? partial(0.5, 'the capture has no PPID column, so the parent cannot be seen')
      : fail('no execs of the process behind the load in the capture');
  }
  const [ppid, count] = Object.entries(parents).sort((a, b) => b[1] - a[1])[0];
  const text = `PPID ${ppid} started ${count} of the ${total} processes of the incident's command (${pct(count / total)})`;
  return count / total >= p.minShare ? pass(text) : fail(`${text}: no single parent stands out`);
}

export const execDominantRule = evidenceRule({
  name: 'exec-dominant',
  params: { comm: Templated, minShare: Share },
  run: (ctx, p) => execDominant(ctx, { comm: String(p.comm), minShare: p.minShare }),
});

export const execRateRule = evidenceRule({
  name: 'exec-rate',
  params: { comm: Templated, minRatePerSec: Templated },
  run: (ctx, p) => execRate(ctx, { comm: String(p.comm), minRatePerSec: Number(p.minRatePerSec) }),
});

export const execSingleParentRule = evidenceRule({
  name: 'exec-single-parent',
  params: { comm: Templated, minShare: Share },
  run: (ctx, p) => execSingleParent(ctx, { comm: String(p.comm), minShare: p.minShare }),
});
