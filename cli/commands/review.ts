/**
 * `labctl review ...`: the instructor's side of the review queue. `learn` turns answer groups accepted in
 * grades/overrides.yaml into `accepted:` claim keys in the scenario, so the next class is graded
 * automatically.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { LabctlError } from '../../core/errors.ts';
import { writeAtomic } from '../../core/write-atomic.ts';
import { learnAccepted, planLearning, readReviewCsv } from '../../grader/batch/learn.ts';
import { describeEntry, readOverrides } from '../../grader/batch/overrides.ts';
import { formatPath, formatProblem, parseYamlSource } from '../../grader/yaml-source.ts';
import { SCENARIOS_DIR } from '../../scenarios/load.ts';
import { ScenarioSchema } from '../../scenarios/schema.ts';

interface LearnFlags {
  scenario: string;
  overrides: string;
  review?: string;
  scenariosDir: string;
  dryRun?: boolean;
}

export interface LearnReport {
  file: string;
  written: boolean;
  lines: string[];
}

/** The whole `review learn` step as a function (the CLI prints its lines). */
export async function learnFromOverrides(flags: LearnFlags): Promise<LearnReport> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(flags.scenario)) throw new LabctlError(`--scenario ${flags.scenario}: not a scenario id`, 'e.g. --scenario ghost-load');
  const entries = await readOverrides(flags.overrides);
  const reviewFile = flags.review ?? join(dirname(flags.overrides), 'review.csv');
  const groups = await readReviewCsv(reviewFile);
  const plan = planLearning(entries, groups, flags.scenario);
  const file = join(flags.scenariosDir, flags.scenario, 'scenario.yaml');
  const shown = relative(process.cwd(), file) || file;
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new LabctlError(`cannot read ${shown}: ${err.code ?? err.message}`, '--scenario names a folder of --scenarios-dir (default: the scenarios of this checkout)');
  });
  const lines: string[] = [];
  const result = learnAccepted(text, shown, plan.accept);
  for (const s of plan.skipped) lines.push(`skipped ${describeEntry(s.entry)}: ${s.why}`);
  for (const r of result.refused) lines.push(`skipped ${r.check}: ${r.why}`);
  if (!result.added.size) {
    lines.push(`nothing new to learn for ${flags.scenario}: ${shown} unchanged`);
    return { file, written: false, lines };
  }
  // the edited scenario must still be a valid scenario, else nothing is written
  const src = parseYamlSource(result.text, shown);
  const parsed = ScenarioSchema.safeParse(src.data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => formatProblem({ file: shown, line: src.lineOf(i.path), field: formatPath(i.path), message: i.message }));
    throw new LabctlError(`the learned ${shown} would not be a valid scenario, nothing written:\n${problems.join('\n')}`, 'this grader does not take `accepted:` claims on these checks yet');
  }
  for (const [check, claims] of result.added) lines.push(`${check}: accepts ${claims.map((c) => JSON.stringify(c)).join(', ')}`);
  if (flags.dryRun) {
    lines.push(`dry run: ${shown} not written`);
    return { file, written: false, lines };
  }
  await writeAtomic(file, result.text);
  lines.push(`wrote ${shown}: the next batch grades these answers without review`);
  return { file, written: true, lines };
}

export function registerReview(program: Command): void {
  const review = program.command('review').description('the review queue: turn decided answer groups into accepted answers for the next class');
  review
    .command('learn')
    .description('add the answer groups accepted with full points in overrides.yaml to the scenario as accepted claims')
    .requiredOption('--scenario <id>', 'the scenario to teach, e.g. ghost-load')
    .option('--overrides <file>', 'the decisions', 'grades/overrides.yaml')
    .option('--review <file>', 'the review queue the group ids come from (default: review.csv next to --overrides)')
    .option('--scenarios-dir <dir>', 'where the scenario folders are', SCENARIOS_DIR)
    .option('--dry-run', 'print what would be learned, change nothing')
    .addHelpText(
      'after',
      `
Only groups given all their points are learned, and only on answer-concepts checks (free-text answers):
their claim key goes into the check's \`with.accepted\`. scenario.yaml keeps its comments and layout; the
edit is checked (same scenario plus the new claims) before it is written.

Example:
  $ labctl grade --batch submissions/ --out-dir grades      # writes grades/review.csv
  $ $EDITOR grades/overrides.yaml                           # - { group: g-1a2b3c4d, check: root-cause-answer, points: 10 }
  $ labctl grade --batch submissions/ --out-dir grades      # applies the decisions
  $ labctl review learn --scenario ghost-load               # next class: graded without review`,
    )
    .action(async (flags: LearnFlags) => {
      const res = await learnFromOverrides(flags);
      for (const line of res.lines) process.stdout.write(`${line.startsWith('skipped') ? pc.yellow(line) : line}\n`);
    });
}
