import { startupSnapshot } from 'node:v8';
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { makeWordsPackable } from './packable-words.ts';

type Nlp = ReturnType<typeof winkNLP>;

/**
 * What the grader reads of a text: its sentences, and each token's value, lemma and part of speech. wink's
 * other annotations (named entities, sentiment, negation marks) feed none of these (wink-nlp.js, readDoc), so
 * they are left out of the pipe, and the entity and sentiment models out of memory: a third of what the
 * model puts on the heap, which `labctl grade`'s start-up snapshot would otherwise load at every start.
 */
export const PIPE = ['sbd', 'pos'];
// wink builds an automaton for every part of the model, used or not: these are the empty ones
const NO_MACHINE = JSON.stringify([100, 0, {}, {}, {}, {}]);

let instance: Nlp | undefined;

/**
 * The English pipeline. Loading the model takes ~0.4 s, so it is loaded on first use and kept for the life
 * of the process: once per CLI run, once per batch worker thread, once at install for `labctl grade`'s
 * start-up snapshot, which then holds the model's words packed (packable-words.ts).
 */
export function nlp(): Nlp {
  instance ??= winkNLP(
    {
      ...model,
      core: () => {
        // wink's typings leave the model's parts opaque; what is used of it is typed in packable-words.ts
        const core = (model.core as () => unknown)();
        // only the snapshot needs the packable store: everywhere else (batch workers) wink's own list and hash
        // stay in place, with no proxy on every lookup
        if (startupSnapshot?.isBuildingSnapshot()) {
          const words = makeWordsPackable(core as never);
          startupSnapshot.addSerializeCallback(() => words.pack());
        }
        return core;
      },
      ner: () => ({ machines: [], transformers: [] }),
      sa: () => ({ machines: [NO_MACHINE], setter: () => undefined }),
    },
    PIPE as never,
  );
  return instance;
}
