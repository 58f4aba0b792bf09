import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

type Nlp = ReturnType<typeof winkNLP>;

let instance: Nlp | undefined;

/**
 * The English pipeline (tokens, sentences, lemmas, parts of speech). Loading the model takes ~0.4 s, so it is
 * loaded on first use and kept for the life of the process: once per CLI run, once per batch worker thread.
 */
export function nlp(): Nlp {
  instance ??= winkNLP(model);
  return instance;
}
