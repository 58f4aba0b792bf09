// Worker threads do not inherit tsx's module hooks on Node 20 (a .ts worker entry fails with
// ERR_UNKNOWN_FILE_EXTENSION even with `execArgv: ['--import', 'tsx']`), so each worker starts here,
// plain JavaScript, registers tsx for itself, then loads the TypeScript entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
