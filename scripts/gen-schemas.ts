// Regenerates the JSON Schemas that editors use for scenario.yaml (and other files whose modules register here).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioJsonSchema } from '../scenarios/json-schema.ts';
import { SCENARIOS_DIR } from '../scenarios/load.ts';

const target = join(SCENARIOS_DIR, 'scenario.schema.json');
writeFileSync(target, scenarioJsonSchema());
console.log(`wrote ${target}`);
