/**
 * A small fixed-size hash table keyed by byte ranges of a buffer, so a fast path can find "the comm in
 * bytes 8..24 of this line" without making a string per row. It only caches: when full it stops
 * taking keys and callers go the string way, which keeps memory bounded on captures with millions of
 * distinct keys.
 */
export class ByteKeyTable<V> {
  private readonly keys: (Uint8Array | undefined)[];
  private readonly hashes: Int32Array;
  private readonly values: (V | undefined)[];
  private readonly mask: number;
  private size = 0;
  private missAt = -1;
  private missHash = 0;

  /** Holds up to half of 2^bits keys (linear probing stays short). */
  constructor(bits = 12) {
    const cap = 1 << bits;
    this.mask = cap - 1;
    this.keys = new Array<Uint8Array | undefined>(cap).fill(undefined);
    this.values = new Array<V | undefined>(cap).fill(undefined);
    this.hashes = new Int32Array(cap);
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
    if (this.missAt < 0 || this.size >= (this.mask + 1) >> 1) return false;
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
