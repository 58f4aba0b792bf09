/**
 * A small bounded hash table keyed by byte ranges of a buffer, so a fast path can find "the comm in
 * bytes 8..24 of this line" without making a string per row. It only caches: when full it stops
 * taking keys and callers go the string way, which keeps memory bounded on captures with millions of
 * distinct keys.
 */
export class ByteKeyTable<V> {
  private keys: (Uint8Array | undefined)[] = [];
  private hashes = new Int32Array(0);
  private values: (V | undefined)[] = [];
  private mask = 0;
  private readonly maxCap: number;
  private size = 0;
  private missAt = -1;
  private missHash = 0;

  /**
   * Holds up to half of 2^bits keys (linear probing stays short). Starts small and doubles as it fills:
   * a parser makes two of these per capture, and a submission can hold thousands of small captures.
   */
  constructor(bits = 12) {
    this.maxCap = 1 << bits;
    this.allocate(Math.min(this.maxCap, 64));
  }

  private allocate(cap: number): void {
    this.mask = cap - 1;
    this.keys = new Array<Uint8Array | undefined>(cap).fill(undefined);
    this.values = new Array<V | undefined>(cap).fill(undefined);
    this.hashes = new Int32Array(cap);
  }

  /** Doubles the table, re-placing every key by its stored hash. */
  private grow(): void {
    const { keys, values, hashes } = this;
    this.allocate(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k === undefined) continue;
      let at = hashes[i] & this.mask;
      while (this.keys[at] !== undefined) at = (at + 1) & this.mask;
      this.keys[at] = k;
      this.hashes[at] = hashes[i];
      this.values[at] = values[i];
    }
  }

  /** The value stored for the bytes buf[s, e), or undefined (then `insert` may store one). */
  get(buf: Buffer, s: number, e: number): V | undefined {
    // FNV-1a
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const len = e - s;
    let at = h & this.mask;
    for (;;) {
      const k = this.keys[at];
      if (k === undefined) break;
      if (this.hashes[at] === h && k.length === len && sameBytes(k, buf, s, len)) return this.values[at];
      at = (at + 1) & this.mask;
    }
    this.missAt = at;
    this.missHash = h;
    return undefined;
  }

  /** Stores `value` for buf[s, e), which the last `get` missed; false when the table is full. */
  insert(buf: Buffer, s: number, e: number, value: V): boolean {
    if (this.missAt < 0 || this.size >= this.maxCap >> 1) return false;
    if (this.size >= (this.mask + 1) >> 1) {
      this.grow();
      // the slot the last get found is in the old table: probe again from the same hash
      let at = this.missHash & this.mask;
      while (this.keys[at] !== undefined) at = (at + 1) & this.mask;
      this.missAt = at;
    }
    this.keys[this.missAt] = new Uint8Array(buf.subarray(s, e)); // a copy: the buffer is reused
    this.hashes[this.missAt] = this.missHash;
    this.values[this.missAt] = value;
    this.missAt = -1;
    this.size++;
    return true;
  }
}

function sameBytes(k: Uint8Array, buf: Buffer, s: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (k[i] !== buf[s + i]) return false;
  return true;
}
