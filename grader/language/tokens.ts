import type { ItemSentence } from 'wink-nlp';
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
      // "read/write", "ps/top", "VFS/ext4": alternatives, not a path
      if (/^[A-Za-z][\w-]*(\/[A-Za-z][\w-]*)+$/.test(m) && !/^(t=s|i\/o)$/i.test(m)) return m.replaceAll('/', ' / ');
      technical.push(canonicalTechnical(m));
      return ` ${PLACEHOLDER_PREFIX}${technical.length - 1} `;
    })
    // The English model reads "No." as the abbreviation of "number"; in an answer it is the word "no".
    .replace(/\b(no|yes|nope|yep)\.(?=\s|$)/gi, '$1 .')
    // "short-lived" and "short lived" are one idea: hyphens between letters become spaces.
    .replace(/(?<=[A-Za-z])-(?=[A-Za-z])/g, ' ');
  return { text: out, technical };
}

const BOUNDARY = /^[,;:()[\]{}.!?…–—|]+$|^-{1,2}$/;

function expand(lemma: string): string[] {
  return WORD_MAP[lemma] ?? [lemma];
}

/**
 * A technical token's lemmas: a known term maps as a whole ("pthread_mutex_lock" -> lock); other snake_case
 * identifiers read as their parts ("sys_futex" -> sys futex, "FUTEX_WAIT_PRIVATE" -> futex wait private).
 */
function technicalLemmas(tech: string): string[] {
  if (WORD_MAP[tech]) return WORD_MAP[tech];
  if (!tech.includes('_') || /[./]/.test(tech)) return [tech];
  const parts = tech.split('_').filter(Boolean);
  return parts.length ? parts.flatMap(expand) : [tech];
}

const COMPOUNDS_BY_FIRST = new Map<string, Array<[string[], string[]]>>();
for (const c of COMPOUNDS) COMPOUNDS_BY_FIRST.set(c[0][0], [...(COMPOUNDS_BY_FIRST.get(c[0][0]) ?? []), c]);

function applyCompounds(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; ) {
    const rule = COMPOUNDS_BY_FIRST.get(tokens[i].lemma)?.find(([from]) =>
      i + from.length <= tokens.length && from.every((w, k) => tokens[i + k].lemma === w && tokens[i + k].sentence === tokens[i].sentence),
    );
    if (!rule) {
      out.push(tokens[i++]);
      continue;
    }
    for (const lemma of rule[1]) out.push({ ...tokens[i], lemma, text: lemma, boundary: false });
    i += rule[0].length;
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
  doc.sentences().each((s: ItemSentence) => {
    const ts = s.tokens();
    const values = ts.out(its.value) as string[];
    // wink's typings give its.lemma a signature out() does not accept; at run time it is an ordinary its helper
    const lemmas = ts.out(its.lemma as never) as string[];
    const pos = ts.out(its.pos) as string[];
    for (let i = 0; i < values.length; i++) {
      const value = values[i].toLowerCase();
      if (value.startsWith(PLACEHOLDER_PREFIX)) {
        const tech = technical[Number(value.slice(PLACEHOLDER_PREFIX.length))] ?? value;
        for (const lemma of technicalLemmas(tech)) tokens.push({ lemma, text: tech, pos: 'X', boundary: false, sentence });
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
