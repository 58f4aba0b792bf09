/**
 * Scenario files built into the lab-host bundle (dist/labctl-host.mjs, installed as /usr/local/bin/labctl),
 * which has no scenarios/ folder beside it. Empty when running from a checkout, which reads scenarios/ itself;
 * scripts/build.mjs fills it in for the lab-host file only.
 */
export const EMBEDDED_SCENARIOS: Record<string, { 'scenario.yaml': string; 'README.md'?: string }> = {};
