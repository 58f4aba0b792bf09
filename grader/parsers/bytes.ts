/**
 * Byte-level twins of the text.ts readers, for parser fast paths that read rows straight from the file
 * buffer without decoding them into strings. Each one gives exactly what its string twin gives on the
 * decoded line: UTF-8 multi-byte sequences never contain a space, tab or digit byte, so token bounds,
 * integers and numbers come out the same, and any non-ASCII byte makes a number NaN in both.
 */
import { isAscii } from 'node:buffer';

/**
 * A line's text as the string parsers see it: latin1 when ASCII (exact, and several times faster than
 * UTF-8), UTF-8 otherwise.
 */
export function decodeBytes(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/** buf[s, e) as a string, decoded as `decodeBytes` would decode the whole line around it. */
export function sliceBytes(buf: Buffer, s: number, e: number): string {
  for (let i = s; i < e; i++) if (buf[i] >= 0x80) return buf.toString('utf8', s, e);
  return latin1(buf, s, e);
}

/** buf[s, e) known to be ASCII, as a string. */
export function latin1(buf: Buffer, s: number, e: number): string {
  return buf.toString('latin1', s, e);
}

/**
 * scanFields over buf[s, e): token bounds (absolute offsets) into reusable arrays; returns the count.
 * The `max`-th token gets its start only (its end is left stale): callers ask for one token past the
 * columns they read just to learn where the rest of the line (ARGS, PATH) begins, and skipping its
 * bytes matters on the hot path.
 */
export function scanFieldsBytes(buf: Buffer, s: number, e: number, max: number, starts: Int32Array, ends: Int32Array): number {
  let count = 0;
  let i = s;
  const last = max - 1;
  while (i < e && count < max) {
    let c = buf[i];
    while (c === 32 || c === 9) {
      if (++i >= e) return count;
      c = buf[i];
    }
    starts[count] = i;
    if (count === last) return max;
    while (i < e && c !== 32 && c !== 9) c = buf[++i];
    ends[count++] = i;
  }
  return count;
}

/** intAt over bytes: integer in buf[s, e), or NaN. */
export function intAtBytes(buf: Buffer, s: number, e: number): number {
  let i = s;
  const neg = i < e && buf[i] === 45;
  if (neg) i++;
  if (i === e || e - i > 15) return NaN;
  let v = 0;
  for (; i < e; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/** toNum over bytes: decimal in buf[s, e), or NaN; same arithmetic, so the same double. */
export function numAtBytes(buf: Buffer, s: number, e: number): number {
  let i = s < e && buf[s] === 45 ? s + 1 : s;
  if (i === e) return NaN;
  const neg = i > s;
  let digits = 0;
  let int = 0;
  let frac = 0;
  let scale = 1;
  let dot = false;
  for (; i < e; i++) {
    const c = buf[i];
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
  if (digits > 15) return Number(latin1(buf, s, e));
  const v = int + frac / scale;
  return neg ? -v : v;
}

/** clockSeconds over bytes: `HH:MM:SS[.ffffff]` in buf[s, e) -> seconds since midnight, or NaN. */
export function clockAtBytes(buf: Buffer, s: number, e: number): number {
  if (e - s < 8 || buf[s + 2] !== 58 || buf[s + 5] !== 58) return NaN;
  const h = intAtBytes(buf, s, s + 2);
  const m = intAtBytes(buf, s + 3, s + 5);
  const sec = e - s === 8 ? intAtBytes(buf, s + 6, e) : numAtBytes(buf, s + 6, e);
  if (!(h < 24 && m < 60 && sec < 61)) return NaN;
  return h * 3600 + m * 60 + sec;
}

/** endsWithWord over bytes: buf[s, e) ends with ASCII `word` once trailing spaces/tabs/CR are ignored. */
export function endsWithWordBytes(buf: Buffer, s: number, e: number, word: string): boolean {
  while (e > s) {
    const c = buf[e - 1];
    if (c !== 32 && c !== 9 && c !== 13) break;
    e--;
  }
  const n = word.length;
  if (e - s < n) return false;
  for (let i = 0; i < n; i++) if (buf[e - n + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** End of buf[s, e) with trailing spaces/tabs/CR cut (the bounds of sliceTrimEnd). */
export function trimEndBytes(buf: Buffer, s: number, e: number): number {
  while (e > s) {
    const c = buf[e - 1];
    if (c !== 32 && c !== 9 && c !== 13) break;
    e--;
  }
  return e;
}
