import { parentPort } from 'node:worker_threads';
import { learnerKey } from '/work/main/grader/provenance/key.ts';
const x: number = 1;
parentPort!.postMessage(learnerKey('a', 'b') + x);
