import { writeAtomic } from '../../core/write-atomic.ts';
import { basename, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { gradeSubmission } from '../../grader/grade.ts';
import { gradeOne } from '../../grader/batch/grade-one.ts';
import { gradingSecret } from '../../grader/provenance/secret.ts';
import type { GradeReport } from '../../grader/report/types.ts';
import { applyOverrides, readOverrides } from '../../grader/batch/overrides.ts';
import { answerKeysOf } from '../../grader/batch/review-groups.ts';
import { loadScenario } from '../../scenarios/load.ts';
import { formatProblem } from '../../grader/yaml-source.ts';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../grader/report/index.ts';
import { LabctlError } from '../../core/errors.ts';
import type { BatchFlags } from './grade-batch.ts';
import { BATCH_HELP } from './grade-batch-help.ts';

/** Exit codes are a contract (DESIGN.md): 0 passed, 1 not passed, 2 ungradable. */
export function exitCodeFor(report: { gradable: boolean; passed: boolean }): number {
  if (!report.gradable) return 2;
  return report.passed ? 0 : 1;
}

/** Writes the report whole (core/write-atomic.ts), or says why it could not. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  try {
    await writeAtomic(file, text);
  } catch (err) {
    throw new LabctlError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check that the folder exists and is writable');
  }
}

export function registerGrade(program: Command): void {
  program
    .command('grade')
    .description('grade a learner submission (a folder or .tar.gz with answers.yaml and tool captures)')
    .argument('[submission]', 'submission folder or .tar.gz (or use --batch DIR)')
    .option('--scenario <id>', 'scenario to grade against (default: from the manifest, else answers.yaml `scenario:`)')
    .option('--manifest <file>', 'lab-manifest.json written by `labctl lab inject` (wins over one in the submission)')
    .addOption(new Option('--format <format>', 'report format').choices([...REPORT_FORMATS]).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--evidence-only', 'grade the captures only, not the answers (readiness checks)')
    .option('--batch <dir>', 'grade every submission (folder or .tar.gz) in DIR: gradebook, reports, class report')
    .option('--roster <file>', 'batch: roster CSV (learner,name,email) or YAML list of learner ids')
    .option('--secret <secret>', 'class secret: verify the `labctl submit` bundle and derive the expected facts from it (default: env LABCTL_CLASS_SECRET)')
    .option('--out-dir <dir>', 'batch: where to write the gradebook and reports', 'grades')
    .option('--jobs <n>', 'batch: worker threads (default: one per core; 0 = none)')
    .option('--any-seed', 'batch: accept labs whose seed was not derived from the secret (injected with --seed)')
    .option('--overrides <file>', "a person's decisions (overrides.yaml): points per answer group or learner check; batch default: <out-dir>/overrides.yaml")
    .option('--class <name>', 'batch: the class name for the class report (default: from --inventory)')
    .option('--inventory <file>', 'batch: the class inventory.json, for the class name')
    .addHelpText(
      'after',
      `
Exit status: 0 passed, 1 not passed, 2 ungradable (bad input; the report says why).
${BATCH_HELP}

Examples:
  $ labctl grade scenarios/ghost-load/examples/correct
  $ labctl grade submission.tar.gz --manifest lab-manifest.json --format json
  $ labctl grade ./work --scenario fsync-latency --format junit --out junit.xml
  $ labctl grade ./work --format markdown >> "$GITHUB_STEP_SUMMARY"
  $ LABCTL_CLASS_SECRET=... labctl grade --batch ./submissions --roster roster.csv --out-dir grades`,
    )
    .action(async (submission: string | undefined, opts: { scenario?: string; manifest?: string; format: ReportFormat; out?: string; evidenceOnly?: boolean; overrides?: string } & Partial<BatchFlags>) => {
      if (opts.batch) {
        // loaded only here: a single grade does not need the worker pool, class report, roster or inventory
        const { gradeBatchCommand } = await import('./grade-batch.ts');
        process.exitCode = await gradeBatchCommand(opts as BatchFlags, submission);
        return;
      }
      if (!submission) throw new LabctlError('no submission to grade', 'labctl grade ./my-submission (a folder or .tar.gz), or labctl grade --batch DIR');
      const classSecret = opts.evidenceOnly ? undefined : gradingSecret(opts.secret);
      let report: GradeReport;
      if (classSecret) {
        if (opts.manifest) throw new LabctlError('--manifest does not go with the class secret', 'with the secret the expected facts are derived from (secret, learner, scenario); drop --manifest, or unset LABCTL_CLASS_SECRET to grade against a manifest');
        report = await gradeSigned(submission, classSecret, opts.scenario);
      } else {
        report = await gradeSubmission(submission, {
          scenario: opts.scenario,
          manifestPath: opts.manifest,
          evidenceOnly: opts.evidenceOnly,
        });
      }
      if (opts.overrides) {
        const entries = await readOverrides(opts.overrides);
        const keyOf = report.gradable ? answerKeysOf({ [report.scenario]: loadScenario(report.scenario) }) : undefined;
        const decided = applyOverrides([{ report, ...(keyOf ? { keyOf } : {}) }], entries);
        if (decided.problems.length) throw new LabctlError(`overrides cannot be applied:\n${decided.problems.map(formatProblem).join('\n')}`, 'fix the entries named above');
      }
      const color = opts.format === 'text' && !opts.out && process.stdout.isTTY === true && !process.env.NO_COLOR;
      const text = renderReport(report, opts.format, { color });
      if (opts.out) await writeAtomically(opts.out, text);
      else process.stdout.write(text);
      process.exitCode = exitCodeFor(report);
    });
}

/**
 * One bundle graded the way `grade --batch` grades it with the class secret: the signature decides who the
 * learner is, and the expected facts are derived for that learner. A bundle whose signature does not hold
 * is not graded (exit 2) rather than graded against facts it carries itself.
 */
async function gradeSigned(submission: string, classSecret: string, scenario: string | undefined): Promise<GradeReport> {
  const result = await gradeOne({ id: 0, path: resolve(submission), entry: basename(submission), classSecret, requireDerivedSeed: true, ...(scenario ? { scenario } : {}) });
  if (result.trusted) return result.report;
  return {
    ...result.report,
    score: 0,
    passed: false,
    gradable: false,
    checks: [],
    notes: [
      `not graded: the bundle is ${result.provenance.status}: ${result.provenance.message}; with the class secret only a bundle that \`labctl submit\` signed on the learner's own lab is graded`,
      ...(result.report.notes ?? []).filter((n) => !n.startsWith('provenance: ')),
    ],
  };
}
