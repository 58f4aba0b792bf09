/**
 * Types shared by the execsnoop parser (execsnoop.ts), its byte-level twin (execsnoop-bytes.ts) and the
 * tally both feed (execsnoop-tally.ts): kept here so none of the three imports another in a circle.
 */
import type { Flavor } from './types.ts';

export type MidColumn = 'PID' | 'PPID' | 'PCOMM' | 'CPU' | 'RET';

/** The column layout read off one header line. */
export interface ExecsnoopLayout {
  columns: string[];
  prefix: string[];
  /** false for bpftrace, which prints no comm: it is derived from argv[0] */
  hasComm: boolean;
  mid: MidColumn[];
  flavor: Flavor;
  /**
   * A time printed before the header (`0.174   TIME(s) PCOMM ...`): BCC's `-t` with stdout a pipe (`| tee`).
   * Python holds the header in its text buffer while the first event's time goes straight to the byte
   * buffer, so the time lands before the header and that event's row follows without one.
   */
  leadingTime?: string;
}

/** Where the kept columns of one row are (absolute offsets into the buffer); reused for every row. */
export interface ExecRowBytes {
  /** the COMM column (may hold spaces); without one (bpftrace) argv[0], whose basename is the comm */
  commStart: number;
  commEnd: number;
  /** -1 when the layout has no PID */
  pidStart: number;
  pidEnd: number;
  /** -1 when the layout has no PPID */
  ppidStart: number;
  ppidEnd: number;
  ret: number;
  /** -1: no ARGS */
  argsStart: number;
  time: number;
  clock: boolean;
  wholeSeconds: boolean;
}
