import { FILLER } from './lexicon.ts';
import { negationScopes, type Scope } from './negation.ts';
import { compilePhrase, findPhrase, indexTokens, type TextIndex } from './phrases.ts';
import { tokenize, type Token } from './tokens.ts';

export interface ConceptSpec {
  name: string;
  any: string[];
  /** what asserting it is worth, in concepts (default 1; 0.5 for "the right direction, nothing concrete") */
  credit?: number;
}

export interface MisconceptionSpec {
  id: string;
  phrases: string[];
  feedback: string;
  /**
   * A wrong alternative rather than a wrong claim: it counts when the answer asserts no concept, or lists it
   * next to one ("fsync or write"), but not as a detail of a right answer ("fsync after every write").
   */
  alternative?: boolean;
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
  /** the answer is a bare list of keywords ("sleep, timer, kill, reboot, more CPU") */
  keywordList: boolean;
  /** words that carry meaning (not filler, not punctuation) */
  contentWords: number;
}

export interface Analysis {
  tokens: Token[];
  scopes: Scope[];
  index: TextIndex;
}

/** Answers repeat across a class; reading one is the costly part, so readings are kept (bounded). */
const CACHE_LIMIT = 4000;
const cache = new Map<string, Analysis>();

export function analyse(text: string): Analysis {
  const hit = cache.get(text);
  if (hit) return hit;
  const tokens = tokenize(text);
  const analysis = { tokens, scopes: negationScopes(tokens), index: indexTokens(tokens) };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(text, analysis);
  return analysis;
}

export type Polarity = 'asserted' | 'denied';

/** Whether the answer asserts any of the phrases, only denies them, or does not mention them. */
export function polarityOf(a: Analysis, phrases: string[]): Polarity | undefined {
  let denied = false;
  for (const phrase of phrases) {
    for (const m of findPhrase(a.tokens, a.scopes, compilePhrase(phrase), a.index)) {
      if (!m.denied) return 'asserted';
      denied = true;
    }
  }
  return denied ? 'denied' : undefined;
}

/** Token spans [first, last] where any of the phrases is asserted. */
export function assertedAt(a: Analysis, phrases: string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const phrase of phrases) for (const m of findPhrase(a.tokens, a.scopes, compilePhrase(phrase), a.index)) if (!m.denied) out.push([m.at[0], m.at[m.at.length - 1]]);
  return out;
}

const LIST_SEPARATORS = new Set([',', '/', 'or', 'and', '&', '+', '|', ';', 'either', 'maybe']);

/** Two spans are items of one list when only separators stand between them: "fsync, write", "fsync or write". */
export function coordinated(a: Analysis, x: [number, number], y: [number, number]): boolean {
  const [first, second] = x[0] < y[0] ? [x, y] : [y, x];
  if (second[0] <= first[1]) return false;
  const between = a.tokens.slice(first[1] + 1, second[0]);
  return between.length > 0 && between.every((t) => LIST_SEPARATORS.has(t.lemma) || PHRASE_FILLER.has(t.lemma)) && between.some((t) => LIST_SEPARATORS.has(t.lemma));
}
const PHRASE_FILLER = new Set(['the', 'a', 'an', 'also', 'maybe', 'perhaps', 'probably']);

/**
 * A bare list of keywords: four or more items separated by commas, slashes or pluses, nearly all of them a
 * few words without a claim. Terse sentences ("short-lived curl processes, spawned in a loop") are not lists.
 */
function isKeywordList(a: Analysis): boolean {
  const items: Token[][] = [[]];
  for (const t of a.tokens) {
    if (t.lemma === ',' || t.lemma === '+' || t.lemma === '/' || t.lemma === ';' || t.lemma === '|' || t.lemma === '&' || (t.boundary && t.lemma === '.')) items.push([]);
    else if (!t.boundary) items[items.length - 1].push(t);
  }
  const real = items.filter((i) => i.length > 0);
  if (real.length < 4) return false;
  const short = real.filter((i) => i.filter((t) => !FILLER.has(t.lemma)).length <= 3 && !i.some((t) => t.pos === 'AUX'));
  return short.length / real.length >= 0.8;
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

/** Readings per concept list (a scenario check's, kept by the scenario cache) and answer text. */
const claimsCache = new WeakMap<ConceptSpec[], Map<string, { misconceptions?: MisconceptionSpec[]; claims: Claims }>>();

/** Reads an answer against a key's concepts and misconceptions. */
export function readClaims(text: string, spec: { concepts: ConceptSpec[]; misconceptions?: MisconceptionSpec[] }): Claims {
  let byText = claimsCache.get(spec.concepts);
  if (!byText) claimsCache.set(spec.concepts, (byText = new Map()));
  const hit = byText.get(text);
  if (hit && hit.misconceptions === spec.misconceptions) return hit.claims;
  const claims = readClaimsUncached(text, spec);
  if (byText.size >= CACHE_LIMIT) byText.delete(byText.keys().next().value as string);
  byText.set(text, { misconceptions: spec.misconceptions, claims });
  return claims;
}

function readClaimsUncached(text: string, spec: { concepts: ConceptSpec[]; misconceptions?: MisconceptionSpec[] }): Claims {
  const a = analyse(text);
  const asserted: string[] = [];
  const rejected: string[] = [];
  const conceptSpans: Array<[number, number]> = [];
  for (const c of spec.concepts) {
    let denied = false;
    const spans: Array<[number, number]> = [];
    for (const phrase of c.any) {
      for (const m of findPhrase(a.tokens, a.scopes, compilePhrase(phrase), a.index)) {
        if (m.denied) denied = true;
        else spans.push([m.at[0], m.at[m.at.length - 1]]);
      }
    }
    if (spans.length) {
      asserted.push(c.name);
      conceptSpans.push(...spans);
    } else if (denied) rejected.push(c.name);
  }
  const misconceptions = (spec.misconceptions ?? []).filter((m) => {
    const spans = assertedAt(a, m.phrases);
    if (!spans.length) return false;
    if (!m.alternative || conceptSpans.length === 0) return true;
    return spans.some((s) => conceptSpans.some((c) => coordinated(a, s, c)));
  });
  const contentWords = a.tokens.filter((t) => !t.boundary && !FILLER.has(t.lemma)).length;
  return { asserted, rejected, misconceptions, claimKey: keyOf(a), keywordList: isKeywordList(a), contentWords };
}

/** "idk", "no idea", "?", "n/a": the learner did not answer. */
export function isNonAnswer(text: string): boolean {
  const t = text.toLowerCase().replace(/[^a-z/? ]+/g, ' ').trim();
  return t === '' || /^(?:\?+|n\/?a|none|tbd|todo|skip(?:ped)?|idk|dunno|no idea|not sure|i don ?t know|don ?t know|unknown|i have no idea|no clue)$/.test(t);
}
