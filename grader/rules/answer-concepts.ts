import { z } from 'zod';
import { isNonAnswer, readClaims, type ConceptSpec, type MisconceptionSpec } from '../language/index.ts';
import type { AnswerReading } from '../report/types.ts';
import { answerRule } from './define.ts';
import { answerText } from './match.ts';
import { fail, partial, pass, review, type RuleContext, type RuleOutcome } from './types.ts';

export type Concept = ConceptSpec;
export type Misconception = MisconceptionSpec;

export interface ConceptParams {
  key: string;
  concepts: Concept[];
  misconceptions?: Misconception[];
  need?: number;
  accepted?: string[];
  minWords?: number;
}

/**
 * Free text graded by claims: full credit when it asserts `need` of the concepts (default all), partial for
 * fewer. A misconception it asserts costs the whole key, whatever else it says. A concept it only denies does
 * not count. An answer that asserts nothing the scenario knows is left for a person (`review`), unless its
 * claim key is one the instructor already accepted.
 */
export function answerConcepts(ctx: RuleContext, p: ConceptParams): RuleOutcome {
  const text = answerText(ctx.answers[p.key]);
  if (!text || isNonAnswer(text)) return fail(`no answer for "${p.key}"`);
  const claims = readClaims(text, { concepts: p.concepts, misconceptions: p.misconceptions });
  const reading: AnswerReading = {
    key: p.key,
    answer: text,
    asserted: claims.asserted,
    rejected: claims.rejected,
    // concepts worth part credit are hints of direction, not ideas the answer is missing
    missing: p.concepts.filter((c) => (c.credit ?? 1) >= 1 && !claims.asserted.includes(c.name)).map((c) => c.name),
    claimKey: claims.claimKey,
  };
  const full = p.concepts.filter((c) => (c.credit ?? 1) >= 1).length;
  const need = Math.min(p.need ?? full, full);
  const wrong = claims.misconceptions[0];
  if (wrong) {
    return { ...fail(`"${p.key}": ${wrong.feedback}`), reading: { ...reading, misconception: { id: wrong.id, feedback: wrong.feedback } } };
  }
  if (claims.keywordList) return { ...fail(`"${p.key}" is a list of keywords: say what happens, in a sentence`), reading };
  if (p.accepted?.includes(claims.claimKey)) return { ...pass(`"${p.key}" matches an answer your instructor accepted`), reading };
  const credit = p.concepts.filter((c) => claims.asserted.includes(c.name)).reduce((sum, c) => sum + (c.credit ?? 1), 0);
  if (credit >= need) return { ...pass(`"${p.key}" covers ${claims.asserted.join(', ')}`), reading };
  if (credit > 0) {
    return { ...partial(credit / need, `"${p.key}" covers ${claims.asserted.join(', ')}; there is more to it`), reading };
  }
  if (claims.rejected.length) return { ...fail(`"${p.key}" rules out what this lab shows`), reading };
  if (claims.contentWords < (p.minWords ?? 1)) return { ...fail(`"${p.key}" is too short to explain anything: say what happens, in a sentence`), reading };
  return { ...review(`"${p.key}": your instructor will read this answer`), reading };
}

/** Which concepts a free-text answer asserts. */
export function conceptsFound(text: string, concepts: Concept[]): Concept[] {
  const { asserted } = readClaims(text, { concepts });
  return concepts.filter((c) => asserted.includes(c.name));
}

const ConceptSchema = z
  .object({
    name: z.string().min(1).describe('what the concept is, shown in feedback'),
    any: z
      .array(z.string().min(1))
      .min(1)
      .describe('phrases that assert the concept, in plain words: matched by lemma ("spawn" matches "spawned"), "..." allows a gap, "word*" a prefix; a denied mention ("not X") does not count'),
    credit: z.number().gt(0).lte(1).optional().describe('what asserting it is worth (default 1); 0.5 for "the right direction, nothing concrete"'),
  })
  .strict();

export const MisconceptionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
    phrases: z.array(z.string().min(1)).min(1).describe('phrases that assert the wrong claim (matched like concept phrases)'),
    feedback: z.string().min(1).describe('shown to a learner who makes this claim'),
    alternative: z
      .boolean()
      .optional()
      .describe('a wrong alternative (another operation, another layer): counts alone or listed next to a concept ("fsync or write"), not as a detail of a right answer ("fsync after every write")'),
  })
  .strict();

export const answerConceptsRule = answerRule({
  name: 'answer-concepts',
  params: {
    concepts: z.array(ConceptSchema).min(1),
    misconceptions: z.array(MisconceptionSchema).optional().describe('wrong claims: an answer asserting one gets no credit for this key'),
    need: z.number().int().min(1).optional(),
    accepted: z.array(z.string()).optional().describe('claim keys of answers an instructor accepted on review (full credit)'),
    minWords: z.number().int().min(1).optional().describe('an answer with fewer meaningful words that asserts nothing known fails instead of going to review'),
  },
  run: answerConcepts,
});
