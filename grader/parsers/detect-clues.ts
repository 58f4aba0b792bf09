/**
 * The content clues detect.ts works from: banners (printed before the data by most tools) and the
 * programs outside ToolName that must be recognised as such rather than mistaken for a supported tool.
 */
import type { Flavor, ToolName } from './types.ts';

export interface BannerClue {
  tool: ToolName;
  /** undefined: the banner alone does not name the flavor */
  flavor?: Flavor;
  /** the banner is shared (biolatency py/libbpf/bpftrace, bitesize.bt): wait for the data shape */
  needsData?: boolean;
}

/** Banner line -> clue, or null. Order matters: the first matching pattern wins. */
export function matchBanner(line: string): BannerClue | null {
  const t = line.trimStart();
  if (!(t.startsWith('Tracing') || t.startsWith('Sampling') || t.startsWith('Counting'))) return null;
  if (/^Tracing run queue latency/.test(t)) return { tool: 'runqlat' };
  if (/^Tracing CPU scheduler/.test(t)) return { tool: 'runqlat', flavor: 'bpftrace' };
  if (/^Tracing block device I\/O/.test(t)) return { tool: 'biolatency', needsData: true };
  if (/^Tracing off-CPU time \(/.test(t)) return { tool: 'offcputime' };
  if (/^Sampling at \d+ Hertz of /.test(t)) {
    // libbpf: "... by user + kernel... Hit Ctrl-C to end." (no "stack")
    return { tool: 'profile', flavor: /\bstack\b/.test(t) ? 'bcc' : 'libbpf' };
  }
  if (/^Tracing \w+ operations/.test(t)) return { tool: 'fsslower', flavor: t.includes('Hit Ctrl-C') ? 'libbpf' : 'bcc' };
  if (/^Tracing sync read\/writes slower/.test(t)) return { tool: 'fsslower', flavor: 'bcc' };
  if (/^Tracing sync syscalls/.test(t)) return { tool: 'fsslower', flavor: 'bpftrace' };
  if (/^Tracing (failed )?syscalls?[ ,]/.test(t)) return { tool: 'syscount' };
  if (/^Counting syscalls/.test(t)) return { tool: 'syscount', flavor: 'bpftrace' };
  if (/^Tracing connect /.test(t)) return { tool: 'tcpconnect', flavor: 'bcc' };
  if (/^Tracing tcp connections/.test(t)) return { tool: 'tcpconnect', flavor: 'bpftrace' };
  if (/^Tracing retransmits /.test(t)) return { tool: 'tcpretrans', flavor: 'bcc' };
  if (/^Tracing tcp retransmits/.test(t)) return { tool: 'tcpretrans', flavor: 'bpftrace' };
  if (/^Tracing open syscalls/.test(t)) return { tool: 'opensnoop', flavor: 'bpftrace' };
  return null;
}

/** Programs we recognise but do not parse (not in ToolName): banner or header -> program name. */
export function matchUnsupported(line: string): string | null {
  const t = line.trim();
  if (/^Tracing (on|off)-CPU time\.\.\./.test(t)) return 'cpudist';
  if (/^Tracing blocked time/.test(t)) return 'wakeuptime';
  if (/^Tracing oom_kill_process/.test(t)) return 'oomkill';
  if (/^Attaching to (pid \d+|kernel allocators)/.test(t)) return 'memleak';
  if (/^Tracing (VFS calls|key VFS calls)/.test(t)) return null; // vfsstat.bt prints count maps: bpftrace-hist
  const cols = t.split(/\s+/).join(' ');
  if (/^PID COMM D MAJ MIN DISK I\/O Kbytes AVGms$/.test(cols)) return 'biotop';
  if (/^(TID|PID) COMM READS WRITES R_Kb W_Kb T FILE$/.test(cols)) return 'filetop';
  if (/^FUNC COUNT$/.test(cols)) return 'funccount';
  if (/^(TIME(\(s\))? )?PID COMM (IP )?RADDR RPORT LADDR LPORT$/.test(cols)) return 'tcpaccept';
  if (/^PID COMM (IP )?LADDR LPORT RADDR RPORT TX_KB RX_KB MS$/.test(cols)) return 'tcplife';
  return null;
}

/** bpftrace hist map names that hold a latency (so `Tracing block device I/O` + `@usecs:` is biolatency.bt). */
export const TIME_UNIT_MAPS = new Set(['usecs', 'msecs', 'nsecs', 'us', 'ms', 'ns']);
