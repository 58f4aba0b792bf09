import { AUXILIARIES, CLAUSE_WORDS, CONTRAST_CUES, DENYING_PREDICATES, DENYING_VERBS, EVALUATIVE, FILLER, NEGATORS, NOT_NEGATING_AFTER_NOT } from './lexicon.ts';
import type { Token } from './tokens.ts';

/** A denial: the cue words and the token range they deny (inclusive). */
export interface Scope {
  cue: number[];
  from: number;
  to: number;
}

function isClauseEnd(t: Token): boolean {
  return t.boundary || CLAUSE_WORDS.has(t.lemma);
}

/** Index of the last token of the clause that starts after `i`. */
function clauseEnd(tokens: Token[], i: number): number {
  let j = i;
  while (j + 1 < tokens.length && tokens[j + 1].sentence === tokens[i].sentence && !isClauseEnd(tokens[j + 1])) j++;
  return j;
}

/** Index of the first token of the clause that holds `i`. */
function clauseStart(tokens: Token[], i: number): number {
  let j = i;
  while (j - 1 >= 0 && tokens[j - 1].sentence === tokens[i].sentence && !isClauseEnd(tokens[j - 1])) j--;
  return j;
}

function sequenceAt(tokens: Token[], i: number, words: string[]): boolean {
  return words.every((w, k) => tokens[i + k]?.lemma === w && tokens[i + k].sentence === tokens[i].sentence);
}

/** "no" followed by a word is a determiner ("no fsync"); alone or before punctuation it is the answer "no". */
function isDeterminerNo(tokens: Token[], i: number): boolean {
  const next = tokens[i + 1];
  return tokens[i].lemma === 'no' && next !== undefined && next.sentence === tokens[i].sentence && !next.boundary && !CLAUSE_WORDS.has(next.lemma);
}

/** First content word after `i` in the same clause (skipping articles and the like). */
function nextContent(tokens: Token[], i: number, end: number): Token | undefined {
  for (let j = i + 1; j <= end; j++) if (!FILLER.has(tokens[j].lemma) || EVALUATIVE.has(tokens[j].lemma)) return tokens[j];
  return undefined;
}

/**
 * Where an answer denies something. A negator denies the rest of its clause ("write, not fsync" denies fsync;
 * "not caused by short-lived processes" denies all of it). After a copula with an evaluative predicate
 * ("the disk is not the problem", "CPU isn't saturated") the subject is denied too. "X rather than Y" and
 * "instead of Y" deny Y; "Y is unlikely", "Y was ruled out", "the disk is fine" deny the clause.
 */
export function negationScopes(tokens: Token[]): Scope[] {
  const scopes: Scope[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.boundary) continue;
    const contrast = CONTRAST_CUES.find((cue) => sequenceAt(tokens, i, cue));
    if (contrast) {
      const last = i + contrast.length - 1;
      const end = clauseEnd(tokens, last);
      if (end > last) scopes.push({ cue: range(i, last), from: last + 1, to: end });
      i = last;
      continue;
    }
    const denyingVerb = DENYING_VERBS.find((cue) => sequenceAt(tokens, i, cue));
    if (denyingVerb || DENYING_PREDICATES.has(t.lemma)) {
      const last = i + (denyingVerb?.length ?? 1) - 1;
      // only as the clause's predicate: "the disk is fine", not "fine-grained locks"
      const end = clauseEnd(tokens, last);
      const after = tokens.slice(last + 1, end + 1).filter((x) => !FILLER.has(x.lemma));
      const start = clauseStart(tokens, i);
      if (start === i && !denyingVerb && i >= 2 && tokens[i - 1].boundary && tokens[i - 1].sentence === t.sentence) {
        // "biolatency shows block I/O in 64-255 us, fine": a predicate on its own judges the clause before it
        scopes.push({ cue: range(i, last), from: clauseStart(tokens, i - 2), to: i - 2 });
      } else if (after.length === 0 || denyingVerb) scopes.push({ cue: range(i, last), from: start, to: end });
      i = last;
      continue;
    }
    const negator = NEGATORS.has(t.lemma) || isDeterminerNo(tokens, i);
    if (!negator) continue;
    if (t.lemma === 'not' && tokens[i + 1] && NOT_NEGATING_AFTER_NOT.has(tokens[i + 1].lemma)) continue;
    const end = clauseEnd(tokens, i);
    let from = i + 1;
    const prev = tokens[i - 1];
    if (t.lemma === 'not' && prev && !prev.boundary && AUXILIARIES.has(prev.lemma)) {
      const next = nextContent(tokens, i, end);
      if (next && EVALUATIVE.has(next.lemma)) from = clauseStart(tokens, i);
    }
    if (end >= from) scopes.push({ cue: [i], from, to: end });
  }
  return scopes;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let k = a; k <= b; k++) out.push(k);
  return out;
}

/** True when token `i` is denied by a scope whose cue is not one of `own` (a phrase's own "not"). */
export function deniedAt(scopes: Scope[], i: number, own: Set<number>): boolean {
  return scopes.some((s) => i >= s.from && i <= s.to && !s.cue.includes(i) && !s.cue.every((c) => own.has(c)));
}
