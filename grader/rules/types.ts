import type { Facts } from '../manifest.ts';
import type { Observations } from '../facts/observe.ts';
import type { CheckStatus } from '../report/types.ts';

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
}

export const pass = (message: string): RuleOutcome => ({ status: 'pass', fraction: 1, message });
export const fail = (message: string): RuleOutcome => ({ status: 'fail', fraction: 0, message });
export const partial = (fraction: number, message: string): RuleOutcome => ({ status: 'partial', fraction, message });
