/**
 * Detects which tool (and flavor) printed a capture from its content only: table headers, banners and
 * output shapes, never the file name. Works line by line so it can run on the first lines of a stream;
 * the first decisive clue wins (example files hold several sections of the same tool).
 *
 * Flavor rules (also in grader/parsers/README.md): header widths and wording per corpus/FORMATS.md, e.g.
 * libbpf histograms print `count    distribution` (4 spaces), libbpf fsslower ends its banner with
 * `Hit Ctrl-C to end.`, libbpf profile's banner lacks "stack"; bpftrace is named by `Attaching N probes...`
 * / `Attached N probes`, its banners and `@` maps. When the clues do not decide, flavor is 'unknown'.
 */
import type { Flavor, ToolName } from './types.ts';
import { matchBanner, matchUnsupported, TIME_UNIT_MAPS, type BannerClue } from './detect-clues.ts';
import { matchExecsnoopHeader } from './execsnoop.ts';
import { matchOpensnoopHeader } from './opensnoop.ts';
import { matchFsslowerHeader } from './fsslower.ts';
import { matchTcpconnectHeader } from './tcpconnect.ts';
import { matchTcpretransHeader } from './tcpretrans.ts';
import { matchCachestatHeader } from './cachestat.ts';
import { matchSyscountHeader } from './syscount.ts';
import {
  bccHistHeaderFlavor,
  matchBccHistHeader,
  matchBpftraceCountLine,
  matchBpftraceHistHeader,
  matchSectionLabel,
  parseBccJsonHist,
  parseBpftraceRow,
} from './histogram-rows.ts';
import { createStackBlockReader } from './stack-blocks.ts';
import { looksOffCpu } from './stacks.ts';
import { isBccChatter, isBpftraceChatter, isLibbpfChatter, isNoiseLine, stripCtrlC } from './noise.ts';

const HEADER_HINT = /[A-Z]{3}/;

/** What detection concluded. `reason` explains an 'unknown' tool. */

// What BCC, libbpf-tools and bpftrace print when they cannot run (e.g. bcc 0.26's biolatency on kernel 6.1:
// "cannot attach kprobe, Invalid argument" and a traceback). bpftrace's RLIMIT_MEMLOCK "ERROR:" is chatter.
const TOOL_ERROR = /^Traceback \(most recent call last\)|cannot attach (kprobe|uprobe|tracepoint)|failed to attach|is not traceable|Unable to find kernel headers|^ERROR: (?!.*RLIMIT)/;
export interface Detection {
  tool: ToolName;
  flavor: Flavor;
  reason?: string;
  /** a recognised program outside ToolName (e.g. 'cpudist') */
  recognizedAs?: string;
}

/** Incremental detector: feed lines until `push` returns a Detection, or call `finish`. */
export class Detector {
  private chatter: Flavor | undefined;
  private banner: BannerClue | null = null;
  private labelTool: ToolName | undefined;
  private pendingBtHist: string | null = null;
  private sawBccHistWithoutBanner = false;
  /** the first line that reads as the tool failing (a Python traceback, a probe that would not attach) */
  private toolError: string | null = null;
  private readonly stacks = createStackBlockReader();
  private decided: Detection | null = null;

  /** The decision, once made. */
  get result(): Detection | null {
    return this.decided;
  }

  push(rawLine: string): Detection | null {
    if (this.decided) return this.decided;
    const line = stripCtrlC(rawLine);
    if (!this.toolError && TOOL_ERROR.test(line)) this.toolError = line.trim().slice(0, 200);
    const d = this.examine(line);
    if (d) this.decided = this.withChatter(d);
    return this.decided;
  }

  /** Final answer at end of input. */
  finish(): Detection {
    if (this.decided) return this.decided;
    if (this.banner) {
      // a banner with no data (nothing happened while tracing) still names the tool
      return (this.decided = this.withChatter({ tool: this.banner.tool, flavor: this.banner.flavor ?? 'unknown' }));
    }
    const reason = this.sawBccHistWithoutBanner
      ? "log2 histogram without a banner or section label: cannot tell which tool printed it (keep the 'Tracing ...' line)"
      : this.toolError
        ? `the file holds the tool's error, not its output ("${this.toolError}"): run the tool your lab host supports (\`labctl lab tools\`)`
        : 'no known tool header, banner or output shape found';
    return (this.decided = { tool: 'unknown', flavor: this.chatter ?? 'unknown', reason });
  }

  /** Chatter (probe lines, lost-event lines) names the flavor when the header could not. */
  private withChatter(d: Detection): Detection {
    if (d.tool !== 'unknown' && this.chatter === 'bpftrace' && d.tool === 'opensnoop') return { ...d, flavor: 'bpftrace' };
    if (d.flavor === 'unknown' && this.chatter && d.tool !== 'unknown') return { ...d, flavor: this.chatter };
    return d;
  }

  private examine(line: string): Detection | null {
    if (isBpftraceChatter(line)) this.chatter = 'bpftrace';
    else if (isLibbpfChatter(line)) this.chatter ??= 'libbpf';
    else if (isBccChatter(line)) this.chatter ??= 'bcc';
    const unsupported = matchUnsupported(line);
    if (unsupported) {
      return { tool: 'unknown', flavor: 'unknown', recognizedAs: unsupported, reason: `${unsupported} output: not a tool labctl grades` };
    }
    if (isNoiseLine(line)) return null;

    const banner = matchBanner(line);
    if (banner) {
      this.banner = banner;
      if (banner.tool === 'opensnoop' && banner.flavor === 'bpftrace') this.chatter = 'bpftrace';
      return banner.needsData ? null : { tool: banner.tool, flavor: banner.flavor ?? 'unknown' };
    }
    // every table header has a capitalised column name (PID, COMM, ARGS, SYSCALL...): the cheap test
    // spares the header matchers on prose and data lines, which are most of an unrecognised file
    return (HEADER_HINT.test(line) ? this.examineTable(line) : null) ?? this.examineHistogram(line) ?? this.examineStack(line);
  }

  private examineTable(line: string): Detection | null {
    const ex = matchExecsnoopHeader(line);
    if (ex) return { tool: 'execsnoop', flavor: ex.flavor };
    const op = matchOpensnoopHeader(line);
    if (op) return { tool: 'opensnoop', flavor: this.chatter === 'bpftrace' ? 'bpftrace' : op.flavor };
    const fs = matchFsslowerHeader(line);
    if (fs) {
      const flavor: Flavor =
        fs === 'syncsnoop' ? 'bpftrace' : fs === 'fileslower' ? 'bcc' : fs === 'csv' ? (line.startsWith('ENDTIME_ns') ? 'libbpf' : 'bcc') : 'unknown';
      return { tool: 'fsslower', flavor: this.banner?.tool === 'fsslower' && this.banner.flavor ? this.banner.flavor : flavor };
    }
    const tc = matchTcpconnectHeader(line);
    if (tc) return { tool: 'tcpconnect', flavor: tc.flavor };
    const tr = matchTcpretransHeader(line);
    if (tr) return { tool: 'tcpretrans', flavor: tr.flavor };
    if (matchCachestatHeader(line)) return { tool: 'cachestat', flavor: 'unknown' };
    const sc = matchSyscountHeader(line);
    if (sc) return { tool: 'syscount', flavor: sc.flavor };
    return null;
  }

  private examineHistogram(line: string): Detection | null {
    const label = matchSectionLabel(line);
    if (label) {
      this.labelTool = label.key === 'disk' || label.key === 'flags' ? 'biolatency' : 'runqlat';
      return null;
    }
    const unit = matchBccHistHeader(line);
    if (unit !== null) {
      const flavor = bccHistHeaderFlavor(line);
      const tool = this.banner && this.banner.flavor !== 'bpftrace' ? this.banner.tool : this.labelTool;
      if (tool === 'biolatency' || tool === 'runqlat') return { tool, flavor };
      this.sawBccHistWithoutBanner = true;
      return null;
    }
    if (line.startsWith('{') && parseBccJsonHist(line)) return { tool: 'biolatency', flavor: 'bcc' };
    if (line.charCodeAt(0) === 64 /* @ */) {
      const hist = matchBpftraceHistHeader(line);
      if (hist) {
        this.pendingBtHist = hist.name;
        return null;
      }
      const cnt = matchBpftraceCountLine(line);
      if (cnt) {
        if (cnt.name === 'syscall' || cnt.name === 'process' || this.banner?.tool === 'syscount') {
          return { tool: 'syscount', flavor: 'bpftrace' };
        }
        return { tool: 'bpftrace-hist', flavor: 'bpftrace' };
      }
    }
    if (this.pendingBtHist !== null) {
      const name = this.pendingBtHist;
      this.pendingBtHist = null;
      const row = parseBpftraceRow(line);
      if (row) {
        if (this.banner?.tool === 'biolatency' && TIME_UNIT_MAPS.has(name)) return { tool: 'biolatency', flavor: 'bpftrace' };
        if (this.banner?.tool === 'runqlat') return { tool: 'runqlat', flavor: 'bpftrace' };
        return { tool: 'bpftrace-hist', flavor: 'bpftrace' };
      }
    }
    return null;
  }

  private examineStack(line: string): Detection | null {
    const s = this.stacks.push(line);
    if (!s || s === 'truncated') return null;
    // a block needs the "- comm (pid)" line (or a folded line) to count: prose indented by 4 has neither
    if (s.pid === null && !line.includes(';')) return null;
    const offcpu = looksOffCpu(s.frames);
    // folded off-CPU stacks (`-f`) come only from BCC's offcputime (libbpf-tools' has no -f; profile has both)
    return { tool: offcpu ? 'offcputime' : 'profile', flavor: offcpu && s.pid === null && line.includes(';') ? 'bcc' : 'unknown' };
  }
}

/** Detects tool and flavor of a whole text (convenience over Detector). */
export function detectTool(text: string): Detection {
  const d = new Detector();
  for (const line of text.split('\n')) if (d.push(line.endsWith('\r') ? line.slice(0, -1) : line)) break;
  return d.finish();
}
