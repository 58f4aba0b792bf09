import type { ScenarioCheck } from '../../scenarios/schema.ts';
import { fillTemplate } from '../../scenarios/load.ts';
import { answerChoice } from './answer-choice.ts';
import { answerConcepts } from './answer-concepts.ts';
import { answerFact } from './answer-fact.ts';
import { answerNumberRule } from './answer-number.ts';
import { capturePresent } from './evidence-captures.ts';
import { execDominant, execRate, execSingleParent } from './evidence-exec.ts';
import { fsyncDominant, fsyncFile } from './evidence-fsync.ts';
import { latencyHealthy } from './evidence-latency.ts';
import { offcpuFunctionInStacks, offcpuFutexDominant } from './evidence-offcpu.ts';
import type { RuleContext, RuleOutcome } from './types.ts';

type Params<R extends ScenarioCheck['rule']> = Extract<ScenarioCheck, { rule: R }>['with'];
const str = (v: string | number) => String(v);
const num = (v: string | number) => Number(v);

/** Runs the rule a scenario check names, with `{{fact}}` placeholders filled from the expected facts. */
export function runRule(check: ScenarioCheck, ctx: RuleContext): RuleOutcome {
  const t = (v: string | number) => fillTemplate(v, ctx.facts);
  switch (check.rule) {
    case 'capture-present':
      return capturePresent(ctx, check.with);
    case 'exec-dominant':
      return execDominant(ctx, { comm: str(t(check.with.comm)), minShare: check.with.minShare });
    case 'exec-rate':
      return execRate(ctx, { comm: str(t(check.with.comm)), minRatePerSec: num(t(check.with.minRatePerSec)) });
    case 'exec-single-parent':
      return execSingleParent(ctx, { comm: str(t(check.with.comm)), minShare: check.with.minShare });
    case 'offcpu-futex-dominant':
      return offcpuFutexDominant(ctx, { comm: str(t(check.with.comm)), minShare: check.with.minShare });
    case 'offcpu-function-in-stacks':
      return offcpuFunctionInStacks(ctx, { comm: str(t(check.with.comm)), function: str(t(check.with.function)) });
    case 'latency-healthy':
      return latencyHealthy(ctx, check.with);
    case 'fsync-dominant':
      return fsyncDominant(ctx, { comm: str(t(check.with.comm)), minShare: check.with.minShare });
    case 'fsync-file':
      return fsyncFile(ctx, { comm: str(t(check.with.comm)), file: str(t(check.with.file)) });
    case 'answer-fact':
      return answerFact(ctx, check.with);
    case 'answer-number': {
      const p: Params<'answer-number'> = check.with;
      return answerNumberRule(ctx, { ...p, comm: p.comm === undefined ? undefined : t(p.comm) });
    }
    case 'answer-concepts':
      return answerConcepts(ctx, check.with);
    case 'answer-choice':
      return answerChoice(ctx, check.with);
  }
}
