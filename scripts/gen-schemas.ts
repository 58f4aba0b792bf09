// Regenerates the JSON Schemas that editors use for scenario.yaml (and other files whose modules register here).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioJsonSchema } from '../scenarios/json-schema.ts';
import { SCENARIOS_DIR } from '../scenarios/load.ts';

const target = join(SCENARIOS_DIR, 'scenario.schema.json');
writeFileSync(target, scenarioJsonSchema());
console.log(`wrote ${target}`);

// classroom.yaml (infra/): test/infra/classroom-schema.test.ts fails when this file is stale.
const { CLASSROOM_JSON_SCHEMA_FILE, classroomJsonSchemaText } = await import('../infra/classroom-schema.ts');
writeFileSync(CLASSROOM_JSON_SCHEMA_FILE, classroomJsonSchemaText());
console.log(`wrote ${CLASSROOM_JSON_SCHEMA_FILE.pathname}`);
