import { describe, expect, it } from 'vitest';
import { checkExamples, readExpectations } from '../../scenarios/examples.ts';
import { listScenarioIds, loadScenario } from '../../scenarios/load.ts';
import { defaultFacts, type ScenarioId } from '../../scenarios/variants.ts';

// Every scenario ships example submissions (correct, partly correct, wrong, and a capture from a host
// without the fault); each must grade exactly as its examples/expected.yaml says.
describe.each(listScenarioIds())('scenario %s examples', (id) => {
  it('cover the four kinds DESIGN.md asks for', () => {
    const { expected, problems } = readExpectations(id);
    expect(problems).toEqual([]);
    const entries = Object.values(expected);
    expect(entries.some((e) => e.passed && e.evidence === 'pass')).toBe(true);
    expect(entries.some((e) => e.gradable && !e.passed && e.evidence === 'pass')).toBe(true);
    expect(entries.some((e) => e.gradable && e.evidence === 'fail')).toBe(true);
  });

  it('grade as examples/expected.yaml says', async () => {
    const results = await checkExamples(id);
    expect(results.length).toBeGreaterThanOrEqual(4);
    for (const r of results) expect(r.ok, `${id}/examples/${r.name}: ${r.summary}`).toBe(true);
  });

  it('never reveal the per-learner facts in messages or hints', async () => {
    const scenario = loadScenario(id);
    const facts = defaultFacts(id as ScenarioId);
    const secrets = Object.entries(scenario.facts).filter(([, f]) => f.varies)
      .map(([key]) => facts[key])
      // numbers (thread counts) show up in messages by coincidence; names must never
      .filter((v): v is string => typeof v === 'string');
    expect(secrets.length).toBeGreaterThan(0);
    for (const r of await checkExamples(id)) {
      for (const c of r.report?.checks ?? []) {
        for (const secret of secrets) expect(`${c.message} ${c.hint ?? ''}`, `${r.name}/${c.id}`).not.toContain(secret);
      }
    }
  });
});
