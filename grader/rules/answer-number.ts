import { z } from 'zod';
import { readNumber } from '../language/index.ts';
import type { AnswerReading } from '../report/types.ts';
import { answerRule, factExists, Templated } from './define.ts';
import { answerText, countFor, sameComm } from './match.ts';
import { fail, pass, type RuleContext, type RuleOutcome } from './types.ts';

/** How far a rate may sit from the one measured in the learner's own capture. */
const DEFAULT_TOLERANCE = 0.5;

export interface NumberParams {
  key: string;
  minFact: string;
  maxFactor?: number;
  tolerance?: number;
  comm?: string | number;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * A rate: one number, within `tolerance` of the rate measured from the learner's own timestamped capture (when
 * there is one), and within what the lab produces (at least its minimum, at most `maxFactor` times it). A count
 * from the capture given as a rate is called out as such.
 */
export function answerNumberRule(ctx: RuleContext, p: NumberParams): RuleOutcome {
  const raw = ctx.answers[p.key];
  const text = typeof raw === 'number' ? String(raw) : answerText(raw);
  const reading: AnswerReading = { key: p.key, answer: text, asserted: [], rejected: [], missing: [] };
  const fails = (message: string, contradiction?: string): RuleOutcome => ({
    ...fail(contradiction ? `${message}; ${contradiction}` : message),
    ...(contradiction ? { contradiction } : {}),
    reading: { ...reading, ...(contradiction ? { contradiction } : {}) },
  });
  const number = readNumber(Array.isArray(raw) ? raw : typeof raw === 'number' ? raw : text);
  if (number.kind === 'range') return fails(`"${p.key}": ${fmt(number.low)}-${fmt(number.high)} is a range: give the one rate you measured`);
  if (number.kind === 'list') return fails(`"${p.key}" gives ${number.values.length} numbers (${number.values.map(fmt).join(', ')}): give the one rate you measured`);
  if (number.kind === 'none') return fails(`"${p.key}" needs a number`);
  const value = number.value;
  reading.asserted = [fmt(value)];
  const min = Number(ctx.facts[p.minFact]);
  if (!Number.isFinite(min)) return fails(`the lab manifest has no number "${p.minFact}": ask your instructor`);

  const observed = observedRate(ctx, p.comm);
  const count = countGivenAsRate(ctx, p.comm, value, observed?.rate);
  if (count) return fails(`"${p.key}": ${fmt(value)} is a count, not a rate`, count);
  if (value < min) {
    return fails(`"${p.key}": ${fmt(value)} per second is too low for what this lab produces`, observed && !near(value, observed.rate, p) ? ownRate(observed) : undefined);
  }
  if (p.maxFactor && value > min * p.maxFactor) {
    return fails(`"${p.key}": ${fmt(value)} per second is more than this lab produces`, observed && !near(value, observed.rate, p) ? ownRate(observed) : undefined);
  }
  if (observed && !near(value, observed.rate, p)) return fails(`"${p.key}": ${fmt(value)} per second does not agree with your capture`, ownRate(observed));
  return { ...pass(`"${p.key}": ${fmt(value)} per second fits ${observed ? 'your capture and ' : ''}what the lab produces`), reading };
}

function near(value: number, rate: number, p: NumberParams): boolean {
  const tol = p.tolerance ?? DEFAULT_TOLERANCE;
  return value >= rate * (1 - tol) && value <= rate * (1 + tol);
}

function ownRate(o: { rate: number; seconds: number }): string {
  return `your own capture shows about ${o.rate.toFixed(1)} per second over ${o.seconds.toFixed(1)} s`;
}

function observedRate(ctx: RuleContext, comm: string | number | undefined): { rate: number; seconds: number } | undefined {
  const exec = ctx.obs.exec;
  if (comm === undefined || !exec || exec.timedSec <= 0) return undefined;
  let rate = 0;
  for (const [c, r] of Object.entries(exec.ratePerSecByComm)) if (sameComm(c, String(comm))) rate += r;
  return { rate, seconds: exec.timedSec };
}

/** The answer equals a count in the learner's capture (the command's execs, or all execs) and not the rate. */
function countGivenAsRate(ctx: RuleContext, comm: string | number | undefined, value: number, rate: number | undefined): string | undefined {
  const exec = ctx.obs.exec;
  if (!exec) return undefined;
  const counts: Array<[number, string]> = [];
  if (comm !== undefined) counts.push([countFor(exec.byComm, String(comm)), `how many times ${comm} ran in your capture`]);
  counts.push([exec.events, 'how many execs your capture holds in all']);
  for (const [n, what] of counts) {
    if (n < 10 || Math.abs(value - n) > Math.max(1, n * 0.03)) continue;
    if (rate !== undefined && Math.abs(value - rate) <= rate * 0.1) continue;
    const per = exec.timedSec > 0 ? ` over ${exec.timedSec.toFixed(1)} s, about ${(n / exec.timedSec).toFixed(1)} per second` : '';
    return `${fmt(n)} is ${what}${per}`;
  }
  return undefined;
}

export const answerNumberDefinition = answerRule({
  name: 'answer-number',
  params: {
    minFact: z.string().min(1),
    maxFactor: z.number().positive().optional().describe('the highest rate the lab can produce, as a multiple of the minimum'),
    tolerance: z.number().gt(0).lt(1).optional().describe("how far the answer may sit from the rate in the learner's own capture (default 0.5 = +-50%)"),
    comm: Templated.optional().describe("compare with the exec rate of this comm in the learner's capture"),
  },
  run: answerNumberRule,
  validate: (p, scenario) => factExists('minFact', p.minFact, scenario),
});
