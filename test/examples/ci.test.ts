import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createBundle } from '../../grader/provenance/bundle.ts';
import { learnerKey } from '../../grader/provenance/key.ts';
import { sealManifest } from '../../grader/sealed-manifest.ts';
import { loadScenario } from '../../scenarios/load.ts';
import { DEFAULT_SEED, variantFacts } from '../../scenarios/variants.ts';
import { manifestFor } from '../grader/provenance/learner-lab.ts';

/**
 * The CI recipe as shipped (examples/ci/grade.sh, which examples/ci/github-actions.yml runs), against
 * bundles made the way a learner makes them: exit 0, 1 and 2, and a summary every time.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'examples/ci/grade.sh');
const SECRET = 'ci-recipe-secret-Hq4Wn8Zt2Lp6Xv';
let tmp: string;

/** An example submission as this learner would have made it in their own lab: their variant's names in it. */
async function bundleOf(example: string, learner: string, key: string | null, opts: { sealed?: boolean } = {}): Promise<string> {
  const work = join(tmp, `${example}-${learner}-${key ? 'signed' : 'unsigned'}${opts.sealed ? '-sealed' : ''}`);
  await cp(join(ROOT, 'scenarios/ghost-load/examples', example), work, { recursive: true });
  const manifest = manifestFor(SECRET, learner, 'ghost-load');
  const recorded = variantFacts('ghost-load', DEFAULT_SEED);
  for (const f of await readdir(work)) {
    const text = await readFile(join(work, f), 'utf8');
    await writeFile(join(work, f), text.replaceAll(String(recorded.url), String(manifest.facts.url)).replaceAll(String(recorded.parent_comm), String(manifest.facts.parent_comm)));
  }
  const manifestPath = join(tmp, `manifest-${learner}${opts.sealed ? '-sealed' : ''}.json`);
  // a lab host keeps (and `labctl submit` bundles) the sealed manifest; older hosts the plaintext one
  await writeFile(manifestPath, JSON.stringify(opts.sealed ? sealManifest(manifest, loadScenario('ghost-load')) : manifest));
  const out = join(tmp, `out-${example}-${learner}-${key ? 's' : 'u'}${opts.sealed ? '-sealed' : ''}`);
  await mkdir(out);
  return (await createBundle({ scenario: 'ghost-load', dir: work, manifestPath, key, out })).file;
}

function grade(sub: string, env: Record<string, string | undefined> = { LABCTL_CLASS_SECRET: SECRET }): Promise<{ code: number; stdout: string; out: string; stepSummary: string }> {
  const out = join(tmp, `grade-${Math.random().toString(36).slice(2)}`);
  const stepSummary = join(tmp, `${Math.random().toString(36).slice(2)}.md`);
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, sub, out], { cwd: tmp, env: { PATH: process.env.PATH, HOME: tmp, NO_COLOR: '1', GITHUB_STEP_SUMMARY: stepSummary, ...env }, timeout: 120_000 }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, out, stepSummary });
    });
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'labctl-ci-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('examples/ci/grade.sh', () => {
  it('exit 0: a signed bundle that passes; the summary is the report, also in $GITHUB_STEP_SUMMARY', async () => {
    const r = await grade(await bundleOf('correct', 'ana', learnerKey(SECRET, 'ana')));
    expect(r.code, r.stdout).toBe(0);
    const summary = await readFile(join(r.out, 'summary.md'), 'utf8');
    expect(summary).toMatch(/^## ✅ ghost-load: \d+\/100 \(passed\)/);
    expect(summary).toContain('**Learner:** ana');
    expect(await readFile(r.stepSummary, 'utf8')).toBe(summary);
    expect(JSON.parse(await readFile(join(r.out, 'report.json'), 'utf8'))).toMatchObject({ scenario: 'ghost-load', passed: true });
  }, 120_000);

  it('exit 0 / 1 for bundles carrying the sealed manifest (what labctl submit bundles on a lab host), as for plaintext ones', async () => {
    const ok = await grade(await bundleOf('correct', 'ana', learnerKey(SECRET, 'ana'), { sealed: true }));
    expect(ok.code, ok.stdout).toBe(0);
    const wrong = await grade(await bundleOf('wrong', 'ben', learnerKey(SECRET, 'ben'), { sealed: true }));
    expect(wrong.code, wrong.stdout).toBe(1);
    expect(await readFile(join(wrong.out, 'summary.md'), 'utf8')).not.toMatch(/tampered|unverified/);
  });

  it('exit 1: a signed bundle that does not pass, with the reason', async () => {
    const r = await grade(await bundleOf('wrong', 'ben', learnerKey(SECRET, 'ben')));
    expect(r.code, r.stdout).toBe(1);
    const summary = await readFile(r.stepSummary, 'utf8');
    expect(summary).toMatch(/^## ❌ ghost-load: \d+\/100 \(not passed\)/);
  }, 120_000);

  it('exit 2: unsigned, signed with another learner\'s key, no secret, nothing there: a summary that says why', async () => {
    const unsigned = await grade(await bundleOf('correct', 'cy', null));
    expect(unsigned.code).toBe(2);
    expect(await readFile(unsigned.stepSummary, 'utf8')).toMatch(/^## ⚠️ Not gradable: not a bundle signed by a lab of this class\n\n- \*\*unsigned\*\*/);

    const forged = await grade(await bundleOf('correct', 'dee', learnerKey('another-class-secret-Bb7Nn3Mm9Kk1', 'dee')));
    expect(forged.code).toBe(2);
    expect(await readFile(forged.stepSummary, 'utf8')).toMatch(/^## ⚠️ Not gradable: not a bundle signed by a lab of this class/);

    const signed = await bundleOf('correct', 'eve', learnerKey(SECRET, 'eve'));
    const noSecret = await grade(signed, {});
    expect(noSecret.code).toBe(2);
    expect(await readFile(noSecret.stepSummary, 'utf8')).toMatch(/LABCTL_CLASS_SECRET is not set/);

    const missing = await grade(join(tmp, 'submission.tar.gz'));
    expect(missing.code).toBe(2);
    expect(await readFile(join(missing.out, 'summary.md'), 'utf8')).toMatch(/^## ⚠️ Not gradable\n\nthe submission `.*submission\.tar\.gz` does not exist/);

    await writeFile(join(tmp, 'garbage.tar.gz'), 'not a tarball');
    const garbage = await grade(join(tmp, 'garbage.tar.gz'));
    expect(garbage.code).toBe(2);
    expect((await readFile(garbage.stepSummary, 'utf8')).startsWith('## ⚠️ Not gradable')).toBe(true);
  }, 240_000);

  it('the workflow runs this script with the class secret from CI secrets', async () => {
    const wf = parse(await readFile(join(ROOT, 'examples/ci/github-actions.yml'), 'utf8')) as { jobs: { grade: { steps: { run?: string; env?: Record<string, string> }[] } } };
    const step = wf.jobs.grade.steps.find((s) => s.run?.includes('examples/ci/grade.sh'));
    expect(step?.env?.LABCTL_CLASS_SECRET).toBe('${{ secrets.LABCTL_CLASS_SECRET }}');
    expect(wf.jobs.grade.steps.some((s) => s.run?.startsWith('npm ci --prefix ebpf-classroom'))).toBe(true);
  });
});
