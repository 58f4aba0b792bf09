import { z } from 'zod';
import { TOOL_NAMES } from '../grader/parsers/types.ts';
import { RULES, type RegisteredRule } from '../grader/rules/registry.ts';
import type { RuleDefinition } from '../grader/rules/types.ts';

/**
 * `scenarios/<id>/scenario.yaml`: the source of truth for an exercise. Checks name a rule from the grader's
 * rule registry (grader/rules/registry.ts), which declares each rule's parameters; string parameters may use `{{fact}}` placeholders that
 * are filled from the lab manifest's facts (or the scenario's default variant).
 */

const Tool = z.enum(TOOL_NAMES);

const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  title: z.string().min(1).describe('what the check verifies, shown to the learner'),
  points: z.number().int().min(1).max(100),
  hint: z.string().min(1).describe('shown when the check fails: teaches without giving the answer away'),
  required: z.boolean().default(false).describe('the submission cannot pass unless this check passes'),
};

function checkSchemaOf<R extends RegisteredRule>(rule: R) {
  return z.object({ ...base, kind: z.literal(rule.kind), rule: z.literal(rule.name), with: rule.params }).strict();
}

type CheckOf<R> = R extends RuleDefinition<infer N, infer K, infer S>
  ? { id: string; title: string; points: number; hint: string; required: boolean; kind: K; rule: N; with: z.output<S> }
  : never;

/** One check of scenario.yaml; its `rule` and `with` come from the rule registry (grader/rules/registry.ts). */
export type ScenarioCheck = CheckOf<RegisteredRule>;
export type RuleName = RegisteredRule['name'];

const checkSchemas = RULES.map(checkSchemaOf);
export const CheckSchema = z.discriminatedUnion('rule', checkSchemas as unknown as [(typeof checkSchemas)[number], ...(typeof checkSchemas)[number][]]) as unknown as z.ZodType<ScenarioCheck>;

export const ScenarioSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    summary: z.string().min(1),
    minutes: z.number().int().positive().describe('expected time to solve'),
    tools: z.array(z.string().min(1)).min(1).describe('lesson tools that reveal the fault'),
    facts: z
      .record(
        z.string(),
        z
          .object({
            description: z.string().min(1),
            varies: z.boolean().default(false),
            type: z.enum(['string', 'number', 'boolean']).default('string').describe('the JSON type the lab manifest must give this fact'),
          })
          .strict(),
      )
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
    selfCheck: z
      .object({ answerFeedback: z.boolean().default(false).describe('show answer checks as right or wrong in `labctl self-check` (default: only answered or not)') })
      .strict()
      .optional()
      .describe('what `labctl self-check` shows the learner'),
    checks: z.array(CheckSchema).min(1),
  })
  .strict();

export type Scenario = z.infer<typeof ScenarioSchema>;
