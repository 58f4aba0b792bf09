import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shq } from '../../labs/shell.ts';
import { runTool } from '../../labs/tool-run.ts';
import { fatalLine, READY_SEC, withoutInterruptTracebacks } from '../../labs/tools.ts';
import type { Transport } from '../../labs/transport.ts';
import { extractBriefCommands, fillPlaceholders, runsOn, type BriefCommand, type HostAbilities } from '../../scenarios/brief-commands.ts';

/**
 * Runs a learner brief's commands verbatim on a lab host while the fault runs, in one working directory
 * (later commands read files earlier ones wrote, as in the brief), and keeps what each one wrote.
 * Commands marked stop=ctrl-c are run as the brief says: wait for the first output, ~10 s more, Ctrl-C.
 */

const ROOT = new URL('../..', import.meta.url).pathname;

export function briefCommands(scenario: string): BriefCommand[] {
  const file = join(ROOT, 'scenarios', scenario, 'README.md');
  return extractBriefCommands(readFileSync(file, 'utf8'), `scenarios/${scenario}/README.md`);
}

export interface BriefRun {
  cmd: BriefCommand;
  /** the command as run (placeholders filled) */
  ran: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** files the command wrote in the working directory: name -> content */
  files: Record<string, string>;
  /** why it failed, null when it ran and printed something */
  problem: string | null;
  seconds: number;
}

const FILES_END = '__LABCTL_BRIEF_FILES__';
const NOISE = /RLIMIT_MEMLOCK|^Attaching \d+ probes?\.\.\.$|^\s*$/;

function listFiles(dir: string, stamp: string): string {
  // every regular file written since the stamp, each announced by name then its content
  return `cd ${shq(dir)} && find . -maxdepth 1 -type f -newer ${shq(stamp)} ! -name '.labctl-*' | sort | while read -r f; do echo "${FILES_END} $f"; head -c 200000 "$f"; echo; done`;
}

function parseFiles(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = text.split(new RegExp(`^${FILES_END} \\./`, 'm')).slice(1);
  for (const p of parts) {
    const nl = p.indexOf('\n');
    out[p.slice(0, nl)] = p.slice(nl + 1).replace(/\n$/, '');
  }
  return out;
}

/** Why a run counts as failed: an error line, a bad exit, or nothing printed (stdout or files). */
export function briefProblem(r: Omit<BriefRun, 'problem'>): string | null {
  const stderr = r.cmd.untilCtrlC ? withoutInterruptTracebacks(r.stderr) : r.stderr;
  const all = [stderr, r.stdout, ...Object.values(r.files)].join('\n');
  const fatal = fatalLine(all);
  if (fatal) return `error: ${fatal}`;
  if (!r.cmd.untilCtrlC && r.exitCode !== 0) return `exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ')}`;
  const printed = [r.stdout, ...Object.values(r.files)].join('\n').split('\n').some((l) => !NOISE.test(l));
  if (!printed) return `printed nothing${r.stderr.trim() ? ` (stderr: ${r.stderr.trim().slice(0, 200)})` : ''}`;
  return null;
}

export async function runBriefCommand(t: Transport, dir: string, cmd: BriefCommand, ran: string): Promise<BriefRun> {
  const started = Date.now();
  const stamp = `${dir}/.labctl-stamp`;
  await t.run(`mkdir -p ${shq(dir)} && touch ${shq(stamp)} && sleep 1`);
  let exitCode: number | null;
  let stdout: string;
  let stderr: string;
  if (cmd.untilCtrlC) {
    const r = await runTool((c, o) => t.run(c, o), ran, { readySec: READY_SEC.bcc, holdSec: 10, shellIn: dir });
    ({ exitCode, stdout, stderr } = r);
  } else {
    // generous: BCC compiles before its `10` seconds start
    const r = await t.run(`cd ${shq(dir)} && timeout -k 30 900 sh -c ${shq(ran)} </dev/null`, { timeoutMs: 1_000_000 });
    ({ exitCode, stdout, stderr } = r);
  }
  const files = parseFiles((await t.run(listFiles(dir, stamp))).stdout);
  const base = { cmd, ran, exitCode, stdout, stderr, files, seconds: (Date.now() - started) / 1000 };
  return { ...base, problem: briefProblem(base) };
}

/**
 * Runs every command of a scenario's brief written for this kind of host, in order and one at a time, as a
 * learner types them (a BCC compile beside a system-wide capture takes the fault's CPU and adds execs of its
 * own), in one folder: later commands read what earlier ones wrote.
 */
export async function runBrief(
  t: Transport,
  scenario: string,
  host: HostAbilities,
  dir: string,
  values: { pid?: number; ppid?: number },
  onRun?: (r: BriefRun) => void,
): Promise<BriefRun[]> {
  const out: BriefRun[] = [];
  for (const cmd of briefCommands(scenario).filter((c) => runsOn(c, host))) {
    const r = await runBriefCommand(t, dir, cmd, fillPlaceholders(cmd.command, values));
    onRun?.(r);
    out.push(r);
  }
  return out;
}
