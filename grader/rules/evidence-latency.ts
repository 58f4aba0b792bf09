import { z } from 'zod';
import { evidenceRule } from './define.ts';
import { fail, pass, type RuleContext, type RuleOutcome } from './types.ts';

const WHAT = {
  runqlat: { healthy: 'threads get a CPU quickly: the CPU is not saturated', sick: 'threads wait long for a CPU' },
  biolatency: { healthy: 'the block device answers quickly', sick: 'the block device itself is slow' },
} as const;

/** A latency histogram whose p99 stays under `maxP99Ms`: the resource is not the bottleneck. */
export function latencyHealthy(ctx: RuleContext, p: { tool: 'runqlat' | 'biolatency'; maxP99Ms: number }): RuleOutcome {
  const lat = ctx.obs[p.tool];
  if (!lat) return fail(`no ${p.tool} histogram to check`);
  const text = `${p.tool}: ${lat.total} events, p50 ${fmt(lat.p50Ms)}, p99 ${fmt(lat.p99Ms)}`;
  return lat.p99Ms <= p.maxP99Ms ? pass(`${text}; ${WHAT[p.tool].healthy}`) : fail(`${text}; ${WHAT[p.tool].sick}`);
}

export const latencyHealthyRule = evidenceRule({
  name: 'latency-healthy',
  params: { tool: z.enum(['runqlat', 'biolatency']), maxP99Ms: z.number().positive() },
  run: latencyHealthy,
});

export function fmt(ms: number): string {
  return ms >= 1 ? `${ms.toFixed(ms >= 10 ? 0 : 1)} ms` : `${Math.round(ms * 1000)} us`;
}
