/**
 * wink's English model keeps its ~87 000 words twice: a list (index -> word) and a hash (word -> index).
 * That is 175 000 small heap objects, and in `labctl grade`'s start-up snapshot (cli/snapshot.ts) every run
 * would deserialize them: most of its start. So, while the snapshot is written, the words are packed into
 * one string with an offset table and a sorted index (typed arrays: copied, not rebuilt, at start), and
 * looked up there: a word by binary search, an index by slicing. Nothing is rebuilt, whatever a run reads.
 *
 * The model stays wink's own: its `lexeme` feature keeps `list` (an accessor) and `hash` (a proxy) with the
 * reads and writes wink makes of them (wink-nlp/src/cache.js): `hash[word]`, `hash[word] = index`,
 * `list[index]`, `list.length`, `list.push(word)`, answered from wink's own list and hash until packed.
 * Only the snapshot build installs it (nlp.ts): every other process keeps wink's list and hash as they are.
 */

type Hash = Record<string, number | undefined>;

interface LexemeFeature {
  list: string[];
  hash: Hash;
}

interface CoreModel {
  features: { lexeme: LexemeFeature };
}

interface Packed {
  /** the words one after another */
  text: string;
  /** word i is text.slice(start[i], start[i + 1]) */
  start: Uint32Array;
  /** word indices sorted by (word, index) */
  sorted: Uint32Array;
  /** words learnt after packing (wink adds every word it meets that the model lacks) */
  added: string[];
  addedIndex: Map<string, number>;
}

export class PackableWords {
  private packed: Packed | null = null;
  /** a view of the packed words that behaves as wink's list does */
  private listView: string[] | null = null;

  constructor(
    private words: string[],
    private hash: Hash,
  ) {}

  get isPacked(): boolean {
    return this.packed !== null;
  }

  size(): number {
    return this.packed ? this.packed.start.length - 1 + this.packed.added.length : this.words.length;
  }

  wordAt(i: number): string | undefined {
    const p = this.packed;
    if (!p) return this.words[i];
    const base = p.start.length - 1;
    if (i < base) return i >= 0 ? p.text.slice(p.start[i], p.start[i + 1]) : undefined;
    return p.added[i - base];
  }

  /** The word's index: the last one when a word is listed twice, as wink's hash (built in list order) has it. */
  indexOf(word: string): number | undefined {
    const p = this.packed;
    if (!p) return this.hash[word];
    const added = p.addedIndex.get(word);
    if (added !== undefined) return added;
    // the last position whose word is <= the one sought
    let lo = 0;
    let hi = p.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const w = this.wordAt(p.sorted[mid])!;
      if (w <= word) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && this.wordAt(p.sorted[lo - 1]) === word ? p.sorted[lo - 1] : undefined;
  }

  setIndex(word: string, index: number): void {
    if (this.packed) this.packed.addedIndex.set(word, index);
    else this.hash[word] = index;
  }

  push(word: string): number {
    if (this.packed) this.packed.added.push(word);
    else this.words.push(word);
    return this.size();
  }

  /** The list as wink reads it: the array itself, or once packed a view with the same reads. */
  list(): string[] {
    if (!this.packed) return this.words;
    this.listView ??= new Proxy([] as string[], {
      get: (_t, k) => {
        if (k === 'length') return this.size();
        if (k === 'push') return (w: string) => this.push(w);
        if (typeof k === 'string' && /^\d+$/.test(k)) return this.wordAt(Number(k));
        return undefined;
      },
    });
    return this.listView;
  }

  /** Packs the words and lets go of wink's list and hash. */
  pack(): void {
    if (this.packed) return;
    const words = this.words;
    const start = new Uint32Array(words.length + 1);
    for (let i = 0; i < words.length; i++) start[i + 1] = start[i] + words[i].length;
    const order = Array.from(words.keys()).sort((a, b) => (words[a] < words[b] ? -1 : words[a] > words[b] ? 1 : a - b));
    this.packed = { text: words.join(''), start, sorted: Uint32Array.from(order), added: [], addedIndex: new Map() };
    this.words = [];
    this.hash = Object.create(null) as Hash;
  }
}

/**
 * Puts the model's lexeme list and hash behind a PackableWords, in place, and returns it. Every index a word
 * had stays its index, and wink still appends a new word at index `list.length`.
 */
export function makeWordsPackable(model: CoreModel): PackableWords {
  const lexeme = model.features.lexeme;
  const store = new PackableWords(lexeme.list, lexeme.hash);
  const word = (k: string | symbol): string | null => (typeof k === 'string' ? k : null);
  lexeme.hash = new Proxy(Object.create(null) as Hash, {
    get: (_t, k) => {
      const w = word(k);
      return w === null ? undefined : store.indexOf(w);
    },
    set: (_t, k, v: number) => {
      const w = word(k);
      if (w !== null) store.setIndex(w, v);
      return true;
    },
    has: (_t, k) => {
      const w = word(k);
      return w !== null && store.indexOf(w) !== undefined;
    },
  });
  Object.defineProperty(lexeme, 'list', { get: () => store.list(), enumerable: true, configurable: true });
  return store;
}
