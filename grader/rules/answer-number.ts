import { z } from 'zod';
import { answerRule, factExists, Templated } from './define.ts';
import { answerNumber, sameComm } from './match.ts';
import { fail, partial, pass, type RuleContext, type RuleOutcome } from './types.ts';

/** How far a learner's estimate may sit below the lab's minimum and still count: rates are noisy. */
const SLACK = 0.8;

/** A numeric answer at least the lab's fact (times SLACK), and at most `maxFactor` times it. */
export function answerNumberRule(ctx: RuleContext, p: { key: string; minFact: string; maxFactor?: number; comm?: string | number }): RuleOutcome {
  const value = answerNumber(ctx.answers[p.key]);
  if (value === undefined) return fail(`"${p.key}" needs a number`);
  const min = Number(ctx.facts[p.minFact]);
  if (!Number.isFinite(min)) return fail(`the lab manifest has no number "${p.minFact}": ask your instructor`);
  const observed = observedRate(ctx, p.comm);
  const withEvidence = (o: RuleOutcome): RuleOutcome => {
    if (observed === undefined || o.status === 'pass') return o;
    if (value > observed * 2 || value < observed / 2) {
      const why = `your own capture shows about ${observed.toFixed(1)} per second`;
      return { ...o, message: `${o.message}; ${why}`, contradiction: why };
    }
    return o;
  };
  if (value < min * SLACK) return withEvidence(fail(`"${p.key}": ${value} is too low for what this lab produces`));
  if (p.maxFactor && value > min * p.maxFactor) return withEvidence(partial(0.5, `"${p.key}": ${value} is higher than this lab produces`));
  return pass(`"${p.key}": ${value} fits what the lab produces`);
}

function observedRate(ctx: RuleContext, comm: string | number | undefined): number | undefined {
  const exec = ctx.obs.exec;
  if (comm === undefined || !exec || exec.timedSec <= 0) return undefined;
  let rate = 0;
  for (const [c, r] of Object.entries(exec.ratePerSecByComm)) if (sameComm(c, String(comm))) rate += r;
  return rate > 0 ? rate : undefined;
}

export const answerNumberDefinition = answerRule({
  name: 'answer-number',
  params: {
    minFact: z.string().min(1),
    maxFactor: z.number().positive().optional(),
    comm: Templated.optional().describe("compare with the exec rate of this comm in the learner's capture"),
  },
  run: answerNumberRule,
  validate: (p, scenario) => factExists('minFact', p.minFact, scenario),
});
