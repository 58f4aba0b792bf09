import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioId } from '../scenarios/variants.ts';
import type { LabHost } from './host.ts';
import { workingCommand, type ProbeResult } from './probe.ts';
import { runTool } from './tool-run.ts';
import { READY_SEC, type LessonTool, type ToolFlavor } from './tools.ts';

/**
 * The solve path's captures: which tools reveal each fault (DESIGN.md table), with the options each
 * flavor needs, run side by side for a few seconds on the lab host. Each run is saved as one file,
 * stderr (banners, warnings) first and then stdout, exactly as a learner would save it.
 */

export interface CaptureSpec {
  tool: LessonTool;
  /** file name in the capture folder */
  file: string;
  /** extra arguments per flavor; a flavor missing here is not used for this capture */
  args: Partial<Record<ToolFlavor, string>>;
  /**
   * add `-p PID` (bcc and libbpf) when the fault's pid is known: what a learner does once `top`/`pgrep`
   * names the slow service, and what keeps the rest of a busy host out of the numbers
   */
  perPid?: boolean;
}

const ALL = (args: string): Partial<Record<ToolFlavor, string>> => ({ bcc: args, libbpf: args, bpftrace: '' });

/** Per scenario, in order of importance; captures whose tool works nowhere on the host are skipped. */
export const CAPTURE_PLAN: Record<ScenarioId, CaptureSpec[]> = {
  'ghost-load': [
    { tool: 'execsnoop', file: 'execsnoop.txt', args: ALL('-t') },
    { tool: 'tcpconnect', file: 'tcpconnect.txt', args: ALL('') },
  ],
  'offcpu-lock': [
    // bcc's offcputime folds only with -f; the default multi-line stacks are what learners read
    { tool: 'offcputime', file: 'offcputime.txt', args: ALL(''), perPid: true },
    { tool: 'runqlat', file: 'runqlat.txt', args: ALL(''), perPid: true },
  ],
  'fsync-latency': [
    // threshold 0/1 ms: fsync on a fast VM disk is well under the 10 ms default
    { tool: 'fsslower', file: 'fsslower.txt', args: { bcc: '1', libbpf: '-m 1', bpftrace: '' } },
    { tool: 'syscount', file: 'syscount.txt', args: { bcc: '-L', libbpf: '-L' }, perPid: true },
    { tool: 'biolatency', file: 'biolatency.txt', args: ALL('') },
    { tool: 'fsync-hist', file: 'fsync-hist.txt', args: { bpftrace: '' } },
    { tool: 'opensnoop', file: 'opensnoop.txt', args: ALL('') },
  ],
};

export interface CaptureRun {
  tool: LessonTool;
  file: string;
  command: string;
  flavor: ToolFlavor;
  exitCode: number | null;
  /** the saved text: stderr then stdout */
  text: string;
}

export interface CaptureResult {
  dir: string;
  /** false once the folder was removed (lab check without --dir); the texts are still in `runs` */
  kept?: boolean;
  runs: CaptureRun[];
  /** captures of the plan that no working tool on this host could take, with why */
  skipped: { tool: LessonTool; file: string; reason: string }[];
}

/** The commands a plan runs on a host, given the probe. Pure. */
export function planCaptures(
  scenario: ScenarioId,
  probe: ProbeResult,
  targetPid?: number,
): { spec: CaptureSpec; command: string; flavor: ToolFlavor }[] {
  const out: { spec: CaptureSpec; command: string; flavor: ToolFlavor }[] = [];
  for (const spec of CAPTURE_PLAN[scenario]) {
    const w = workingCommand(probe, spec.tool);
    if (!w) continue;
    let args = spec.args[w.flavor];
    if (args === undefined) continue;
    if (spec.perPid && targetPid && w.flavor !== 'bpftrace') args = `${args} -p ${targetPid}`.trim();
    // bpftrace one-liners take no options; .bt scripts neither
    out.push({ spec, command: args && w.flavor !== 'bpftrace' ? `${w.command} ${args}` : w.command, flavor: w.flavor });
  }
  return out;
}

export interface CaptureOptions {
  durationSec?: number;
  /** local folder for the files; default a new temp folder */
  dir?: string;
  /** the fault's main pid, for captures that filter by process */
  targetPid?: number;
}

export async function captureScenario(host: LabHost, scenario: ScenarioId, probe: ProbeResult, opts: CaptureOptions = {}): Promise<CaptureResult> {
  const duration = opts.durationSec ?? 5;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), `labctl-${scenario}-`)));
  await mkdir(dir, { recursive: true });
  const planned = planCaptures(scenario, probe, opts.targetPid);
  const skipped = CAPTURE_PLAN[scenario]
    .filter((s) => !planned.some((p) => p.spec === s))
    .map((s) => ({ tool: s.tool, file: s.file, reason: workingCommand(probe, s.tool) ? 'this flavor has no such mode' : 'no working command on this host (labctl lab probe)' }));
  const runs = await Promise.all(
    planned.map(async ({ spec, command, flavor }): Promise<CaptureRun> => {
      // Traces `duration` seconds from when the tool is ready (BCC compiles first, for a minute on a slow
      // VM), then SIGINT, which is how a learner stops these tools: every flavor prints its summary on it.
      const res = await runTool((cmd, o) => host.transport.run(cmd, o), command, { readySec: READY_SEC[flavor], holdSec: duration });
      const text = [res.stderr, res.stdout].filter((s) => s.length).join(res.stderr.endsWith('\n') ? '' : '\n');
      await writeFile(join(dir, spec.file), text);
      return { tool: spec.tool, file: spec.file, command, flavor, exitCode: res.exitCode, text };
    }),
  );
  return { dir, runs, skipped };
}
