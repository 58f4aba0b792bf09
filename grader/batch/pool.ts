import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { gradeOne } from './grade-one.ts';
import type { BatchTask, SubmissionResult } from './types.ts';

export interface PoolOptions {
  /** worker threads; 0 grades in this thread (baseline for the benchmark, debugging). Default: cores */
  jobs?: number;
  onResult?: (r: SubmissionResult, done: number, total: number) => void;
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./worker.ts', import.meta.url).href;

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

function crashed(task: BatchTask, why: string): SubmissionResult {
  const learner = task.entry.replace(/\.(tar\.gz|tgz)$/, '');
  const scenario = task.scenario ?? 'unknown';
  return {
    id: task.id,
    entry: task.entry,
    learner,
    learnerFrom: 'entry-name',
    scenario,
    report: { scenario, learner, score: 0, maxScore: 0, passed: false, gradable: false, checks: [], captures: [], notes: [`${task.entry}: the grader crashed on it: ${why}`] },
    provenance: { status: 'not-checked', message: 'grading crashed' },
    createdAt: new Date(0).toISOString(),
    answers: {},
    digests: [],
    ms: 0,
  };
}

/**
 * Grades every task on a pool of worker threads, each taking the next task when it is done. A worker
 * that dies takes only its current task down (that task gets an ungradable result) and is replaced.
 * Results come back in task order whatever order they finish in.
 */
export async function gradeAll(tasks: BatchTask[], options: PoolOptions = {}): Promise<SubmissionResult[]> {
  const jobs = Math.min(options.jobs ?? defaultJobs(), tasks.length);
  const results = new Array<SubmissionResult>(tasks.length);
  let done = 0;
  const finish = (i: number, r: SubmissionResult) => {
    results[i] = r;
    done++;
    options.onResult?.(r, done, tasks.length);
  };
  if (jobs <= 0) {
    for (let i = 0; i < tasks.length; i++) finish(i, await gradeOne(tasks[i]));
    return results;
  }

  let next = 0;
  await new Promise<void>((resolveAll, rejectAll) => {
    let live = 0;
    let restarts = 0;
    const spawn = () => {
      const w = new Worker(BOOT, { workerData: { entry: ENTRY } });
      live++;
      let current = -1;
      let settled = false;
      const feed = () => {
        if (next >= tasks.length) {
          current = -1;
          settled = true;
          void w.terminate();
          return;
        }
        current = next++;
        w.postMessage(tasks[current]);
      };
      w.on('message', (msg: SubmissionResult | { ready: true }) => {
        if ('ready' in msg) return feed();
        finish(current, msg);
        feed();
      });
      const lost = (why: string) => {
        if (settled) return;
        settled = true;
        if (current >= 0 && !results[current]) finish(current, crashed(tasks[current], why));
        if (next < tasks.length) {
          // a worker that cannot even start would fail every replacement too: stop after a few
          if (++restarts > jobs + 3) return rejectAll(new Error(`grading workers keep failing: ${why}`));
          spawn();
        }
      };
      w.on('error', (err) => lost(err.message));
      w.on('exit', (code) => {
        lost(`worker exited with code ${code}`);
        if (--live === 0 && done === tasks.length) resolveAll();
        else if (live === 0 && next >= tasks.length) resolveAll();
      });
    };
    for (let i = 0; i < jobs; i++) spawn();
  });
  return results;
}
