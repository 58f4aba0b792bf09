import type { Facts } from '../../grader/manifest.ts';
import type { ScenarioId } from '../../scenarios/variants.ts';
import { fsyncLatencyFault } from './fsync-latency.ts';
import { ghostLoadFault } from './ghost-load.ts';
import { offcpuLockFault } from './offcpu-lock.ts';
import type { FaultSpec } from './types.ts';

export type { FaultSpec } from './types.ts';

export function faultFor(scenario: ScenarioId, facts: Facts): FaultSpec {
  switch (scenario) {
    case 'ghost-load':
      return ghostLoadFault(facts);
    case 'offcpu-lock':
      return offcpuLockFault(facts);
    case 'fsync-latency':
      return fsyncLatencyFault(facts);
  }
}
