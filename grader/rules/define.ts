import { z } from 'zod';
import type { ParamProblem, RuleContext, RuleDefinition, RuleOutcome, ScenarioOutline } from './types.ts';

/** A parameter that is a value or a `{{fact}}` placeholder filled from the lab manifest's facts. */
export const Templated = z.union([z.string(), z.number()]).describe('a value, or "{{fact_name}}" filled from the manifest facts');
export const Share = z.number().gt(0).lte(1);

interface Spec<N extends string, S extends z.ZodRawShape> {
  name: N;
  params: S;
  run(ctx: RuleContext, params: z.output<z.ZodObject<S>>): RuleOutcome;
  validate?(params: z.output<z.ZodObject<S>>, scenario: ScenarioOutline): ParamProblem[];
}

/** A check on the learner's captures. */
export function evidenceRule<N extends string, S extends z.ZodRawShape>(spec: Spec<N, S>): RuleDefinition<N, 'evidence', z.ZodObject<S>> {
  return { ...spec, kind: 'evidence', params: z.object(spec.params).strict() };
}

const AnswerKey = { key: z.string().min(1).describe('the answers.yaml key this check grades') };
type AnswerShape<S extends z.ZodRawShape> = typeof AnswerKey & S;

interface AnswerSpec<N extends string, S extends z.ZodRawShape> {
  name: N;
  params: S;
  run(ctx: RuleContext, params: z.output<z.ZodObject<AnswerShape<S>>>): RuleOutcome;
  validate?(params: z.output<z.ZodObject<AnswerShape<S>>>, scenario: ScenarioOutline): ParamProblem[];
}

/** A check on one answers.yaml key: `key` is added to the parameters, and must be one of the scenario's answers. */
export function answerRule<N extends string, S extends z.ZodRawShape>(spec: AnswerSpec<N, S>): RuleDefinition<N, 'answer', z.ZodObject<AnswerShape<S>>> {
  const params = z.object({ ...AnswerKey, ...spec.params } as AnswerShape<S>).strict();
  return {
    name: spec.name,
    kind: 'answer',
    params,
    run: spec.run,
    validate(p, scenario) {
      const key = (p as { key: string }).key;
      const problems: ParamProblem[] = key in scenario.answers ? [] : [{ field: 'key', message: `answers has no key "${key}"` }];
      return [...problems, ...(spec.validate?.(p, scenario) ?? [])];
    },
  };
}

/** A parameter naming a fact: it must be one of the scenario's facts. */
export function factExists(field: string, fact: string | undefined, scenario: ScenarioOutline): ParamProblem[] {
  return fact === undefined || fact in scenario.facts ? [] : [{ field, message: `facts has no "${fact}"` }];
}
