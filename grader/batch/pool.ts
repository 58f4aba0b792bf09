import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { gradeOne } from './grade-one.ts';
import { workerScript, type WorkerScript } from './worker-script.ts';
import type { BatchTask, SubmissionResult } from './types.ts';

export interface PoolOptions {
  /** worker threads; 0 grades in this thread (baseline for the benchmark, debugging). Default: cores */
  jobs?: number;
  onResult?: (r: SubmissionResult, done: number, total: number) => void;
  /** how workers start (default: the bundled worker, else through tsx) */
  script?: WorkerScript;
}

/** Submissions in flight per worker: grading waits on the file system (extracting, hashing, removing) as much as it computes. */
const PER_WORKER = 4;
/**
 * Below this many submissions (and without an explicit --jobs) the batch grades in this thread with
 * IN_THREAD_CONCURRENCY in flight: measured on 2 cores, 200 bundles grade at ~75-95/s that way against
 * ~45/s on 2 workers, whose start-up (bundling the worker, loading it twice) dominates small batches.
 */
const WORKERS_FROM = 400;
const IN_THREAD_CONCURRENCY = 8;

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
    // in this thread, one at a time: the baseline the benchmark compares with, and easy to debug
    for (let i = 0; i < tasks.length; i++) finish(i, await gradeOne(tasks[i]));
    return results;
  }
  if (options.jobs === undefined && tasks.length < WORKERS_FROM) {
    // Grading is mostly waiting on files: one thread with several in flight beats paying worker start-up.
    let next = 0;
    const lane = async () => {
      while (next < tasks.length) {
        const i = next++;
        finish(i, await gradeOne(tasks[i]));
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_THREAD_CONCURRENCY, tasks.length) }, lane));
    return results;
  }

  const script = options.script ?? (await workerScript());
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  let next = 0;
  await new Promise<void>((resolveAll, rejectAll) => {
    let live = 0;
    let restarts = 0;
    const spawn = () => {
      const w = new Worker(script.url, { workerData: script.workerData });
      live++;
      const inFlight = new Set<number>();
      let settled = false;
      const feed = () => {
        while (inFlight.size < PER_WORKER && next < tasks.length) {
          inFlight.add(next);
          w.postMessage(tasks[next++]);
        }
        if (inFlight.size === 0 && !settled) {
          settled = true;
          void w.terminate();
        }
      };
      w.on('message', (msg: SubmissionResult | { ready: true }) => {
        if ('ready' in msg) return feed();
        const i = index.get(msg.id)!;
        inFlight.delete(i);
        finish(i, msg);
        feed();
      });
      const lost = (why: string) => {
        if (settled) return;
        settled = true;
        for (const i of inFlight) if (!results[i]) finish(i, crashed(tasks[i], why));
        inFlight.clear();
        if (next < tasks.length) {
          // a worker that cannot even start would fail every replacement too: stop after a few
          if (++restarts > jobs + 3) return rejectAll(new Error(`grading workers keep failing: ${why}`));
          spawn();
        }
      };
      w.on('error', (err) => lost(err.message));
      w.on('exit', (code) => {
        lost(`worker exited with code ${code}`);
        if (--live === 0) resolveAll();
      });
    };
    for (let i = 0; i < jobs; i++) spawn();
  });
  return results;
}
