import { z } from 'zod';
import { TOOL_NAMES, type ToolName } from '../parsers/types.ts';
import { evidenceRule } from './define.ts';
import { fail, pass, type RuleContext, type RuleOutcome } from './types.ts';

/** At least one capture of one of the tools. */
export function capturePresent(ctx: RuleContext, p: { tools: ToolName[] }): RuleOutcome {
  const found = p.tools.filter((t) => (ctx.obs.captures[t] ?? 0) > 0);
  return found.length
    ? pass(`captured with ${found.join(', ')}`)
    : fail(`no capture from ${p.tools.join(' or ')}`);
}

export const capturePresentRule = evidenceRule({
  name: 'capture-present',
  params: { tools: z.array(z.enum(TOOL_NAMES)).min(1) },
  run: capturePresent,
});
