import type { Flavor, ParseIssue } from './types.ts';

/**
 * Every parser is a line consumer, so `parseCaptureText` and the streaming `parseCaptureFile`
 * share one code path and a 1 GB capture never has to sit in memory.
 */
export interface LineParser<S> {
  /** One line without its newline; `lineNo` is 1-based. Never throws on odd input. */
  push(line: string, lineNo: number): void;
  /** The summary of everything pushed so far. */
  finish(): S;
  /** Rows that looked like data but could not be read. */
  readonly warnings: ParseIssue[];
  /** Flavor evidence met while parsing (e.g. libbpf fsslower `F` rows); undefined when none. */
  flavorHint?(): Flavor | undefined;
  /**
   * Optional byte fast path for big files: reads the lines of `buf` (split on `\n` like
   * `text.split('\n')`, numbered from `firstLineNo`) without decoding them, and hands every line it
   * cannot read exactly as `push` would (noise, headers, odd rows, CR endings) to `slow`. The result must
   * equal pushing every decoded line. Returns the number of the last line.
   */
  pushLines?(buf: Buffer, firstLineNo: number, slow: SlowLine): number;
}

/** Takes buf[start, end) (one line) through the full string path: noise filter, then `push`. */
export type SlowLine = (buf: Buffer, start: number, end: number, lineNo: number) => void;

/** At most this many warnings are kept; the rest are counted in one closing warning. */
export const MAX_WARNINGS = 100;

/** Collects warnings with a cap, so a garbage-filled 1 GB file cannot grow memory through them. */
export class WarningList {
  readonly list: ParseIssue[] = [];
  private dropped = 0;
  private lastLine = 0;

  add(line: number, message: string): void {
    this.lastLine = line;
    if (this.list.length < MAX_WARNINGS) this.list.push({ line, message });
    else this.dropped++;
  }

  /** Appends the "N more" note once, at the end. */
  close(): ParseIssue[] {
    if (this.dropped > 0) {
      this.list.push({ line: this.lastLine, message: `${this.dropped} more warnings not shown` });
      this.dropped = 0;
    }
    return this.list;
  }
}
