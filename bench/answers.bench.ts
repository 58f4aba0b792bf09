// Answer grading (issue 8): accuracy on the labelled learner answers of test/fixtures/answers/ (main set and
// hold-out side by side), keyword-stuffed submissions, and the cost of reading free text: the English model's
// load (once per process) and answers read per second, cold (every answer new) and warm (a class's repeats).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gradeSubmission } from '../grader/grade.ts';
import { accuracyTable, measureKeys, measureStuffed } from '../test/grader/language/accuracy-harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** ms per submission grading the bundled examples whole, and evidence only (no answers read), in this process. */
async function answerShare(rounds = 5): Promise<{ full: number; evidence: number }> {
  const dirs: string[] = [];
  for (const id of ['ghost-load', 'offcpu-lock', 'fsync-latency']) {
    const d = join(ROOT, 'scenarios', id, 'examples');
    for (const n of readdirSync(d).sort()) if (existsSync(join(d, n, 'answers.yaml'))) dirs.push(join(d, n));
  }
  const time = async (evidenceOnly: boolean) => {
    const t = performance.now();
    for (let i = 0; i < rounds; i++) for (const d of dirs) await gradeSubmission(d, { evidenceOnly });
    return (performance.now() - t) / (rounds * dirs.length);
  };
  await time(false);
  return { evidence: await time(true), full: await time(false) };
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const { nlp } = await import('../grader/language/nlp.ts');
  nlp();
  const loadMs = performance.now() - t0;

  const t1 = performance.now();
  const main = await measureKeys('main');
  const holdout = await measureKeys('holdout');
  const fresh = await measureKeys('fresh');
  const firstPassSec = (performance.now() - t1) / 1000;
  const answers = [...main, ...holdout, ...fresh].reduce((n, r) => n + r.graded.length, 0);
  console.log(accuracyTable(main, holdout, fresh).replace(/^/gm, '   '));

  const stuffed = await measureStuffed();
  const passing = stuffed.filter((s) => s.passed);
  console.log(`   keyword-stuffed submissions: ${stuffed.length}, passing: ${passing.length}${passing.length ? ` (${passing.map((s) => s.id).join(', ')})` : ''}; best score ${Math.max(...stuffed.map((s) => s.score))}`);

  const t2 = performance.now();
  await measureKeys('main');
  await measureKeys('holdout');
  const warmSec = (performance.now() - t2) / 1000;
  console.log(`   English model load: ${loadMs.toFixed(0)} ms (once per process / worker thread)`);
  const share = await answerShare();
  console.log(`   bundled examples, graded whole: ${share.full.toFixed(1)} ms each; evidence only: ${share.evidence.toFixed(1)} ms; ratio ${(share.full / share.evidence).toFixed(2)}x`);
  console.log(`   ${answers} answers graded: ${(answers / firstPassSec).toFixed(0)}/s reading each for the first time, ${(answers / warmSec).toFixed(0)}/s for repeats; ratio ${(firstPassSec / warmSec).toFixed(1)}x`);
}
