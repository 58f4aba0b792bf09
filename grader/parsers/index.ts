/**
 * Entry points of the capture parsers. Both feed the same CaptureBuilder line by line, so a string and
 * a 1 GB file go through identical code; the file version streams in large chunks with flat memory.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { type Capture, ParseError } from './types.ts';
import { CaptureBuilder, MAX_LINE_CHARS } from './capture-builder.ts';
import { decodeBytes } from './bytes.ts';

export { detectTool, Detector, type Detection } from './detect.ts';
export { createParser } from './capture-builder.ts';
export * from './types.ts';

/** How much of the start of the input is checked for being text. */
export const BINARY_PROBE_BYTES = 1024;
const CHUNK_BYTES = 4 << 20;
/** A line longer than this is cut here (the builder keeps MAX_LINE_CHARS of it) and the rest skipped undecoded. */
const MAX_LINE_BYTES = MAX_LINE_CHARS * 4;

/** Why the first KiB is not text (NUL bytes, invalid UTF-8), or null when it is. */
export function binaryReason(head: Uint8Array): string | null {
  const n = Math.min(head.length, BINARY_PROBE_BYTES);
  for (let i = 0; i < n; i++) if (head[i] === 0) return `binary content (NUL byte at offset ${i})`;
  try {
    // stream: true so a multi-byte character cut at the probe boundary is not an error
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, n), { stream: true });
  } catch {
    return 'not UTF-8 text (invalid byte sequence in the first KiB)';
  }
  return null;
}

function textBinaryReason(text: string): string | null {
  const head = text.slice(0, BINARY_PROBE_BYTES);
  const nul = head.indexOf('\u0000');
  if (nul >= 0) return `binary content (NUL character at offset ${nul})`;
  if (head.includes('\uFFFD')) return 'not UTF-8 text (replacement character in the first KiB)';
  return null;
}

/**
 * Parses a capture held in memory. `source` names it in errors.
 * @throws ParseError when the text is binary (NUL / invalid UTF-8 in the first KiB); never for odd lines.
 */
export function parseCaptureText(text: string, source: string): Capture {
  const why = textBinaryReason(text);
  if (why) throw new ParseError(why, source);
  const b = new CaptureBuilder();
  let start = 0;
  let no = 0;
  const n = text.length;
  while (start < n && !b.done) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    b.push(text.slice(start, end), ++no);
    start = end + 1;
  }
  return b.finish();
}

/**
 * Splits byte chunks into lines for a CaptureBuilder: newline bytes are found in the raw bytes, then only
 * the lines are decoded (0x0A never occurs inside a multi-byte UTF-8 sequence). A line longer than
 * MAX_LINE_BYTES is cut there and the rest skipped undecoded, so any input costs time linear in its size.
 */
class ChunkLines {
  private no = 0;
  private first = true;
  private leftover: Buffer | null = null;
  // inside a line longer than MAX_LINE_BYTES: its head was pushed, the rest is skipped up to the next newline
  private skipping = false;

  constructor(
    private readonly b: CaptureBuilder,
    private readonly source: string,
  ) {}

  get done(): boolean {
    return this.b.done;
  }

  /** Feeds the next chunk; `chunk` may be reused by the caller afterwards (nothing keeps a view of it). */
  push(chunk: Buffer): void {
    const b = this.b;
    if (this.first) {
      this.first = false;
      const why = binaryReason(chunk);
      if (why) throw new ParseError(why, this.source);
    }
    let pos = 0;
    if (this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return;
      this.skipping = false;
      pos = nl + 1;
    }
    if (this.leftover) {
      // finish the partial line without copying the whole chunk
      const nl = chunk.indexOf(10, pos);
      const end = nl < 0 ? chunk.length : nl;
      const line = Buffer.concat([this.leftover, chunk.subarray(pos, Math.min(end, pos + MAX_LINE_BYTES))]);
      this.leftover = null;
      if (nl < 0 && line.length <= MAX_LINE_BYTES) {
        this.leftover = line;
        return;
      }
      b.push(decodeBytes(line.subarray(0, MAX_LINE_BYTES)), ++this.no);
      if (nl < 0) {
        this.skipping = true;
        return;
      }
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= pos) {
      this.no = b.pushBytes(chunk.subarray(pos, last), this.no);
      pos = last + 1;
    }
    if (pos < chunk.length) {
      const rest = chunk.subarray(pos);
      if (rest.length > MAX_LINE_BYTES) {
        // one enormous "line": read its head, skip the rest without decoding it
        b.push(decodeBytes(rest.subarray(0, MAX_LINE_BYTES)), ++this.no);
        this.skipping = true;
      } else this.leftover = Buffer.from(rest); // copy: the caller may reuse the chunk
    }
  }

  finish(): Capture {
    if (this.leftover && this.leftover.length > 0 && !this.b.done) this.b.pushBytes(this.leftover, this.no);
    return this.b.finish();
  }
}

/**
 * Parses a capture held in memory as bytes (e.g. an archive entry), exactly as {@link parseCaptureFile}
 * would parse the same bytes from a file. `source` names it in errors.
 * @throws ParseError when the bytes are binary (NUL / invalid UTF-8 in the first KiB).
 */
export function parseCaptureBytes(bytes: Uint8Array, source: string): Capture {
  const lines = new ChunkLines(new CaptureBuilder(), source);
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let pos = 0; pos < all.length && !lines.done; pos += CHUNK_BYTES) lines.push(all.subarray(pos, pos + CHUNK_BYTES));
  return lines.finish();
}

/** Part of a file to parse: `length` bytes from `offset` (an archive entry inside a spool file). */
export interface FileRange {
  offset: number;
  length: number;
}

/**
 * Streams a capture file line by line (4 MiB chunks): detection on the first lines, then the tool's
 * incremental parser, so memory stays flat for any file size. Tools with a byte fast path (execsnoop)
 * read the chunks without decoding them into strings; the result is the same as parseCaptureText's.
 * With `range`, only those bytes of the file are the capture; `source` then names it in errors.
 * @throws ParseError naming the file when it cannot be read or is binary.
 */
export async function parseCaptureFile(path: string, range?: FileRange, source = path): Promise<Capture> {
  const lines = new ChunkLines(new CaptureBuilder(), source);
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    // one reusable 4 MiB buffer: no per-chunk allocation, few syscalls (reading ahead into a second one
    // while parsing was measured: no gain, the page-cache reads are ~10% of the parse)
    const chunkBuf = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = range?.offset ?? 0;
    let left = range?.length ?? Infinity;
    while (!lines.done && left > 0) {
      const { bytesRead } = await fh.read(chunkBuf, 0, Math.min(CHUNK_BYTES, left), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      left -= bytesRead;
      lines.push(chunkBuf.subarray(0, bytesRead));
    }
  } catch (err) {
    if (err instanceof ParseError) throw err;
    const e = err as NodeJS.ErrnoException;
    const what = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new ParseError(`cannot read capture: ${what}`, source);
  } finally {
    await fh?.close();
  }
  return lines.finish();
}
