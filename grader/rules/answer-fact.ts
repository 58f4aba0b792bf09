import { z } from 'zod';
import type { Observations } from '../facts/observe.ts';
import { answerRule, factExists } from './define.ts';
import { answerText, countFor, nameTokens, normalizeText, pct, sameComm } from './match.ts';
import { fail, pass, type RuleContext, type RuleOutcome } from './types.ts';

export type EvidenceSource = 'exec-comm' | 'exec-parent' | 'offcpu-comm' | 'stack-function' | 'fs-comm' | 'fs-file';

function matches(answer: string, expected: string, how: 'comm' | 'text' | 'file'): boolean {
  if (how === 'text') {
    const strip = (s: string) => normalizeText(s).replace(/\/+(?= |$)/g, '').trim();
    return strip(answer).includes(strip(expected));
  }
  const want = expected.toLowerCase();
  return nameTokens(answer).some((t) => (how === 'comm' ? sameComm(t, want) : t === want));
}

/**
 * When the answer names something the learner's own capture shows to be minor, say so: the answer
 * contradicts their evidence. Only facts about the answered name are used, never the expected value.
 */
function contradiction(obs: Observations, source: EvidenceSource | undefined, answer: string): string | undefined {
  const names = nameTokens(answer);
  const minor = (table: Record<string, number> | undefined, what: string): string | undefined => {
    if (!table) return undefined;
    const total = Object.values(table).reduce((s, v) => s + v, 0);
    const top = Math.max(0, ...Object.values(table));
    for (const name of names) {
      const n = countFor(table, name);
      if (n > 0 && n < top) return `your own capture shows "${name}" with only ${pct(n / total)} of ${what}, less than another`;
    }
    return undefined;
  };
  switch (source) {
    case 'exec-comm':
      return minor(obs.exec?.byComm, 'execs');
    case 'offcpu-comm':
      return minor(obs.offcpu?.futexByComm, 'futex wait time');
    case 'fs-comm':
      return minor(obs.fs?.byComm, 'slow file operations');
    case 'fs-file': {
      const syncs = Object.fromEntries(Object.entries(obs.fs?.typesByFile ?? {}).map(([f, t]) => [f.toLowerCase(), t.S ?? 0]));
      return minor(syncs, 'slow fsyncs');
    }
    case 'exec-parent': {
      // A learner who names the command itself as its own parent has misread the PPID column.
      const execs = obs.exec?.byComm ?? {};
      const top = Object.entries(execs).sort((a, b) => b[1] - a[1])[0]?.[0];
      if (top && names.some((n) => sameComm(n, top))) return `"${top}" is the short-lived command in your capture; its parent is the process with its PPID`;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The answer names the expected fact (a comm, a file, a URL...). */
export function answerFact(
  ctx: RuleContext,
  p: { key: string; fact: string; match: 'comm' | 'text' | 'file'; evidence?: EvidenceSource },
): RuleOutcome {
  const answer = answerText(ctx.answers[p.key]);
  if (!answer) return fail(`no answer for "${p.key}"`);
  const expected = ctx.facts[p.fact];
  if (expected === undefined) return fail(`the lab manifest has no "${p.fact}": ask your instructor`);
  if (matches(answer, String(expected), p.match)) return pass(`"${p.key}" is right`);
  const outcome = fail(`"${p.key}": "${answer}" is not what this lab shows`);
  const why = contradiction(ctx.obs, p.evidence, answer);
  return why ? { ...outcome, message: `${outcome.message}; ${why}`, contradiction: why } : outcome;
}

export const answerFactRule = answerRule({
  name: 'answer-fact',
  params: {
    fact: z.string().min(1),
    match: z.enum(['comm', 'text', 'file']).default('text'),
    evidence: z
      .enum(['exec-comm', 'exec-parent', 'offcpu-comm', 'stack-function', 'fs-comm', 'fs-file'])
      .optional()
      .describe("where in the learner's own captures a wrong answer can be checked against"),
  },
  run: answerFact,
  validate: (p, scenario) => factExists('fact', p.fact, scenario),
});
