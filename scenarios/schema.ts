import { z } from 'zod';
import { TOOL_NAMES } from '../grader/parsers/types.ts';

/**
 * `scenarios/<id>/scenario.yaml`: the source of truth for an exercise. Checks name a rule from the grader's
 * rule catalog (grader/rules/) with typed parameters; string parameters may use `{{fact}}` placeholders that
 * are filled from the lab manifest's facts (or the scenario's default variant).
 */

const Tool = z.enum(TOOL_NAMES);
const Templated = z.union([z.string(), z.number()]).describe('a value, or "{{fact_name}}" filled from the manifest facts');

const Concept = z
  .object({
    name: z.string().min(1).describe('what the concept is, shown in feedback'),
    any: z.array(z.string().min(1)).min(1).describe('phrases (synonyms) that express the concept; matched case-insensitively on word boundaries'),
  })
  .strict();

const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  title: z.string().min(1).describe('what the check verifies, shown to the learner'),
  points: z.number().int().min(1).max(100),
  hint: z.string().min(1).describe('shown when the check fails: teaches without giving the answer away'),
  required: z.boolean().default(false).describe('the submission cannot pass unless this check passes'),
};

const evidence = <R extends string, W extends z.ZodRawShape>(rule: R, params: W) =>
  z.object({ ...base, kind: z.literal('evidence'), rule: z.literal(rule), with: z.object(params).strict() }).strict();
const answer = <R extends string, W extends z.ZodRawShape>(rule: R, params: W) =>
  z.object({ ...base, kind: z.literal('answer'), rule: z.literal(rule), with: z.object({ key: z.string().min(1), ...params }).strict() }).strict();

export const CheckSchema = z.discriminatedUnion('rule', [
  evidence('capture-present', { tools: z.array(Tool).min(1) }),
  evidence('exec-dominant', { comm: Templated, minShare: z.number().gt(0).lte(1) }),
  evidence('exec-rate', { comm: Templated, minRatePerSec: Templated }),
  evidence('exec-single-parent', { comm: Templated, minShare: z.number().gt(0).lte(1) }),
  evidence('offcpu-futex-dominant', { comm: Templated, minShare: z.number().gt(0).lte(1) }),
  evidence('offcpu-function-in-stacks', { comm: Templated, function: Templated }),
  evidence('latency-healthy', { tool: z.enum(['runqlat', 'biolatency']), maxP99Ms: z.number().positive() }),
  evidence('fsync-dominant', { comm: Templated, minShare: z.number().gt(0).lte(1) }),
  evidence('fsync-file', { comm: Templated, file: Templated }),
  answer('answer-fact', {
    fact: z.string().min(1),
    match: z.enum(['comm', 'text', 'file']).default('text'),
    evidence: z
      .enum(['exec-comm', 'exec-parent', 'offcpu-comm', 'stack-function', 'fs-comm', 'fs-file'])
      .optional()
      .describe("where in the learner's own captures a wrong answer can be checked against"),
  }),
  answer('answer-number', {
    minFact: z.string().min(1),
    maxFactor: z.number().positive().optional(),
    comm: Templated.optional().describe('compare with the exec rate of this comm in the learner\'s capture'),
  }),
  answer('answer-concepts', { concepts: z.array(Concept).min(1), need: z.number().int().min(1).optional() }),
  answer('answer-choice', {
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
  }),
]);
export type ScenarioCheck = z.infer<typeof CheckSchema>;
export type RuleName = ScenarioCheck['rule'];

export const ScenarioSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    summary: z.string().min(1),
    minutes: z.number().int().positive().describe('expected time to solve'),
    tools: z.array(z.string().min(1)).min(1).describe('lesson tools that reveal the fault'),
    facts: z
      .record(z.string(), z.object({ description: z.string().min(1), varies: z.boolean().default(false) }).strict())
      .describe('keys the lab manifest must provide'),
    answers: z
      .record(z.string(), z.object({ description: z.string().min(1), example: z.string().optional() }).strict())
      .describe('keys of answers.yaml'),
    requiredCaptures: z
      .array(z.array(Tool).min(1))
      .default([])
      .describe('each entry: at least one capture of one of these tools, else the submission is ungradable'),
    passPercent: z.number().min(1).max(100).default(70),
    hints: z.array(z.string().min(1)).default([]).describe('progressive hints for `labctl hint`, gentlest first'),
    checks: z.array(CheckSchema).min(1),
  })
  .strict();

export type Scenario = z.infer<typeof ScenarioSchema>;
