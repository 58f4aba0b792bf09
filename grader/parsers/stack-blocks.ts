/**
 * Reads stack samples out of offcputime/profile output, one line at a time:
 * - multi-line blocks: frames indented 4 spaces (leaf first; `--` between kernel and user with `-d`),
 *   then `    -                comm (pid)` (v0.1.8: no pid; the oldest example text: just `    comm`),
 *   then `        <value>` and a blank line. `[Missed User Stack]` lines are kept as frames.
 * - folded (`-f`): `comm;root;...;leaf <value>`, value split off the LAST space (C++ frames hold spaces),
 *   `-` separating user and kernel frames with `-d`.
 * Lines that are neither (stderr chatter interleaved by `2>&1`, prose) are skipped without ending a block.
 */
import type { Stack } from './types.ts';

const MAX_FRAMES = 512;
const COMM_LINE = /^-\s+(.*?)(?:\s+\((\d+)\))?$/;
const VALUE_LINE = /^\s{5,}(\d+)\s*$/;

export interface StackBlockReader {
  /**
   * A complete stack when `line` finished one; 'truncated' when `line` ended a block that had its
   * `- comm (pid)` line but no value (a cut capture); else null.
   */
  push(line: string): Stack | 'truncated' | null;
  readonly foldedCount: number;
  readonly blockCount: number;
}

/** A folded stack line, or null. */
export function parseFoldedLine(line: string): Stack | null {
  const c = line.charCodeAt(0);
  if (c === 32 || c === 9 || !line.includes(';')) return null;
  const trimmed = line.trimEnd();
  const sp = trimmed.lastIndexOf(' ');
  if (sp <= 0) return null;
  const valueText = trimmed.slice(sp + 1);
  if (!/^\d+$/.test(valueText)) return null;
  const parts = trimmed.slice(0, sp).split(';');
  if (parts.length < 2 || parts[0] === '') return null;
  const frames = parts.slice(1).filter((p) => p !== '-' && p !== '--');
  frames.reverse();
  return { comm: parts[0], pid: null, value: Number(valueText), frames: frames.slice(0, MAX_FRAMES) };
}

/** Creates a reader holding at most one pending block. */
export function createStackBlockReader(): StackBlockReader {
  let pending: string[] = [];
  let foldedCount = 0;
  let blockCount = 0;

  function flushAsIncomplete(): 'truncated' | null {
    const last = pending[pending.length - 1];
    pending = [];
    return last !== undefined && /^-\s+.*\(\d+\)$/.test(last) ? 'truncated' : null;
  }

  return {
    get foldedCount() {
      return foldedCount;
    },
    get blockCount() {
      return blockCount;
    },
    push(line) {
      if (line.length === 0 || line.trim().length === 0) return flushAsIncomplete();
      const c = line.charCodeAt(0);
      if (c !== 32 && c !== 9) {
        const folded = parseFoldedLine(line);
        if (folded) {
          flushAsIncomplete();
          foldedCount++;
          return folded;
        }
        return null;
      }
      const v = VALUE_LINE.exec(line);
      if (v) {
        if (pending.length === 0) return null;
        const stack = blockToStack(pending, Number(v[1]));
        pending = [];
        if (stack) blockCount++;
        return stack;
      }
      let frame = line.trim();
      if (frame === '--') return null;
      // libbpf -v: "#3 0xffffffff8123 schedule+0x3a" -> "schedule+0x3a"
      if (frame.charCodeAt(0) === 35) frame = frame.replace(/^#\d+\s+0x[0-9a-f]+\s+/, '');
      if (pending.length < MAX_FRAMES) pending.push(frame);
      return null;
    },
  };
}

function blockToStack(lines: string[], value: number): Stack | null {
  const last = lines[lines.length - 1];
  const m = COMM_LINE.exec(last);
  if (m && m[1] !== '') {
    return { comm: m[1], pid: m[2] === undefined ? null : Number(m[2]), value, frames: lines.slice(0, -1) };
  }
  // oldest layout: the comm is the last indented line, with no "-" and no pid
  return { comm: last, pid: null, value, frames: lines.slice(0, -1) };
}

/** Keeps the `n` stacks with the highest value (stable for ties: the earlier stack stays). */
export class TopStacks {
  private readonly items: Stack[] = [];
  constructor(private readonly n = 20) {}

  offer(s: Stack): void {
    const items = this.items;
    if (items.length >= this.n && s.value <= items[items.length - 1].value) return;
    let i = items.length;
    while (i > 0 && items[i - 1].value < s.value) i--;
    items.splice(i, 0, s);
    if (items.length > this.n) items.pop();
  }

  list(): Stack[] {
    return this.items;
  }
}
