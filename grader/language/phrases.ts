import { FILLER, PHRASE_DROP } from './lexicon.ts';
import { editDistance } from './names.ts';
import { deniedAt, type Scope } from './negation.ts';
import { tokenize, type Token } from './tokens.ts';

/**
 * A concept phrase as a pattern over lemmas. Written in plain words in scenario.yaml ("hold the lock for less
 * time"); read by the same pipeline as answers, so "holds", "held" and "holding" all match "hold", and
 * "mutex" matches "lock". `...` between words allows any distance within a sentence; a word ending in `*`
 * matches by prefix ("serializ*"). Articles and similar filler are ignored on both sides.
 */
export interface Pattern {
  source: string;
  words: Array<{ lemma: string; prefix: boolean; anyGapBefore: boolean }>;
}

/** Non-filler words allowed between two words of a phrase. */
const MAX_GAP = 2;

const compiled = new Map<string, Pattern>();

export function compilePhrase(phrase: string): Pattern {
  const hit = compiled.get(phrase);
  if (hit) return hit;
  const words: Pattern['words'] = [];
  const parts = phrase.split(/\s*\.\.\.\s*/);
  parts.forEach((part, k) => {
    const prefixWords = new Set(part.split(/\s+/).filter((w) => w.endsWith('*')).map((w) => w.slice(0, -1).toLowerCase()));
    const cleaned = part.replace(/\*(?=\s|$)/g, '');
    const tokens = cleaned.trim() ? tokenize(cleaned).filter((t) => !t.boundary) : [];
    const content = tokens.filter((t) => !PHRASE_DROP.has(t.lemma));
    const use = content.length ? content : tokens;
    use.forEach((t, i) => {
      const prefix = prefixWords.has(t.text) || prefixWords.has(t.lemma);
      words.push({ lemma: prefix ? t.text : t.lemma, prefix, anyGapBefore: i === 0 && k > 0 });
    });
  });
  const pattern = { source: phrase, words };
  compiled.set(phrase, pattern);
  return pattern;
}

export interface PhraseMatch {
  pattern: Pattern;
  /** token indices of the matched words */
  at: number[];
  denied: boolean;
}

function wordMatches(w: Pattern['words'][number], t: Token): boolean {
  if (w.prefix) return t.lemma.startsWith(w.lemma) || t.text.startsWith(w.lemma);
  return t.lemma === w.lemma || typoOf(t.text, w.lemma);
}

/**
 * Learners' typos of the scenario's terms: a swapped pair of letters in a word of 5+ letters ("fsnyc"), or one
 * letter more, less or different in a word of 8+ ("filesytem"). Shorter words are left alone: "async" is not "fsync".
 */
function typoOf(word: string, lemma: string): boolean {
  if (word.length < 5 || lemma.length < 5 || word[0] !== lemma[0] || Math.abs(word.length - lemma.length) > 1 || word === lemma) return false;
  if (word.length === lemma.length) {
    const diff: number[] = [];
    for (let i = 0; i < word.length && diff.length <= 2; i++) if (word[i] !== lemma[i]) diff.push(i);
    if (diff.length === 2 && diff[1] === diff[0] + 1 && word[diff[0]] === lemma[diff[1]] && word[diff[1]] === lemma[diff[0]]) return true;
  }
  return lemma.length >= 8 && word.length >= 8 && editDistance(word, lemma, 1) <= 1;
}

/** What a text holds, for rejecting most phrases without scanning it. */
export interface TextIndex {
  words: Set<string>;
  /** words of 5+ letters: the only ones a typo can be matched against */
  long: string[];
}

export function indexTokens(tokens: Token[]): TextIndex {
  const words = new Set<string>();
  for (const t of tokens) {
    words.add(t.lemma);
    words.add(t.text);
  }
  return { words, long: [...words].filter((w) => w.length >= 5) };
}

function mayOccur(w: Pattern['words'][number], index: TextIndex): boolean {
  if (w.prefix) {
    for (const x of index.words) if (x.startsWith(w.lemma)) return true;
    return false;
  }
  return index.words.has(w.lemma) || (w.lemma.length >= 5 && index.long.some((x) => typoOf(x, w.lemma)));
}

/** Every place the phrase occurs; a match is denied when a negation outside the phrase reaches one of its words. */
export function findPhrase(tokens: Token[], scopes: Scope[], pattern: Pattern, index?: TextIndex): PhraseMatch[] {
  const out: PhraseMatch[] = [];
  if (pattern.words.length === 0) return out;
  if (index && !pattern.words.every((w) => mayOccur(w, index))) return out;
  for (let i = 0; i < tokens.length; i++) {
    if (!wordMatches(pattern.words[0], tokens[i])) continue;
    const at = [i];
    let j = i;
    let ok = true;
    for (let k = 1; k < pattern.words.length && ok; k++) {
      const w = pattern.words[k];
      let gap = 0;
      let found = -1;
      for (let m = j + 1; m < tokens.length && tokens[m].sentence === tokens[i].sentence; m++) {
        if (wordMatches(w, tokens[m])) {
          found = m;
          break;
        }
        if (tokens[m].lemma === ';' || tokens[m].lemma === '.') break;
        if (!tokens[m].boundary && !FILLER.has(tokens[m].lemma)) gap++;
        if (!w.anyGapBefore && gap > MAX_GAP) break;
      }
      if (found < 0) ok = false;
      else {
        at.push(found);
        j = found;
      }
    }
    if (!ok) continue;
    const own = new Set(at);
    out.push({ pattern, at, denied: at.some((k) => deniedAt(scopes, k, own)) });
  }
  return out;
}
