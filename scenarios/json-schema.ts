import { z } from 'zod';
import { ScenarioSchema } from './schema.ts';

/** JSON Schema for editors (yaml-language-server), generated from the zod schema: zod stays the source of truth. */
export function scenarioJsonSchema(): string {
  const schema = z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'ebpf-classroom scenario.yaml' }, null, 2)}\n`;
}
