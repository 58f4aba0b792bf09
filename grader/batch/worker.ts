import { parentPort } from 'node:worker_threads';
import { gradeOne } from './grade-one.ts';
import type { BatchTask } from './types.ts';

/** Worker thread: grades the tasks the pool sends, one at a time, and posts each result back. */
if (!parentPort) throw new Error('grader/batch/worker.ts must run in a worker thread');
const port = parentPort;
port.on('message', async (task: BatchTask) => {
  port.postMessage(await gradeOne(task));
});
port.postMessage({ ready: true });
