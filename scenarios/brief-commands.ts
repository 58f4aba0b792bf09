/**
 * The commands a learner brief (scenarios/<id>/README.md) tells learners to type, as data, so CI can run
 * each one verbatim on a lab host while the fault runs. Two ways to mark a command in the Markdown:
 *
 *   | Ubuntu / Debian, BCC | `sudo execsnoop-bpfcc -t \| tee execsnoop.txt` <!-- labctl:cmd os=debian needs=bcc stop=ctrl-c --> |
 *
 *   ```bash labctl:cmd os=any
 *   uptime
 *   vmstat 1 5        # comments stay: the learner types them too
 *   ```
 *
 * A comment marker applies to the last inline code span before it on the same line; a fenced block's info
 * string marks every command in the block (a command continues over lines while a quote is open or the
 * line ends with a backslash). Marker words:
 * - `os=debian|rhel|any`: which hosts the command is written for (`any`: coreutils, procps, sysstat)
 * - `needs=bcc,kprobes,headers`: what the kernel must offer (bcc implies headers and kprobes)
 * - `stop=ctrl-c`: runs until interrupted; the learner waits for its first output, lets it run ~10 s and
 *   presses Ctrl-C (a runner does the same)
 * Placeholders the learner fills in: `PID` (the fault's process) and `<PPID>` (the culprit's parent).
 */

/** `debian`: the Debian family (Ubuntu and Debian); `ubuntu`: Ubuntu only (where Debian's packages differ). */
export type BriefOs = 'debian' | 'ubuntu' | 'rhel' | 'any';
export type BriefNeed = 'bcc' | 'kprobes' | 'headers';

export interface BriefCommand {
  /** the command exactly as written (table cells unescaped: `\|` is `|`) */
  command: string;
  os: BriefOs;
  needs: BriefNeed[];
  /** runs until Ctrl-C */
  untilCtrlC: boolean;
  /** 1-based line of the command in the README */
  line: number;
}

export class BriefMarkerError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'BriefMarkerError';
  }
}

const OS = new Set<BriefOs>(['debian', 'ubuntu', 'rhel', 'any']);
const NEEDS = new Set<BriefNeed>(['bcc', 'kprobes', 'headers']);

function parseMarker(words: string, file: string, line: number): Omit<BriefCommand, 'command' | 'line'> {
  let os: BriefOs | undefined;
  let needs: BriefNeed[] = [];
  let untilCtrlC = false;
  for (const w of words.trim().split(/\s+/).filter(Boolean)) {
    const [k, v = ''] = w.split('=');
    if (k === 'os' && OS.has(v as BriefOs)) os = v as BriefOs;
    else if (k === 'needs') {
      needs = v.split(',').filter(Boolean) as BriefNeed[];
      const bad = needs.find((n) => !NEEDS.has(n));
      if (bad) throw new BriefMarkerError(file, line, `labctl:cmd: unknown need "${bad}" (expected ${[...NEEDS].join(', ')})`);
    } else if (k === 'stop' && v === 'ctrl-c') untilCtrlC = true;
    else throw new BriefMarkerError(file, line, `labctl:cmd: unknown word "${w}" (expected os=debian|rhel|any, needs=bcc,kprobes,headers, stop=ctrl-c)`);
  }
  if (!os) throw new BriefMarkerError(file, line, 'labctl:cmd: missing os=debian|rhel|any');
  return { os, needs, untilCtrlC };
}

/** Splits a fenced block into commands: a command goes on while a quote is open or a line ends in `\`. */
function blockCommands(lines: string[], firstLine: number): { command: string; line: number }[] {
  const out: { command: string; line: number }[] = [];
  let buf: string[] = [];
  let start = 0;
  for (const [i, l] of lines.entries()) {
    if (!buf.length && !l.trim()) continue;
    if (!buf.length) start = firstLine + i;
    buf.push(l.trim());
    const text = buf.join('\n');
    const openQuote = (text.replace(/\\./g, '').match(/'/g)?.length ?? 0) % 2 === 1;
    if (openQuote || l.trimEnd().endsWith('\\')) continue;
    out.push({ command: text, line: start });
    buf = [];
  }
  if (buf.length) out.push({ command: buf.join('\n'), line: start });
  return out;
}

/** All marked commands of one README, in order. Throws BriefMarkerError naming the line of a bad marker. */
export function extractBriefCommands(markdown: string, file = 'README.md'): BriefCommand[] {
  const lines = markdown.split('\n');
  const out: BriefCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const fence = /^(\s*)```\S*\s+labctl:cmd\b(.*)$/.exec(l);
    if (fence) {
      const marker = parseMarker(fence[2], file, i + 1);
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++]);
      if (j >= lines.length) throw new BriefMarkerError(file, i + 1, 'labctl:cmd block is never closed');
      for (const c of blockCommands(body, i + 2)) out.push({ ...marker, ...c });
      i = j;
      continue;
    }
    for (const m of l.matchAll(/<!--\s*labctl:cmd\b(.*?)-->/g)) {
      const before = l.slice(0, m.index);
      const spans = [...before.matchAll(/`((?:[^`\\]|\\.)+)`/g)];
      const span = spans.at(-1);
      if (!span) throw new BriefMarkerError(file, i + 1, 'labctl:cmd marker without a `command` before it on the line');
      out.push({ ...parseMarker(m[1], file, i + 1), command: span[1].replace(/\\\|/g, '|'), line: i + 1 });
    }
  }
  return out;
}

export interface HostAbilities {
  os: 'debian' | 'ubuntu' | 'rhel';
  headers: boolean;
  kprobes: boolean;
}

/** Whether a host of this kind is one the command is written for. */
export function runsOn(c: BriefCommand, h: HostAbilities): boolean {
  const family = h.os === 'ubuntu' ? ['debian', 'ubuntu'] : [h.os];
  if (c.os !== 'any' && !family.includes(c.os)) return false;
  const needs = new Set(c.needs);
  if (needs.has('bcc')) needs.add('headers').add('kprobes');
  return (!needs.has('headers') || h.headers) && (!needs.has('kprobes') || h.kprobes);
}

/** The command with its placeholders filled in. A command that needs a value it was not given throws. */
export function fillPlaceholders(command: string, values: { pid?: number; ppid?: number }): string {
  let out = command;
  if (/<PPID>/.test(out)) {
    if (!values.ppid) throw new Error(`command needs the culprit's parent pid: ${command}`);
    out = out.replace(/<PPID>/g, String(values.ppid));
  }
  if (/\bPID\b/.test(out.replace(/'[^']*'/g, ''))) {
    if (!values.pid) throw new Error(`command needs the fault's pid: ${command}`);
    out = out.replace(/(-p )PID\b/g, `$1${values.pid}`);
  }
  return out;
}
