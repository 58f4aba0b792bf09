import type { Facts } from '../manifest.ts';
import { answerChoiceRule } from './answer-choice.ts';
import { answerConceptsRule } from './answer-concepts.ts';
import { answerFactRule } from './answer-fact.ts';
import { answerNumberDefinition } from './answer-number.ts';
import { capturePresentRule } from './evidence-captures.ts';
import { execDominantRule, execRateRule, execSingleParentRule } from './evidence-exec.ts';
import { fsyncDominantRule, fsyncFileRule } from './evidence-fsync.ts';
import { latencyHealthyRule } from './evidence-latency.ts';
import { offcpuFunctionInStacksRule, offcpuFutexDominantRule } from './evidence-offcpu.ts';
import { fillParams } from './template.ts';
import type { RuleContext, RuleDefinition, RuleOutcome } from './types.ts';

/**
 * Every rule a scenario.yaml check can name. The scenario schema (scenarios/schema.ts) and its JSON Schema are
 * assembled from this list: a new rule is its module (name, zod parameters, run) plus one line here.
 */
export const RULES = [
  capturePresentRule,
  execDominantRule,
  execRateRule,
  execSingleParentRule,
  offcpuFutexDominantRule,
  offcpuFunctionInStacksRule,
  latencyHealthyRule,
  fsyncDominantRule,
  fsyncFileRule,
  answerFactRule,
  answerNumberDefinition,
  answerConceptsRule,
  answerChoiceRule,
] as const;

export type RegisteredRule = (typeof RULES)[number];

const byName = new Map<string, RuleDefinition>(RULES.map((r) => [r.name, r as unknown as RuleDefinition]));

export function findRule(name: string): RuleDefinition | undefined {
  return byName.get(name);
}

/** Runs the rule a scenario check names, with `{{fact}}` placeholders filled from the expected facts. */
export function runRule(check: { rule: string; with: Record<string, unknown> }, ctx: RuleContext): RuleOutcome {
  const rule = byName.get(check.rule);
  // The scenario loader validated `with` against this rule's schema, so an unknown name is a bug, not input.
  if (!rule) throw new Error(`no rule "${check.rule}" in grader/rules/registry.ts`);
  return rule.run(ctx, fillParams(check.with, ctx.facts as Facts));
}
