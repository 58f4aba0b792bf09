/**
 * The shared core of both entry points: lines go through noise filtering and detection (buffered until
 * the tool is known), then into that tool's line parser. Memory stays flat: the detection buffer is
 * capped and every parser keeps bounded state.
 */
import type { Capture, Flavor, ParseIssue, SummaryByTool, ToolName } from './types.ts';
import type { LineParser, SlowLine } from './line-parser.ts';
import { decodeBytes } from './bytes.ts';
import { Detector, type Detection } from './detect.ts';
import { isBccChatter, isBpftraceChatter, isLibbpfChatter, isNoiseLine, stripCtrlC } from './noise.ts';
import { createExecsnoopParser } from './execsnoop.ts';
import { createOpensnoopParser } from './opensnoop.ts';
import { createHistogramParser } from './histogram.ts';
import { createOffcputimeParser, createProfileParser } from './stacks.ts';
import { createFsslowerParser } from './fsslower.ts';
import { createTcpconnectParser } from './tcpconnect.ts';
import { createTcpretransParser } from './tcpretrans.ts';
import { createCachestatParser } from './cachestat.ts';
import { createSyscountParser } from './syscount.ts';

/** Lines held back while the tool is still unknown; past this, detection goes on without the buffer. */
export const DETECT_BUFFER_LINES = 5000;
const DETECT_BUFFER_CHARS = 4 * 1024 * 1024;

/**
 * Bounded work per byte, whatever the input (issue 9: a 200 MB line took minutes). Detection reads only
 * the start of each line (no tool header or banner is longer), and gives up after this many lines or
 * characters without a clue: text that is not tool output is not read to its end. No tool prints a line
 * longer than MAX_LINE_CHARS (an execsnoop ARGS column is cut at a few KiB): longer lines are cut there,
 * with a warning, before any parser sees them.
 */
export const DETECT_LINE_CHARS = 4096;
export const DETECT_MAX_LINES = 50_000;
export const DETECT_MAX_CHARS = 8 * 1024 * 1024;
export const MAX_LINE_CHARS = 64 * 1024;

type KnownTool = Exclude<ToolName, 'unknown'>;

/** A fresh line parser for `tool`. */
export function createParser<T extends KnownTool>(tool: T): LineParser<SummaryByTool[T]>;
export function createParser(tool: KnownTool): LineParser<SummaryByTool[KnownTool]> {
  switch (tool) {
    case 'execsnoop':
      return createExecsnoopParser();
    case 'opensnoop':
      return createOpensnoopParser();
    case 'biolatency':
    case 'runqlat':
    case 'bpftrace-hist':
      return createHistogramParser();
    case 'offcputime':
      return createOffcputimeParser();
    case 'profile':
      return createProfileParser();
    case 'fsslower':
      return createFsslowerParser();
    case 'tcpconnect':
      return createTcpconnectParser();
    case 'tcpretrans':
      return createTcpretransParser();
    case 'cachestat':
      return createCachestatParser();
    case 'syscount':
      return createSyscountParser();
  }
}

/** Builds one Capture from lines pushed in order. */
export class CaptureBuilder {
  private readonly detector = new Detector();
  private buffer: { line: string; no: number }[] = [];
  private bufferChars = 0;
  private detection: Detection | null = null;
  private parser: LineParser<SummaryByTool[KnownTool]> | null = null;
  private chatter: Flavor | undefined;
  private lineCount = 0;
  private nonBlank = 0;
  private examinedChars = 0;
  private longLines = 0;
  private firstLongLine = 0;
  /** detection gave up on text that is no tool's output: nothing more needs reading */
  private gaveUp = false;

  /** True once the rest of the input cannot change the result (detection gave up): callers may stop reading. */
  get done(): boolean {
    return this.gaveUp;
  }

  /** One line without its newline (a trailing CR is dropped); `lineNo` 1-based. */
  push(rawLine: string, lineNo: number): void {
    if (this.gaveUp) return;
    this.lineCount = lineNo;
    let raw = rawLine;
    if (raw.length > MAX_LINE_CHARS) {
      if (this.longLines++ === 0) this.firstLongLine = lineNo;
      raw = raw.slice(0, MAX_LINE_CHARS);
    }
    const line = stripCtrlC(raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw);
    if (this.parser) {
      if (this.isNoise(line)) return;
      this.parser.push(line, lineNo);
      return;
    }
    if (line.length > 0) this.nonBlank++;
    const probe = line.length > DETECT_LINE_CHARS ? line.slice(0, DETECT_LINE_CHARS) : line;
    this.examinedChars += probe.length;
    const d = this.detector.push(probe);
    if (!d && (lineNo >= DETECT_MAX_LINES || this.examinedChars >= DETECT_MAX_CHARS)) {
      this.giveUp(lineNo);
      return;
    }
    if (d) {
      this.start(d);
      this.replayBuffer();
      if (!this.isNoise(line)) this.pushToParser(line, lineNo);
      return;
    }
    if (this.buffer.length < DETECT_BUFFER_LINES && this.bufferChars < DETECT_BUFFER_CHARS) {
      this.buffer.push({ line, no: lineNo });
      this.bufferChars += line.length;
    }
  }

  /** No clue in the first lines: a banner still names its tool, anything else is not tool output. */
  private giveUp(lineNo: number): void {
    const d = this.detector.finish();
    if (d.tool !== 'unknown') {
      this.start(d);
      this.replayBuffer();
      return;
    }
    this.buffer = [];
    this.detection = { ...d, reason: `${d.reason ?? 'not recognised'} in the first ${lineNo} lines (${Math.round(this.examinedChars / 1024)} KiB): not read further` };
    this.gaveUp = true;
  }

  /** Pushes each `\n`-separated piece of `text` (the last one too, even if empty); returns the last line number. */
  pushText(text: string, lineNo: number): number {
    let no = lineNo;
    let start = 0;
    for (;;) {
      if (this.gaveUp) return no;
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      this.push(text.slice(start, end), ++no);
      start = end + 1;
    }
    this.push(start === 0 ? text : text.slice(start), ++no);
    return no;
  }

  /**
   * `pushText` for undecoded bytes. Once the tool is known and its parser has a byte fast path, lines go
   * to it without being decoded; until then (and for other tools) lines are decoded and pushed as text.
   */
  pushBytes(buf: Buffer, lineNo: number): number {
    let no = lineNo;
    let at = 0;
    if (!this.detection) {
      // lines one by one while the tool is unknown, keeping the byte offset of the next one, so the fast
      // path can take over right after the header
      const text = decodeBytes(buf);
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        this.push(end < 0 ? text.slice(start) : text.slice(start, end), ++no);
        if (end < 0 || this.gaveUp) return no;
        start = end + 1;
        at = buf.indexOf(10, at) + 1;
        if (!this.detection) continue;
        if (!this.parser?.pushLines) return this.pushText(text.slice(start), no);
        break;
      }
    }
    if (this.parser?.pushLines) {
      no = this.parser.pushLines(at === 0 ? buf : buf.subarray(at), no + 1, this.slowLine);
      this.lineCount = no;
      return no;
    }
    return this.pushText(decodeBytes(at === 0 ? buf : buf.subarray(at)), no);
  }

  private readonly slowLine: SlowLine = (buf, start, end, lineNo) => this.push(decodeBytes(buf.subarray(start, end)), lineNo);

  /** The capture for everything pushed so far. */
  finish(): Capture {
    if (!this.detection) {
      if (this.nonBlank === 0) return unknown('empty file', this.lineCount);
      const d = this.detector.finish();
      if (d.tool !== 'unknown') {
        this.start(d);
        this.replayBuffer();
      } else {
        this.detection = d;
      }
    }
    const d = this.detection!;
    if (!this.parser || d.tool === 'unknown') {
      const c = unknown(d.reason ?? 'not recognised', this.lineCount, d.flavor);
      if (d.recognizedAs && c.tool === 'unknown') c.summary.recognizedAs = d.recognizedAs;
      return c;
    }
    const summary = this.parser.finish();
    let flavor = d.flavor;
    if (flavor === 'unknown') flavor = this.parser.flavorHint?.() ?? this.chatter ?? 'unknown';
    const warnings: ParseIssue[] = [...this.parser.warnings];
    if (this.longLines) {
      warnings.unshift({ line: this.firstLongLine, message: `${this.longLines} line(s) longer than ${MAX_LINE_CHARS / 1024} KiB: only their first ${MAX_LINE_CHARS / 1024} KiB were read (no tool prints lines that long)` });
    }
    return { tool: d.tool, flavor, summary, warnings, lines: this.lineCount } as Capture;
  }

  private start(d: Detection): void {
    this.detection = d;
    if (d.tool !== 'unknown') this.parser = createParser(d.tool);
  }

  private replayBuffer(): void {
    for (const b of this.buffer) if (!this.isNoise(b.line)) this.pushToParser(b.line, b.no);
    this.buffer = [];
  }

  private pushToParser(line: string, lineNo: number): void {
    this.parser?.push(line, lineNo);
  }

  private isNoise(line: string): boolean {
    if (!isNoiseLine(line)) return false;
    if (isBpftraceChatter(line)) this.chatter = 'bpftrace';
    else if (isLibbpfChatter(line)) this.chatter ??= 'libbpf';
    else if (isBccChatter(line)) this.chatter ??= 'bcc';
    return true;
  }
}

function unknown(reason: string, lines: number, flavor: Flavor = 'unknown'): Capture {
  return { tool: 'unknown', flavor, summary: { reason }, warnings: [], lines };
}
