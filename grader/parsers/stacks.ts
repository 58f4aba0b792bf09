/**
 * offcputime (value = microseconds off-CPU) and profile (value = samples): the same stack output,
 * read by stack-blocks.ts, summarised per tool.
 */
import type { OffcputimeSummary, ProfileSummary, Stack } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { createStackBlockReader, TopStacks } from './stack-blocks.ts';
import { BoundedCounts } from './text.ts';

const FUTEX_FRAMES = ['futex', '__lll_lock_wait', 'pthread_mutex_lock'];

/** True when a stack waited in a futex / pthread mutex (kernel or user side). */
export function isFutexStack(frames: string[]): boolean {
  return frames.some((f) => FUTEX_FRAMES.some((k) => f.includes(k)));
}

/** Frames that only appear in off-CPU (scheduler switch) stacks: tells offcputime from profile output. */
export function looksOffCpu(frames: string[]): boolean {
  return frames.some((f) => /(^|_)schedule(\+|$)|finish_task_switch|sched_switch/.test(f));
}

function stackReaderWithWarnings(w: WarningList, onStack: (s: Stack, folded: boolean) => void) {
  const reader = createStackBlockReader();
  return {
    reader,
    push(line: string, lineNo: number) {
      const foldedBefore = reader.foldedCount;
      const s = reader.push(line);
      if (s === 'truncated') w.add(lineNo, 'stack block ended without its value line (truncated?)');
      else if (s) onStack(s, reader.foldedCount > foldedBefore);
    },
  };
}

/** Line consumer for offcputime output (multi-line and folded). */
export function createOffcputimeParser(topN = 20): LineParser<OffcputimeSummary> {
  const w = new WarningList();
  const byComm = new BoundedCounts();
  const futexByComm = new BoundedCounts();
  const top = new TopStacks(topN);
  let totalUs = 0;
  let futexUs = 0;
  let flavor: 'bcc' | undefined;
  const r = stackReaderWithWarnings(w, (s, folded) => {
    // only py offcputime before v0.2.0 printed a comm line without "(pid)" (folded lines never have one)
    if (s.pid === null && !folded) flavor = 'bcc';
    totalUs += s.value;
    byComm.add(s.comm, s.value);
    if (isFutexStack(s.frames)) {
      futexUs += s.value;
      futexByComm.add(s.comm, s.value);
    }
    top.offer(s);
  });
  return {
    get warnings() {
      return w.list;
    },
    push: r.push,
    flavorHint: () => flavor,
    finish() {
      w.close();
      return {
        totalUs,
        byComm: byComm.toObject(),
        stacks: top.list().map((s) => ({ comm: s.comm, pid: s.pid, us: s.value, frames: s.frames })),
        futexUs,
        futexByComm: futexByComm.toObject(),
        folded: r.reader.foldedCount > r.reader.blockCount,
      };
    },
  };
}

/** Line consumer for profile output (multi-line and folded). */
export function createProfileParser(topN = 20): LineParser<ProfileSummary> {
  const w = new WarningList();
  const byComm = new BoundedCounts();
  const top = new TopStacks(topN);
  let totalSamples = 0;
  const r = stackReaderWithWarnings(w, (s) => {
    totalSamples += s.value;
    byComm.add(s.comm, s.value);
    top.offer(s);
  });
  return {
    get warnings() {
      return w.list;
    },
    push: r.push,
    finish() {
      w.close();
      return {
        totalSamples,
        byComm: byComm.toObject(),
        stacks: top.list().map((s) => ({ comm: s.comm, pid: s.pid, samples: s.value, frames: s.frames })),
        folded: r.reader.foldedCount > r.reader.blockCount,
      };
    },
  };
}
