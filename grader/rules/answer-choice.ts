import { z } from 'zod';
import type { Observations } from '../facts/observe.ts';
import { answerRule } from './define.ts';
import { fmt } from './evidence-latency.ts';
import { answerText, containsPhrase, normalizeText } from './match.ts';
import { fail, pass, type RuleContext, type RuleOutcome } from './types.ts';

/** p99 above which a histogram says the resource is the bottleneck: runqlat in ms of CPU wait, biolatency of device time. */
const SATURATED_RUNQ_P99_MS = 10;
const SLOW_DEVICE_P99_MS = 50;

/** The choice whose matching phrase is longest wins, so "not saturated" beats "saturated". */
export function classify(text: string, choices: Record<string, string[]>): string | undefined {
  let best: { name: string; len: number } | undefined;
  for (const [name, phrases] of Object.entries(choices)) {
    for (const phrase of [name, ...phrases]) {
      const len = normalizeText(phrase).trim().length;
      if (containsPhrase(text, phrase) && (!best || len > best.len)) best = { name, len };
    }
  }
  return best?.name;
}

/** What the learner's own histograms say, in the answer's terms (true = "yes, saturated/slow"). */
function observed(obs: Observations, what: 'cpu_saturated' | 'device_slow'): { value: boolean; text: string } | undefined {
  if (what === 'cpu_saturated' && obs.runqlat) {
    return { value: obs.runqlat.p99Ms > SATURATED_RUNQ_P99_MS, text: `runqlat p99 is ${fmt(obs.runqlat.p99Ms)}` };
  }
  if (what === 'device_slow' && obs.biolatency) {
    return { value: obs.biolatency.p99Ms > SLOW_DEVICE_P99_MS, text: `biolatency p99 is ${fmt(obs.biolatency.p99Ms)}` };
  }
  return undefined;
}

/** One of a few choices (yes/no, filesystem/block device, futex/...), classified by synonyms. */
export function answerChoice(
  ctx: RuleContext,
  p: {
    key: string;
    expect: string;
    choices: Record<string, string[]>;
    observation?: { signal: 'cpu_saturated' | 'device_slow'; choiceWhenTrue: string };
  },
): RuleOutcome {
  const text = answerText(ctx.answers[p.key]);
  if (!text) return fail(`no answer for "${p.key}"`);
  const choice = classify(text, p.choices);
  if (!choice) return fail(`"${p.key}": "${text}" is not one of: ${Object.keys(p.choices).join(', ')}`);
  if (choice === p.expect) return pass(`"${p.key}" is right`);
  const outcome = fail(`"${p.key}": "${text}" does not match what this lab shows`);
  const seen = p.observation ? observed(ctx.obs, p.observation.signal) : undefined;
  if (seen && seen.value !== (choice === p.observation?.choiceWhenTrue)) {
    const why = `this contradicts your own capture: ${seen.text}`;
    return { ...outcome, message: `${outcome.message}; ${why}`, contradiction: why };
  }
  return outcome;
}

export const answerChoiceRule = answerRule({
  name: 'answer-choice',
  params: {
    expect: z.string().min(1).describe('the name of the right choice'),
    choices: z.record(z.string(), z.array(z.string().min(1)).min(1)),
    observation: z
      .object({
        signal: z.enum(['cpu_saturated', 'device_slow']),
        choiceWhenTrue: z.string().min(1).describe('the choice that agrees with the signal being true'),
      })
      .strict()
      .optional()
      .describe("the learner's own evidence this answer can contradict"),
  },
  run: answerChoice,
  validate: (p) => (p.expect in p.choices ? [] : [{ field: 'expect', message: `"${p.expect}" is not one of the choices` }]),
});
