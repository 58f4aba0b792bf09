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

  /** One line without its newline (a trailing CR is dropped); `lineNo` 1-based. */
  push(rawLine: string, lineNo: number): void {
    this.lineCount = lineNo;
    const line = stripCtrlC(rawLine.charCodeAt(rawLine.length - 1) === 13 ? rawLine.slice(0, -1) : rawLine);
    if (this.parser) {
      if (this.isNoise(line)) return;
      this.parser.push(line, lineNo);
      return;
    }
    if (line.length > 0) this.nonBlank++;
    const d = this.detector.push(line);
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

  /** Pushes each `\n`-separated piece of `text` (the last one too, even if empty); returns the last line number. */
  pushText(text: string, lineNo: number): number {
    let no = lineNo;
    let start = 0;
    for (;;) {
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
        if (end < 0) return no;
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
    const warnings: ParseIssue[] = this.parser.warnings;
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
