// Answer grading (issue 8): accuracy on the labelled learner answers of test/fixtures/answers/ (main set and
// hold-out side by side), keyword-stuffed submissions, and the cost of reading free text: the English model's
// load (once per process) and answers read per second, cold (every answer new) and warm (a class's repeats).
import { accuracyTable, measureKeys, measureStuffed } from '../test/grader/language/accuracy-harness.ts';

export async function run(): Promise<void> {
  const t0 = performance.now();
  const { nlp } = await import('../grader/language/nlp.ts');
  nlp();
  const loadMs = performance.now() - t0;

  const t1 = performance.now();
  const main = await measureKeys('main');
  const holdout = await measureKeys('holdout');
  const firstPassSec = (performance.now() - t1) / 1000;
  const answers = [...main, ...holdout].reduce((n, r) => n + r.graded.length, 0);
  console.log(accuracyTable(main, holdout).replace(/^/gm, '   '));

  const stuffed = await measureStuffed();
  const passing = stuffed.filter((s) => s.passed);
  console.log(`   keyword-stuffed submissions: ${stuffed.length}, passing: ${passing.length}${passing.length ? ` (${passing.map((s) => s.id).join(', ')})` : ''}; best score ${Math.max(...stuffed.map((s) => s.score))}`);

  const t2 = performance.now();
  await measureKeys('main');
  await measureKeys('holdout');
  const warmSec = (performance.now() - t2) / 1000;
  console.log(`   English model load: ${loadMs.toFixed(0)} ms (once per process / worker thread)`);
  console.log(`   ${answers} answers graded: ${(answers / firstPassSec).toFixed(0)}/s reading each for the first time, ${(answers / warmSec).toFixed(0)}/s for repeats; ratio ${(firstPassSec / warmSec).toFixed(1)}x`);
}
