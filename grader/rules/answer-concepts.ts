import { z } from 'zod';
import { answerRule } from './define.ts';
import { answerText, containsPhrase } from './match.ts';
import { fail, partial, pass, type RuleContext, type RuleOutcome } from './types.ts';

export interface Concept {
  name: string;
  any: string[];
}

/** Which concepts a free-text answer expresses, by synonym sets (never by exact strings). */
export function conceptsFound(text: string, concepts: Concept[]): Concept[] {
  return concepts.filter((c) => c.any.some((phrase) => containsPhrase(text, phrase)));
}

/** Free text graded by concepts: full credit with `need` of them (default all), partial for fewer. */
export function answerConcepts(ctx: RuleContext, p: { key: string; concepts: Concept[]; need?: number }): RuleOutcome {
  const text = answerText(ctx.answers[p.key]);
  if (!text) return fail(`no answer for "${p.key}"`);
  const need = Math.min(p.need ?? p.concepts.length, p.concepts.length);
  const found = conceptsFound(text, p.concepts);
  const missing = p.concepts.filter((c) => !found.includes(c)).map((c) => c.name);
  if (found.length >= need) return pass(`"${p.key}" covers ${found.map((c) => c.name).join(', ')}`);
  if (found.length === 0) return fail(`"${p.key}" does not yet explain the incident`);
  return partial(found.length / need, `"${p.key}" covers ${found.map((c) => c.name).join(', ')}; still missing: ${missing.length} idea(s)`);
}

const ConceptSchema = z
  .object({
    name: z.string().min(1).describe('what the concept is, shown in feedback'),
    any: z.array(z.string().min(1)).min(1).describe('phrases (synonyms) that express the concept; matched case-insensitively on word boundaries'),
  })
  .strict();

export const answerConceptsRule = answerRule({
  name: 'answer-concepts',
  params: { concepts: z.array(ConceptSchema).min(1), need: z.number().int().min(1).optional() },
  run: answerConcepts,
});
