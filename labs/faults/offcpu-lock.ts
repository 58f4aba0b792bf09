import { readFileSync } from 'node:fs';
import type { Facts } from '../../grader/manifest.ts';
import { LabError } from '../errors.ts';
import { shq } from '../shell.ts';
import type { FaultSpec } from './types.ts';

const SOURCE = readFileSync(new URL('./offcpu-lock.c', import.meta.url), 'utf8');

/**
 * offcpu-lock: N worker threads serialised on one mutex held while "working" (mostly sleeping).
 * CPU stays low, latency is high, and offcputime shows futex waits under `hot_function`.
 * Compiled on the host so the frames (built with frame pointers) unwind there.
 */
export function offcpuLockFault(facts: Facts): FaultSpec {
  const comm = String(facts.process_comm);
  const fn = String(facts.hot_function);
  const threads = Number(facts.threads);
  if (!/^[A-Za-z0-9._-]{1,15}$/.test(comm)) throw new LabError(`offcpu-lock: bad process_comm ${JSON.stringify(comm)}`);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(fn)) throw new LabError(`offcpu-lock: hot_function ${JSON.stringify(fn)} is not a C identifier`);
  if (!Number.isInteger(threads) || threads < 2 || threads > 64) throw new LabError(`offcpu-lock: threads must be 2..64, got ${facts.threads}`);
  return {
    preflight: [
      { check: 'command -v gcc >/dev/null', message: 'gcc is not installed (the lock service is compiled on the host)', hint: 'run `labctl lab setup` first' },
    ],
    files: [{ path: 'src/offcpu-lock.c', content: SOURCE }],
    build: `gcc -g -O1 -fno-omit-frame-pointer -pthread -DHOT_FUNCTION=${fn} -DTHREADS=${threads} -o ${shq(`bin/${comm}`)} src/offcpu-lock.c`,
    processes: [{ name: 'service', command: `./bin/${comm}` }],
    ready: `test "$(ls /proc/$(cat pids/service)/task | wc -l)" -gt ${threads}`,
    scratch: [],
  };
}
