import { z } from 'zod';
import type { Observations } from '../facts/observe.ts';
import { analyse, assertedAt, coordinated, isNonAnswer, polarityOf, type MisconceptionSpec } from '../language/index.ts';
import type { AnswerReading } from '../report/types.ts';
import { MisconceptionSchema } from './answer-concepts.ts';
import { answerRule } from './define.ts';
import { fmt } from './evidence-latency.ts';
import { answerText } from './match.ts';
import { fail, pass, review, type RuleContext, type RuleOutcome } from './types.ts';

/** p99 above which a histogram says the resource is the bottleneck: runqlat in ms of CPU wait, biolatency of device time. */
const SATURATED_RUNQ_P99_MS = 10;
const SLOW_DEVICE_P99_MS = 50;

export interface ChoiceReading {
  /** the choice the answer makes, if exactly one */
  choice?: string;
  asserted: string[];
  denied: string[];
  /** two choices listed side by side ("yes and no", "filesystem, block device"): a hedge */
  listed: boolean;
}

/**
 * Which choice an answer makes, read as claims: "No, runqlat p99 is low" and "nope" choose "no"; "not the disk,
 * the filesystem" asserts one choice and denies the other; denying the only other of two choices ("not
 * saturated") chooses the remaining one. Asserting two choices chooses none.
 */
export function readChoice(text: string, choices: Record<string, string[]>): ChoiceReading {
  const a = analyse(text);
  const asserted: string[] = [];
  const denied: string[] = [];
  for (const [name, phrases] of Object.entries(choices)) {
    const p = polarityOf(a, [name, ...phrases]);
    if (p === 'asserted') asserted.push(name);
    else if (p === 'denied') denied.push(name);
  }
  const names = Object.keys(choices);
  if (asserted.length === 1) return { choice: asserted[0], asserted, denied, listed: false };
  if (asserted.length === 0 && names.length === 2 && denied.length === 1) return { choice: names.find((n) => n !== denied[0]), asserted, denied, listed: false };
  const spans = asserted.map((n) => assertedAt(a, [n, ...choices[n]]));
  const listed = spans.some((xs, i) => spans.some((ys, j) => j > i && xs.some((x) => ys.some((y) => coordinated(a, x, y)))));
  return { asserted, denied, listed };
}

/** Kept for callers that only need the choice. */
export function classify(text: string, choices: Record<string, string[]>): string | undefined {
  return readChoice(text, choices).choice;
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

export interface ChoiceParams {
  key: string;
  expect: string;
  choices: Record<string, string[]>;
  misconceptions?: MisconceptionSpec[];
  observation?: { signal: 'cpu_saturated' | 'device_slow'; choiceWhenTrue: string };
}

/** One of a few choices (yes/no, filesystem/block device, futex/...), read as claims. */
export function answerChoice(ctx: RuleContext, p: ChoiceParams): RuleOutcome {
  const text = answerText(ctx.answers[p.key]);
  if (!text || isNonAnswer(text)) return fail(`no answer for "${p.key}"`);
  const read = readChoice(text, p.choices);
  const reading: AnswerReading = { key: p.key, answer: text, asserted: read.asserted, rejected: read.denied, missing: read.choice === p.expect ? [] : [p.expect] };
  const wrong = (p.misconceptions ?? []).find((m) => polarityOf(analyse(text), m.phrases) === 'asserted');
  if (wrong) return { ...fail(`"${p.key}": ${wrong.feedback}`), reading: { ...reading, misconception: { id: wrong.id, feedback: wrong.feedback } } };
  if (read.asserted.length > 1 && read.listed) return { ...fail(`"${p.key}" says both ${read.asserted.join(' and ')}: choose one`), reading };
  // "no, the CPU is saturated": two claims that disagree, not a hedge; a person reads it
  if (read.asserted.length > 1) return { ...review(`"${p.key}" says ${read.asserted.join(' and ')} in different words; your instructor will read it`), reading };
  if (!read.choice) return { ...fail(`"${p.key}": "${text}" is not one of: ${Object.keys(p.choices).join(', ')}`), reading };
  if (read.choice === p.expect) return { ...pass(`"${p.key}" is right`), reading };
  const outcome = fail(`"${p.key}": "${text}" does not match what this lab shows`);
  const seen = p.observation ? observed(ctx.obs, p.observation.signal) : undefined;
  if (seen && seen.value !== (read.choice === p.observation?.choiceWhenTrue)) {
    const why = `this contradicts your own capture: ${seen.text}`;
    return { ...outcome, message: `${outcome.message}; ${why}`, contradiction: why, reading: { ...reading, contradiction: why } };
  }
  return { ...outcome, reading };
}

export const answerChoiceRule = answerRule({
  name: 'answer-choice',
  params: {
    expect: z.string().min(1).describe('the name of the right choice'),
    choices: z.record(z.string(), z.array(z.string().min(1)).min(1)).describe('each choice with phrases that assert it (read like concept phrases: "not X" denies X)'),
    misconceptions: z.array(MisconceptionSchema).optional().describe('wrong claims: an answer asserting one gets no credit for this key'),
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
