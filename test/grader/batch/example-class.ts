import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCENARIOS = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

/**
 * Test helper: a batch folder built from a scenario's real example submissions (real captures of the
 * fault), one folder per learner, each with its own answers: `answers` replaces keys of the example's
 * answers.yaml. No manifests: graded against the default variant.
 */
export async function exampleClass(scenario: string, learners: Record<string, { example: string; answers?: Record<string, string> }>): Promise<{ root: string; batch: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'labctl-review-'));
  const batch = join(root, 'submissions');
  await mkdir(batch);
  for (const [learner, spec] of Object.entries(learners)) {
    const dir = join(batch, learner);
    await cp(join(SCENARIOS, scenario, 'examples', spec.example), dir, { recursive: true });
    const { parse, stringify } = await import('yaml');
    const answers = parse(await readFile(join(dir, 'answers.yaml'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'answers.yaml'), stringify({ ...answers, learner, ...(spec.answers ?? {}) }));
  }
  return { root, batch, cleanup: () => rm(root, { recursive: true, force: true }) };
}
