/**
 * The lesson tools and every way a host may provide them, in preference order. Pure data: probe.ts
 * tries them on a host, capture.ts adds per-flavor options to the one that works.
 */

export type ToolFlavor = 'bcc' | 'libbpf' | 'bpftrace';

export const LESSON_TOOLS = [
  'execsnoop', 'opensnoop', 'biolatency', 'tcpconnect', 'profile', 'runqlat', 'offcputime',
  'fsslower', 'cachestat', 'tcpretrans', 'syscount', 'fsync-hist',
] as const;
export type LessonTool = (typeof LESSON_TOOLS)[number];

export interface ToolCandidate {
  tool: LessonTool;
  flavor: ToolFlavor;
  /** shell command without capture options; runs as root */
  command: string;
  /** a file that must exist (absolute) or a command name on PATH, checked before trying */
  needs: string;
  /**
   * longest wait, in seconds, for the tool to be ready (first output line or attached probes). A cap,
   * not an expectation: a working tool returns as soon as it is ready, a silent idle one after a minute.
   * BCC compiles C against the kernel headers at start-up: ~10 s on a laptop, 40-80 s on an emulated
   * VM, several minutes on a loaded one.
   */
  readySec: number;
}

/**
 * Readiness caps per flavor (see ToolCandidate.readySec). Only a tool that keeps using CPU without
 * printing can use them up (tool-run.ts gives up after a minute of silence *and* idleness), so they can
 * be long: four BCC tools compiling side by side on a loaded 2-CPU VM took 7+ minutes each.
 */
export const READY_SEC: Record<ToolFlavor, number> = { bcc: 1800, libbpf: 600, bpftrace: 600 };

// Tracepoint-only bpftrace programs: no kprobes, no kernel headers, so they run on the most hosts.
export const ONE_LINERS = {
  biolatency:
    'tracepoint:block:block_rq_issue { @start[args->dev, args->sector] = nsecs; } ' +
    'tracepoint:block:block_rq_complete /@start[args->dev, args->sector]/ { @usecs = hist((nsecs - @start[args->dev, args->sector]) / 1000); delete(@start[args->dev, args->sector]); } ' +
    'END { clear(@start); }',
  runqlat:
    'tracepoint:sched:sched_wakeup,tracepoint:sched:sched_wakeup_new { @qtime[args->pid] = nsecs; } ' +
    'tracepoint:sched:sched_switch { if (args->prev_state == 0) { @qtime[args->prev_pid] = nsecs; } ' +
    '$ns = @qtime[args->next_pid]; if ($ns > 0) { @usecs = hist((nsecs - $ns) / 1000); } delete(@qtime[args->next_pid]); } ' +
    'END { clear(@qtime); }',
  'fsync-hist':
    'tracepoint:syscalls:sys_enter_fsync,tracepoint:syscalls:sys_enter_fdatasync { @start[tid] = nsecs; } ' +
    'tracepoint:syscalls:sys_exit_fsync,tracepoint:syscalls:sys_exit_fdatasync /@start[tid]/ { @fsync_usecs[comm] = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]); } ' +
    'END { clear(@start); }',
} as const;

const oneLiner = (tool: LessonTool, program: string): ToolCandidate => ({
  tool,
  flavor: 'bpftrace',
  command: `bpftrace -e '${program}'`,
  needs: 'bpftrace',
  readySec: READY_SEC.bpftrace,
});

/** The concrete tool name for fsslower on a file system: ext4slower, xfsslower, btrfsslower, nfsslower. */
export function fsslowerName(fsType: string): string | null {
  const fs = fsType.toLowerCase();
  if (fs === 'ext4' || fs.startsWith('ext2') || fs === 'ext3') return 'ext4slower';
  if (fs === 'xfs' || fs === 'btrfs' || fs === 'nfs' || fs === 'zfs') return `${fs}slower`;
  return null;
}

/** Candidates for one lesson tool, in preference order (bcc, libbpf, bpftrace tool, bpftrace one-liner). */
export function candidatesFor(tool: LessonTool, fsType = 'ext4'): ToolCandidate[] {
  if (tool === 'fsync-hist') return [oneLiner(tool, ONE_LINERS['fsync-hist'])];
  const name = tool === 'fsslower' ? fsslowerName(fsType) : tool;
  if (!name) return [];
  const bin = (flavor: ToolFlavor, command: string): ToolCandidate => ({ tool, flavor, command, needs: command.split(' ')[0], readySec: READY_SEC[flavor] });
  const out: ToolCandidate[] = [
    bin('bcc', `/usr/sbin/${name}-bpfcc`),
    bin('bcc', `/usr/share/bcc/tools/${name}`),
    bin('libbpf', `/usr/sbin/${name}`),
    bin('libbpf', `/usr/sbin/bpf-${name}`),
  ];
  // libbpf builds without a per-fs binary still have the generic one
  if (tool === 'fsslower' && fsType) out.push(bin('libbpf', `/usr/sbin/fsslower -t ${fsType === 'ext2/ext3' ? 'ext4' : fsType}`));
  for (const dir of ['/usr/sbin', '/usr/share/bpftrace/tools']) {
    out.push({ tool, flavor: 'bpftrace', command: `bpftrace ${dir}/${name}.bt`, needs: `${dir}/${name}.bt`, readySec: READY_SEC.bpftrace });
  }
  if (tool === 'biolatency' || tool === 'runqlat') out.push(oneLiner(tool, ONE_LINERS[tool]));
  return out;
}

/**
 * Output that means the tool cannot trace on this host even if it keeps running. bpftrace's
 * "couldn't set RLIMIT_MEMLOCK" line starts with ERROR but is harmless, so such lines are dropped first.
 */
const FATAL =
  /Unable to find kernel headers|failed to attach|cannot attach|failed to (load|open|create)|is not traceable|Traceback|Exception:|^ERROR|^Error|error:|Could not resolve|Permission denied|Operation not permitted|No such file|command not found|not found$/im;

export function fatalLine(output: string): string | null {
  // Data rows of the snoop tools start with a PID or a timestamp and can hold any path or argument
  // (opensnoop shows other programs opening traceback.py): only non-data lines can be errors.
  const lines = output.split('\n').filter((l) => !/RLIMIT_MEMLOCK|failed to get syms/.test(l) && !/^\s*\d/.test(l));
  for (const l of lines) if (FATAL.test(l)) return l.trim();
  return null;
}

/**
 * A Python traceback that ends in KeyboardInterrupt or BrokenPipeError is what Ctrl-C itself leaves: the
 * interrupt landing outside BCC's `except KeyboardInterrupt` (right after the header, or while it detaches its
 * probes, seconds under emulation), or `| tee` gone before the tool's last write. It says nothing about the
 * tool working, so a run we stopped with Ctrl-C is not failed for it (the probe, the brief runner).
 */
export function withoutInterruptTracebacks(stderr: string): string {
  return stderr
    .replace(/^Traceback \(most recent call last\):\n(?:[ \t].*\n|During handling.*\n|\n|Traceback.*\n)*?(?:KeyboardInterrupt|BrokenPipeError)\b.*(?:\n|$)/gm, '')
    .replace(/^Exception ignored in:.*\n(?:[ \t].*\n)*(?:KeyboardInterrupt|BrokenPipeError)\b.*(?:\n|$)/gm, '')
    .replace(/^During handling of the above exception, another exception occurred:\n\n?/gm, '');
}
