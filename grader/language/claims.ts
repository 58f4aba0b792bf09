import { FILLER } from './lexicon.ts';
import { negationScopes, type Scope } from './negation.ts';
import { compilePhrase, findPhrase } from './phrases.ts';
import { tokenize, type Token } from './tokens.ts';

export interface ConceptSpec {
  name: string;
  any: string[];
}

export interface MisconceptionSpec {
  id: string;
  phrases: string[];
  feedback: string;
}

/** What a free-text answer claims, in a scenario's terms. */
export interface Claims {
  /** concept names the answer asserts */
  asserted: string[];
  /** concept names the answer only denies */
  rejected: string[];
  /** misconceptions the answer asserts */
  misconceptions: MisconceptionSpec[];
  /** normalised claims: identical and near-identical answers share it */
  claimKey: string;
}

export interface Analysis {
  tokens: Token[];
  scopes: Scope[];
}

/** Answers repeat across a class; reading one is the costly part, so readings are kept (bounded). */
const CACHE_LIMIT = 4000;
const cache = new Map<string, Analysis>();

export function analyse(text: string): Analysis {
  const hit = cache.get(text);
  if (hit) return hit;
  const tokens = tokenize(text);
  const analysis = { tokens, scopes: negationScopes(tokens) };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(text, analysis);
  return analysis;
}

export type Polarity = 'asserted' | 'denied';

/** Whether the answer asserts any of the phrases, only denies them, or does not mention them. */
export function polarityOf(a: Analysis, phrases: string[]): Polarity | undefined {
  let denied = false;
  for (const phrase of phrases) {
    for (const m of findPhrase(a.tokens, a.scopes, compilePhrase(phrase))) {
      if (!m.denied) return 'asserted';
      denied = true;
    }
  }
  return denied ? 'denied' : undefined;
}

/** Token positions where any of the phrases is asserted. */
export function assertedAt(a: Analysis, phrases: string[]): number[] {
  const out: number[] = [];
  for (const phrase of phrases) for (const m of findPhrase(a.tokens, a.scopes, compilePhrase(phrase))) if (!m.denied) out.push(m.at[0]);
  return out;
}

function keyOf(a: Analysis): string {
  const words = new Set<string>();
  a.tokens.forEach((t, i) => {
    if (t.boundary || FILLER.has(t.lemma) || /^[^a-z0-9]+$/.test(t.lemma)) return;
    const denied = a.scopes.some((s) => i >= s.from && i <= s.to && !s.cue.includes(i));
    if (a.scopes.some((s) => s.cue.includes(i))) return;
    words.add(denied ? `not:${t.lemma}` : t.lemma);
  });
  return [...words].sort().join(' ');
}

/**
 * The normalised claims of an answer: its content lemmas, denied ones marked `not:`, sorted and deduplicated.
 * "Curl is spawned in a loop." and "a loop spawns curl" share a key; "not the disk" and "the disk" do not.
 */
export function claimKeyOf(text: string): string {
  return keyOf(analyse(text));
}

/** Reads an answer against a key's concepts and misconceptions. */
export function readClaims(text: string, spec: { concepts: ConceptSpec[]; misconceptions?: MisconceptionSpec[] }): Claims {
  const a = analyse(text);
  const asserted: string[] = [];
  const rejected: string[] = [];
  for (const c of spec.concepts) {
    const p = polarityOf(a, c.any);
    if (p === 'asserted') asserted.push(c.name);
    else if (p === 'denied') rejected.push(c.name);
  }
  const misconceptions = (spec.misconceptions ?? []).filter((m) => polarityOf(a, m.phrases) === 'asserted');
  return { asserted, rejected, misconceptions, claimKey: keyOf(a) };
}
