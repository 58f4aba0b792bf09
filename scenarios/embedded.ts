import type { Scenario } from './schema.ts';

/**
 * Scenario files and their validated form, built into the bundles by scripts/build.mjs: the built CLI uses the
 * validated form while scenario.yaml keeps the text it came from, and the lab-host file (installed as
 * /usr/local/bin/labctl, with no scenarios/ folder beside it) reads the files from here. Empty when running
 * from the TypeScript sources.
 */
export const EMBEDDED_SCENARIOS: Record<string, { 'scenario.yaml': string; 'README.md'?: string; scenario?: Scenario }> = {};
