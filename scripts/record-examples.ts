// Re-records the captures of the bundled example submissions from real faults on this machine (root + BPF):
// for each scenario, inject the default variant, capture with the tools that work here, stop, then capture
// again with no fault. Answers and examples/expected.yaml are written by hand; this only refreshes captures.
//   sudo npx tsx scripts/record-examples.ts [scenario...]
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkScenario } from '../labs/check.ts';
import { labHost } from '../labs/host.ts';
import { injectFault, stopFault } from '../labs/supervisor.ts';
import { SCENARIOS_DIR } from '../scenarios/load.ts';
import { DEFAULT_SEED, SCENARIO_IDS, type ScenarioId } from '../scenarios/variants.ts';

const ids = (process.argv.slice(2).length ? process.argv.slice(2) : [...SCENARIO_IDS]) as ScenarioId[];
const host = labHost({ stateDir: '/tmp/labctl-record-examples' });

async function record(id: ScenarioId, withFault: boolean, target: string): Promise<void> {
  const dir = join('/tmp', `record-${id}-${withFault ? 'fault' : 'nofault'}`);
  await rm(dir, { recursive: true, force: true });
  const result = await checkScenario(host, id, { durationSec: 8, dir, ...(withFault ? {} : { manifest: noFaultManifest }) });
  await mkdir(target, { recursive: true });
  for (const run of result.capture.runs) await cp(join(dir, run.file), join(target, run.file));
  console.log(`${id} ${withFault ? 'with' : 'without'} fault -> ${target}: ${result.capture.runs.map((r) => `${r.file} (${r.command})`).join(', ')}; visible=${result.visible}`);
}

let noFaultManifest: Awaited<ReturnType<typeof checkScenario>>['manifest'];
for (const id of ids) {
  await stopFault(host, id);
  const injected = await injectFault(host, { scenario: id, seed: DEFAULT_SEED, ttlSec: 300 });
  noFaultManifest = injected.manifest;
  // Let the fault warm up so the capture sees steady state, as a learner would.
  await new Promise((r) => setTimeout(r, 3000));
  try {
    await record(id, true, join('/tmp', 'examples-recorded', id, 'fault'));
  } finally {
    await stopFault(host, id);
  }
  await record(id, false, join('/tmp', 'examples-recorded', id, 'no-fault'));
}
console.log(`captures in /tmp/examples-recorded; copy them into ${SCENARIOS_DIR}/<id>/examples/<name>/`);
