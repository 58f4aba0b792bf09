import type { z } from 'zod';
import type { Facts } from '../manifest.ts';
import type { Observations } from '../facts/observe.ts';
import type { AnswerReading, CheckKind, CheckStatus } from '../report/types.ts';

/** What a rule sees: observations from the captures, the expected facts of this lab, the learner's answers. */
export interface RuleContext {
  obs: Observations;
  facts: Facts;
  answers: Record<string, unknown>;
}

/** A rule's verdict. `fraction` (0..1) scales the check's points; `message` is shown whatever the status. */
export interface RuleOutcome {
  status: CheckStatus;
  fraction: number;
  message: string;
  /** the learner's answer disagrees with their own captured evidence */
  contradiction?: string;
  /** answer rules: how the answer was read (the report's `answer` field) */
  reading?: AnswerReading;
}

export const pass = (message: string): RuleOutcome => ({ status: 'pass', fraction: 1, message });
export const fail = (message: string): RuleOutcome => ({ status: 'fail', fraction: 0, message });
export const partial = (fraction: number, message: string): RuleOutcome => ({ status: 'partial', fraction, message });
export const review = (message: string): RuleOutcome => ({ status: 'review', fraction: 0, message });

/** The parts of a scenario a rule's own validation may look at. */
export interface ScenarioOutline {
  facts: Record<string, unknown>;
  answers: Record<string, unknown>;
}

/** A problem with a check's parameters, found by the rule itself; `field` is relative to `with`. */
export interface ParamProblem {
  field: string;
  message: string;
}

/**
 * A rule: its name (what scenario.yaml's `rule:` says), the kind of check it is, the zod schema of its
 * parameters (scenario.yaml's `with:`) and the pure function that grades. The scenario schema is assembled
 * from these, so a new rule is one module plus its line in grader/rules/registry.ts.
 */
export interface RuleDefinition<N extends string = string, K extends CheckKind = CheckKind, S extends z.ZodType = z.ZodType> {
  name: N;
  kind: K;
  /** the `with:` parameters; string values may hold `{{fact}}` placeholders, filled before `run` */
  params: S;
  run(ctx: RuleContext, params: z.output<S>): RuleOutcome;
  /** checks that need the rest of the scenario (a fact that must exist, a choice that must be listed) */
  validate?(params: z.output<S>, scenario: ScenarioOutline): ParamProblem[];
}
