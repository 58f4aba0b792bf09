import type { Capture } from '../parsers/types.ts';
import type { CaptureDigest } from './types.ts';

const MAX_FRAMES = 16;

/** Keeps what the class report can draw from a parsed capture, and nothing the size of the capture. */
export function digestCapture(file: string, c: Capture): CaptureDigest {
  const d: CaptureDigest = { file, tool: c.tool, flavor: c.flavor };
  switch (c.tool) {
    case 'execsnoop':
      d.execTop = Object.entries(c.summary.byComm)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 12);
      break;
    case 'offcputime':
      d.stacks = c.summary.stacks.slice(0, 8).map((s) => ({ comm: s.comm, value: s.us, frames: [...s.frames].reverse().slice(-MAX_FRAMES) }));
      break;
    case 'profile':
      d.stacks = c.summary.stacks.slice(0, 8).map((s) => ({ comm: s.comm, value: s.samples, frames: [...s.frames].reverse().slice(-MAX_FRAMES) }));
      break;
    case 'biolatency':
    case 'runqlat':
    case 'bpftrace-hist':
      d.hist = { unit: c.summary.unit, buckets: c.summary.buckets.map((b) => ({ low: b.low, high: b.high, count: b.count })) };
      break;
    case 'fsslower':
      d.fsTypes = { ...(c.summary.byType as Record<string, number>) };
      break;
    default:
      break;
  }
  return d;
}

/** answers.yaml values as one line of text each (lists joined), so identical answers can be grouped. */
export function answersAsText(data: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) out[k] = v.map((x) => String(x)).join(', ');
    else if (typeof v === 'object') out[k] = JSON.stringify(v);
    else out[k] = String(v);
  }
  return out;
}
