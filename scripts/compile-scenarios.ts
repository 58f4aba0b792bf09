// Run by scripts/build.mjs (through tsx): prints every scenario folder's files and, when valid, the validated
// scenario, as JSON. The build puts them into scenarios/embedded.ts, so the built CLI skips parsing and
// validating a scenario.yaml whose text it has already seen (most of a one-submission `labctl grade`), and
// the lab-host file, which has no scenarios/ folder, carries them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listScenarioIds, readScenarioDir, SCENARIOS_DIR } from '../scenarios/load.ts';

const out: Record<string, unknown> = {};
for (const id of listScenarioIds()) {
  const dir = join(SCENARIOS_DIR, id);
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  const loaded = readScenarioDir(dir);
  const valid = loaded.scenario && loaded.errors.length === 0;
  // a scenario that does not survive JSON unchanged is left to be validated at run time
  const scenario = valid && JSON.stringify(JSON.parse(JSON.stringify(loaded.scenario))) === JSON.stringify(loaded.scenario) ? loaded.scenario : undefined;
  out[id] = { 'scenario.yaml': read('scenario.yaml'), 'README.md': read('README.md'), scenario };
}
process.stdout.write(JSON.stringify(out));
