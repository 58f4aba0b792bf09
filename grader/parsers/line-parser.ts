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
}

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
