import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import model from 'wink-eng-lite-web-model';
import winkNLP from 'wink-nlp';
import { describe, expect, it } from 'vitest';
import { nlp as graderNlp } from '../../../grader/language/nlp.ts';
import { makeWordsPackable, type PackableWords } from '../../../grader/language/packable-words.ts';

/**
 * The snapshot's packed words (grader/language/packable-words.ts) must read exactly as wink's own list and
 * hash: every word of the model at its index, and every text tokenized, lemmatized and tagged the same.
 */

const ROOT = new URL('../../..', import.meta.url).pathname;

function loadNlp(): { nlp: ReturnType<typeof winkNLP>; words: PackableWords; core: { features: { lexeme: { list: string[]; hash: Record<string, number | undefined> } } } } {
  let words: PackableWords | undefined;
  let core: never;
  const nlp = winkNLP({
    ...model,
    core: () => {
      core = (model.core as () => never)();
      words = makeWordsPackable(core);
      return core;
    },
  });
  return { nlp, words: words!, core: core! };
}

/** Every answers.yaml of the scenarios' examples: the learner prose the grader reads. */
function exampleTexts(): string[] {
  const out: string[] = [];
  for (const id of readdirSync(join(ROOT, 'scenarios'))) {
    const ex = join(ROOT, 'scenarios', id, 'examples');
    if (!existsSync(ex)) continue;
    for (const d of readdirSync(ex)) {
      const f = join(ex, d, 'answers.yaml');
      if (existsSync(f)) out.push(readFileSync(f, 'utf8'));
    }
  }
  return out;
}

const read = (nlp: ReturnType<typeof winkNLP>, text: string) => {
  const doc = nlp.readDoc(text);
  const t = doc.tokens();
  return [t.out(nlp.its.value), t.out(nlp.its.lemma as never), t.out(nlp.its.pos), doc.sentences().out()];
};

const TEXTS = [
  'The workers were being blocked while another thread kept the mutex; runqlat said the CPU was idle.',
  "A monitoring script spawns curl 40 times a second. It's not the CPU: it's fsync() on /var/lib/app/journal.log!",
  'Zyxwv qwertyish frobnicated the unfathomably recalcitrant spindles. Dr. Smith from Acme Corp. in New York disagreed.',
  "I don't think the disk is slow; iostat looked fine, but nobody's writes were fast and I hate waiting.",
];

describe('the grader\'s reading of English (grader/language/nlp.ts)', () => {
  it('reads texts as wink\'s full pipe does: tokens, lemmas, parts of speech, sentences', () => {
    const full = winkNLP(model);
    for (const text of [...exampleTexts(), ...TEXTS]) expect(read(graderNlp(), text)).toEqual(read(full, text));
  });
});

describe('packed words', () => {
  it('every word of the model keeps its index, and every index its word', () => {
    const { words, core } = loadNlp();
    const list = [...core.features.lexeme.list];
    const hash = new Map(list.map((w) => [w, core.features.lexeme.hash[w]]));
    expect(list.length).toBeGreaterThan(80_000);
    words.pack();
    expect(words.isPacked).toBe(true);
    expect(core.features.lexeme.list.length).toBe(list.length);
    for (let i = 0; i < list.length; i++) {
      if (core.features.lexeme.list[i] !== list[i]) throw new Error(`word ${i}: ${core.features.lexeme.list[i]} != ${list[i]}`);
      const w = list[i];
      if (core.features.lexeme.hash[w] !== hash.get(w)) throw new Error(`index of ${w}: ${core.features.lexeme.hash[w]} != ${hash.get(w)}`);
    }
    // wink's hash has no prototype: a word it lacks is undefined, whatever its name
    for (const absent of ['zqxunheardof', '', 'constructor', '__proto__', 'toString']) expect(core.features.lexeme.hash[absent]).toBe(hash.get(absent));
  });

  it('a word learnt after packing gets the next index, as wink gives it', () => {
    const { words, core } = loadNlp();
    words.pack();
    const n = core.features.lexeme.list.length;
    const lexeme = core.features.lexeme;
    lexeme.hash.zqxnewword = n;
    expect(lexeme.list.push('zqxnewword')).toBe(n + 1);
    expect(lexeme.hash.zqxnewword).toBe(n);
    expect(lexeme.list[n]).toBe('zqxnewword');
    expect(lexeme.list.length).toBe(n + 1);
  });

  it('texts read the same with the words packed: tokens, lemmas, parts of speech, sentences', () => {
    const plain = loadNlp().nlp;
    const packed = loadNlp();
    const texts = [...exampleTexts(), ...TEXTS];
    // half read before packing (words learnt then are packed too), half after
    const half = Math.ceil(texts.length / 2);
    const before = texts.slice(0, half).map((t) => read(packed.nlp, t));
    packed.words.pack();
    const after = texts.map((t) => read(packed.nlp, t));
    expect([...before, ...after.slice(half)]).toEqual(texts.map((t) => read(plain, t)));
    expect(after).toEqual(texts.map((t) => read(plain, t)));
  });
});
