import { readFileSync } from 'node:fs';
import type { Facts } from '../../grader/manifest.ts';
import { LabError } from '../errors.ts';
import { shq } from '../shell.ts';
import type { FaultSpec } from './types.ts';

const SOURCE = readFileSync(new URL('./fsync-latency.c', import.meta.url), 'utf8');

export const FSYNC_RECORDS_PER_SEC = 100;
export const FSYNC_CAP_BYTES = 8 << 20;

/**
 * fsync-latency: small appends, each followed by fsync, to `data/<file_name>` (capped at 8 MiB).
 * The data dir sits in the lab state dir, whose file system inject reports as `fs_type`.
 */
export function fsyncLatencyFault(facts: Facts): FaultSpec {
  const comm = String(facts.process_comm);
  const file = String(facts.file_name);
  if (!/^[A-Za-z0-9._-]{1,15}$/.test(comm)) throw new LabError(`fsync-latency: bad process_comm ${JSON.stringify(comm)}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(file)) throw new LabError(`fsync-latency: bad file_name ${JSON.stringify(file)}`);
  return {
    preflight: [
      { check: 'command -v gcc >/dev/null', message: 'gcc is not installed (the ledger app is compiled on the host)', hint: 'run `labctl lab setup` first' },
    ],
    files: [{ path: 'src/fsync-latency.c', content: SOURCE }],
    build: `gcc -O1 -o ${shq(`bin/${comm}`)} src/fsync-latency.c && mkdir -p data`,
    processes: [{ name: 'service', command: `./bin/${comm} ${shq(`data/${file}`)} ${FSYNC_RECORDS_PER_SEC} ${FSYNC_CAP_BYTES}` }],
    ready: `test -s ${shq(`data/${file}`)}`,
    scratch: ['data'],
  };
}
