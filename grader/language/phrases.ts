import { FILLER } from './lexicon.ts';
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
    const content = tokens.filter((t) => !FILLER.has(t.lemma));
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
  return w.prefix ? t.lemma.startsWith(w.lemma) || t.text.startsWith(w.lemma) : t.lemma === w.lemma;
}

/** Every place the phrase occurs; a match is denied when a negation outside the phrase reaches one of its words. */
export function findPhrase(tokens: Token[], scopes: Scope[], pattern: Pattern): PhraseMatch[] {
  const out: PhraseMatch[] = [];
  if (pattern.words.length === 0) return out;
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
