import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../grader/yaml-source.ts';
import { scenarioJsonSchema } from '../../scenarios/json-schema.ts';
import { fillTemplate, listScenarioIds, loadScenario, readScenarioDir, SCENARIOS_DIR } from '../../scenarios/load.ts';

function scenarioDir(id: string, yaml: string): string {
  const root = mkdtempSync(join(tmpdir(), 'scn-'));
  const dir = join(root, id);
  mkdirSync(join(dir, 'examples'), { recursive: true });
  writeFileSync(join(dir, 'scenario.yaml'), yaml);
  writeFileSync(join(dir, 'README.md'), '# brief\n');
  return dir;
}

const GOOD = readFileSync(join(SCENARIOS_DIR, 'ghost-load', 'scenario.yaml'), 'utf8');

describe('the bundled scenarios', () => {
  it('are the three of DESIGN.md and all valid', () => {
    expect(listScenarioIds()).toEqual(['fsync-latency', 'ghost-load', 'offcpu-lock']);
    for (const id of listScenarioIds()) {
      const r = readScenarioDir(join(SCENARIOS_DIR, id));
      expect(r.errors.map(formatProblem), id).toEqual([]);
      expect(r.warnings.map(formatProblem), id).toEqual([]);
    }
  });

  it('have a committed JSON Schema that matches the zod schema (run `npm run schemas` after changing it)', () => {
    expect(readFileSync(join(SCENARIOS_DIR, 'scenario.schema.json'), 'utf8')).toBe(scenarioJsonSchema());
  });

  it('grade the answer keys of DESIGN.md', () => {
    expect(Object.keys(loadScenario('ghost-load').answers)).toEqual(['culprit_command', 'parent_process', 'rate_per_second', 'root_cause', 'fix']);
    expect(Object.keys(loadScenario('offcpu-lock').answers)).toEqual(['process', 'blocked_in', 'hot_function', 'cpu_saturated', 'root_cause', 'fix']);
    expect(Object.keys(loadScenario('fsync-latency').answers)).toEqual(['process', 'file', 'operation', 'slow_layer', 'root_cause', 'fix']);
  });
});

describe('readScenarioDir collects every problem with file, line and field', () => {
  it('wrong types and unknown rules', () => {
    const yaml = GOOD.replace('minutes: 20', 'minutes: "twenty"').replace('rule: exec-rate', 'rule: exec-speed');
    const r = readScenarioDir(scenarioDir('ghost-load', yaml));
    const text = r.errors.map(formatProblem);
    expect(text).toHaveLength(2);
    expect(text[0]).toMatch(/scenario\.yaml:7: minutes: Invalid input: expected number, received string/);
    expect(text[1]).toMatch(/scenario\.yaml:\d+: checks\[2\]\.rule: /);
  });

  it('unknown fact placeholders, unknown answer keys, duplicate ids, folder mismatch', () => {
    const yaml = GOOD.replace('comm: "{{culprit_comm}}", minShare: 0.2', 'comm: "{{culprit}}", minShare: 0.2')
      .replace('key: parent_process', 'key: parent')
      .replace('id: single-parent', 'id: culprit-rate');
    const r = readScenarioDir(scenarioDir('other-name', yaml));
    const text = r.errors.map(formatProblem).join('\n');
    expect(text).toContain('id: is "ghost-load" but the folder is "other-name"');
    expect(text).toMatch(/checks\[1\]\.with\.comm: uses \{\{culprit\}\} but facts has no "culprit"/);
    expect(text).toMatch(/checks\[5\]\.with\.key: answers has no key "parent"/);
    expect(text).toMatch(/checks\[3\]\.id: duplicate check id "culprit-rate"/);
    expect(r.warnings.map(formatProblem).join('\n')).toMatch(/answers\.parent_process: no check grades this answer/);
  });

  it('YAML syntax errors and alias bombs name the line instead of crashing', () => {
    const broken = readScenarioDir(scenarioDir('ghost-load', 'id: ghost-load\ntitle: [unclosed\n'));
    expect(broken.errors[0].line).toBeGreaterThan(0);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`)].join('\n');
    const r = readScenarioDir(scenarioDir('ghost-load', `${bomb}\n`));
    expect(r.errors.map(formatProblem).join('\n')).toMatch(/alias|Excessive/i);
  });
});

describe('fillTemplate', () => {
  it('keeps numbers as numbers when the value is one placeholder', () => {
    expect(fillTemplate('{{min_rate_per_sec}}', { min_rate_per_sec: 5 })).toBe(5);
    expect(fillTemplate('run {{x}} now', { x: 'curl' })).toBe('run curl now');
  });
});
