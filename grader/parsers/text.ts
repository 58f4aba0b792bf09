/**
 * Small, allocation-light helpers shared by every parser: whitespace tokenizing that keeps column
 * offsets (so a "rest of line" column such as ARGS or FILENAME keeps its inner spaces), strict number
 * reading, and bounded counters (a 1 GB capture with a million distinct paths must not grow memory
 * without limit).
 */

/** Tokens of a line split on runs of spaces/tabs, with the offset where each token starts. */
export interface Fields {
  tokens: string[];
  starts: number[];
}

/**
 * Splits on spaces and tabs. Faster than `line.trim().split(/\s+/)` on the hot path and keeps offsets.
 * Stops after `max` tokens: callers that only need the leading columns plus a rest-of-line column
 * (ARGS, PATH) should not pay for tokenizing the rest.
 */
export function splitFields(line: string, max = Number.MAX_SAFE_INTEGER): Fields {
  const tokens: string[] = [];
  const starts: number[] = [];
  const n = line.length;
  let i = 0;
  while (i < n && tokens.length < max) {
    let c = line.charCodeAt(i);
    while (c === 32 || c === 9) {
      i++;
      if (i >= n) return { tokens, starts };
      c = line.charCodeAt(i);
    }
    const start = i;
    while (i < n && c !== 32 && c !== 9) {
      i++;
      c = line.charCodeAt(i);
    }
    tokens.push(line.slice(start, i));
    starts.push(start);
  }
  return { tokens, starts };
}

/**
 * Tokens of a line (split like {@link splitFields}), read only as far as asked: a row whose last column
 * (FILENAME, ARGS) can be 64 KiB long costs the same as a short one when only the leading columns are read.
 */
export class LazyFields {
  private readonly tokens: string[] = [];
  private readonly ends: number[] = [];
  private pos = 0;
  constructor(private readonly line: string) {}

  /** Token `i`, or undefined when the line has fewer tokens. */
  at(i: number): string | undefined {
    while (this.tokens.length <= i && this.next());
    return this.tokens[i];
  }

  /** The text after token `i`, without the spaces/tabs around it ('' when there is none). */
  restAfter(i: number): string {
    if (this.at(i) === undefined) return '';
    const line = this.line;
    let p = this.ends[i];
    while (p < line.length && (line.charCodeAt(p) === 32 || line.charCodeAt(p) === 9)) p++;
    return line.slice(p).trimEnd();
  }

  private next(): boolean {
    const line = this.line;
    const n = line.length;
    let i = this.pos;
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i >= n) {
      this.pos = n;
      return false;
    }
    const start = i;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
    this.tokens.push(line.slice(start, i));
    this.ends.push(i);
    this.pos = i;
    return true;
  }
}

/** The text from token `index` to the end of the line, trailing whitespace removed ('' when absent). */
export function restOfLine(line: string, f: Fields, index: number): string {
  if (index >= f.tokens.length) return '';
  return line.slice(f.starts[index]).trimEnd();
}

/** True for an optional minus sign followed by decimal digits only. */
export function isInt(s: string | undefined): boolean {
  if (s === undefined) return false;
  const n = s.length;
  if (n === 0) return false;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n || n - i > 15) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Integer value of `s`, or NaN when `s` is not a plain integer. */
export function toInt(s: string | undefined): number {
  return isInt(s) ? Number(s) : NaN;
}

/** Decimal value of `s` (e.g. `16.05`, `3415860.022`, `-2`), or NaN. A char loop: this runs on every row. */
export function toNum(s: string | undefined): number {
  if (s === undefined) return NaN;
  const n = s.length;
  let i = n > 0 && s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return NaN;
  const neg = i === 1;
  let digits = 0;
  let int = 0;
  let frac = 0;
  let scale = 1;
  let dot = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      if (dot) {
        frac = frac * 10 + (c - 48);
        scale *= 10;
      } else int = int * 10 + (c - 48);
    } else if (c === 46 && !dot) dot = true;
    else return NaN;
  }
  if (digits === 0) return NaN;
  // long inputs would lose precision in the accumulators: let Number() do those
  if (digits > 15) return Number(s);
  const v = int + frac / scale;
  return neg ? -v : v;
}

/** `line` from `start` with trailing spaces/tabs/CR cut, in one slice. */
export function sliceTrimEnd(line: string, start: number): string {
  let e = line.length;
  while (e > start) {
    const c = line.charCodeAt(e - 1);
    if (c !== 32 && c !== 9 && c !== 13) break;
    e--;
  }
  return line.slice(start, e);
}

/** `HH:MM:SS` or `HH:MM:SS.ffffff` -> seconds since midnight, or NaN. */
export function clockSeconds(s: string | undefined): number {
  if (s === undefined || s.length < 8 || s.charCodeAt(2) !== 58 || s.charCodeAt(5) !== 58) return NaN;
  const h = toInt(s.slice(0, 2));
  const m = toInt(s.slice(3, 5));
  const sec = s.length === 8 ? toInt(s.slice(6)) : toNum(s.slice(6));
  if (!(h < 24 && m < 60 && sec < 61)) return NaN;
  return h * 3600 + m * 60 + sec;
}

/** A clock-only line such as `06:20:16` (interval mode) or `[09:39:04]` (syscount). */
export function isClockLine(line: string): boolean {
  const t = line.trim();
  const inner = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  return inner.length === 8 && !Number.isNaN(clockSeconds(inner));
}

/** No tool prints a header line longer than this; matchers skip longer lines without looking further. */
export const MAX_HEADER_CHARS = 512;

/** Keys past this many distinct ones are summed under OTHER_KEY so memory stays flat on huge captures. */
export const MAX_DISTINCT_KEYS = 5000;
export const OTHER_KEY = '(other)';

/** A string -> count map that stops growing after `limit` distinct keys. */
export class BoundedCounts {
  // boxed counts: one hash lookup per add on the hot path instead of a get and a set
  private readonly map = new Map<string, { n: number }>();
  constructor(private readonly limit = MAX_DISTINCT_KEYS) {}

  add(key: string, n = 1): void {
    this.counter(key).n += n;
  }

  /**
   * The box `key` counts into (its own, or OTHER_KEY's once the map is full), created at 0 if new: add
   * to it right away. Stable for the life of the map, so hot paths may keep it instead of hashing `key`
   * again.
   */
  counter(key: string): { n: number } {
    let box = this.map.get(key);
    if (box !== undefined) return box;
    if (this.map.size < this.limit) this.map.set(key, (box = { n: 0 }));
    else {
      box = this.map.get(OTHER_KEY);
      if (box === undefined) this.map.set(OTHER_KEY, (box = { n: 0 }));
    }
    return box;
  }

  get size(): number {
    return this.map.size;
  }

  entries(): [string, number][] {
    return [...this.map.entries()].map(([k, v]) => [k, v.n]);
  }

  /** Plain object, keys ordered by count descending then name, so output is deterministic. */
  toObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of sortedEntries(this.entries())) out[k] = v;
    return out;
  }

  /** The key with the highest count (ties: alphabetical), or undefined when empty. */
  top(): string | undefined {
    return sortedEntries(this.entries())[0]?.[0];
  }
}

function sortedEntries(entries: [string, number][]): [string, number][] {
  return entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Rounds to 3 decimals: durations/rates in summaries should not carry float noise. */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** `line` ends with `word` once trailing spaces/tabs/CR are ignored (cheap header pre-check, no allocation). */
export function endsWithWord(line: string, word: string): boolean {
  let e = line.length;
  while (e > 0) {
    const c = line.charCodeAt(e - 1);
    if (c !== 32 && c !== 9 && c !== 13) break;
    e--;
  }
  return e >= word.length && line.startsWith(word, e - word.length);
}

/**
 * Token bounds of `line` into reusable arrays (no string allocation): returns the token count, at most
 * `max`. For the per-row hot paths, which then slice only the columns they keep.
 */
export function scanFields(line: string, max: number, starts: Int32Array, ends: Int32Array): number {
  const n = line.length;
  let count = 0;
  let i = 0;
  while (i < n && count < max) {
    let c = line.charCodeAt(i);
    while (c === 32 || c === 9) {
      if (++i >= n) return count;
      c = line.charCodeAt(i);
    }
    starts[count] = i;
    while (i < n && c !== 32 && c !== 9) c = line.charCodeAt(++i);
    ends[count++] = i;
  }
  return count;
}

/** Integer in line[s, e), or NaN (same rules as isInt). */
export function intAt(line: string, s: number, e: number): number {
  let i = s;
  const neg = i < e && line.charCodeAt(i) === 45;
  if (neg) i++;
  if (i === e || e - i > 15) return NaN;
  let v = 0;
  for (; i < e; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}
