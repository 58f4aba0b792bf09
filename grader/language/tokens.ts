import { COMPOUNDS, WORD_MAP } from './lexicon.ts';
import { nlp } from './nlp.ts';

/** One word of an answer, as the reader sees it. */
export interface Token {
  /** canonical lemma (lower case, domain-normalised) */
  lemma: string;
  /** the word as written (lower case); for a technical token, its normalised form */
  text: string;
  pos: string;
  /** punctuation that separates clauses (, ; : ( ) . and the like) */
  boundary: boolean;
  sentence: number;
}

/**
 * Technical tokens (paths, `name[pid]`, `func()`, `snake_case`, `file.ext`, `T=S`) would be split by the English
 * tokenizer (and a dot even ends a sentence there), so they are swapped for placeholders before the model reads
 * the text and put back after.
 */
const TECHNICAL = /(?<![\w/])(?:[\w.-]*[/_=][\w./=+-]*|[A-Za-z][\w-]*\.[A-Za-z][\w.-]*|[A-Za-z_][\w-]*\[\d+\]|[A-Za-z_]\w*\(\))(?![\w/])/g;
const PLACEHOLDER_PREFIX = 'zqxtech';

function canonicalTechnical(raw: string): string {
  let t = raw.toLowerCase().replace(/\(\)$/, '').replace(/\[\d+\]$/, '');
  if (t.includes('/') && !/^t=s$/.test(t) && !/^i\/o$/.test(t)) t = t.replace(/\/+$/, '').split('/').pop() || t;
  return t.replace(/[.,;:]+$/, '');
}

function protect(text: string): { text: string; technical: string[] } {
  const technical: string[] = [];
  const out = text
    .replace(/[`"“”‘’]/g, (q) => (q === '’' || q === '‘' ? "'" : ' '))
    .replace(TECHNICAL, (m) => {
      // Sentence-ending "word." and plain hyphenated words are English, not technical.
      if (/^[A-Za-z]+\.$/.test(m) || /^[A-Za-z]+(-[A-Za-z]+)+$/.test(m)) return m;
      technical.push(canonicalTechnical(m));
      return ` ${PLACEHOLDER_PREFIX}${technical.length - 1} `;
    })
    // "short-lived" and "short lived" are one idea: hyphens between letters become spaces.
    .replace(/(?<=[A-Za-z])-(?=[A-Za-z])/g, ' ');
  return { text: out, technical };
}

const BOUNDARY = /^[,;:()[\]{}.!?…–—|]+$|^-{1,2}$/;

function expand(lemma: string): string[] {
  return WORD_MAP[lemma] ?? [lemma];
}

function applyCompounds(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; ) {
    let done = false;
    for (const [from, to] of COMPOUNDS) {
      if (i + from.length > tokens.length) continue;
      if (from.every((w, k) => tokens[i + k].lemma === w && tokens[i + k].sentence === tokens[i].sentence)) {
        for (const lemma of to) out.push({ ...tokens[i], lemma, text: lemma, boundary: false });
        i += from.length;
        done = true;
        break;
      }
    }
    if (!done) out.push(tokens[i++]);
  }
  return out;
}

/** Text -> tokens with canonical lemmas, sentence numbers and clause punctuation marked. */
export function tokenize(input: string): Token[] {
  const { text, technical } = protect(input);
  const doc = nlp().readDoc(text);
  const its = nlp().its;
  const tokens: Token[] = [];
  let sentence = 0;
  doc.sentences().each((s) => {
    const ts = s.tokens();
    const values = ts.out(its.value) as string[];
    const lemmas = ts.out(its.lemma) as string[];
    const pos = ts.out(its.pos) as string[];
    for (let i = 0; i < values.length; i++) {
      const value = values[i].toLowerCase();
      if (value.startsWith(PLACEHOLDER_PREFIX)) {
        const tech = technical[Number(value.slice(PLACEHOLDER_PREFIX.length))] ?? value;
        for (const lemma of expand(tech)) tokens.push({ lemma, text: tech, pos: 'X', boundary: false, sentence });
        continue;
      }
      const boundary = BOUNDARY.test(value);
      const lemma = lemmas[i].toLowerCase();
      const forms = WORD_MAP[lemma] ?? WORD_MAP[value] ?? [lemma];
      for (const l of forms) tokens.push({ lemma: l, text: value, pos: pos[i], boundary, sentence });
    }
    sentence++;
  });
  return applyCompounds(tokens);
}
