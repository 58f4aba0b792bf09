import { writeFile, rename } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { gradeSubmission } from '../../grader/grade.ts';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../grader/report/index.ts';
import { LabctlError } from '../errors.ts';

/** Exit codes are a contract (DESIGN.md): 0 passed, 1 not passed, 2 ungradable. */
export function exitCodeFor(report: { gradable: boolean; passed: boolean }): number {
  if (!report.gradable) return 2;
  return report.passed ? 0 : 1;
}

/** Writes next to the target then renames, so a reader never sees half a report. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (err) {
    throw new LabctlError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check that the folder exists and is writable');
  }
}

export function registerGrade(program: Command): void {
  program
    .command('grade')
    .description('grade a learner submission (a folder or .tar.gz with answers.yaml and tool captures)')
    .argument('<submission>', 'submission folder or .tar.gz')
    .option('--scenario <id>', 'scenario to grade against (default: from the manifest, else answers.yaml `scenario:`)')
    .option('--manifest <file>', 'lab-manifest.json written by `labctl lab inject` (wins over one in the submission)')
    .addOption(new Option('--format <format>', 'report format').choices([...REPORT_FORMATS]).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--evidence-only', 'grade the captures only, not the answers (readiness checks)')
    .addHelpText(
      'after',
      `
Exit status: 0 passed, 1 not passed, 2 ungradable (bad input; the report says why).

Examples:
  $ labctl grade scenarios/ghost-load/examples/correct
  $ labctl grade submission.tar.gz --manifest lab-manifest.json --format json
  $ labctl grade ./work --scenario fsync-latency --format junit --out junit.xml
  $ labctl grade ./work --format markdown >> "$GITHUB_STEP_SUMMARY"`,
    )
    .action(async (submission: string, opts: { scenario?: string; manifest?: string; format: ReportFormat; out?: string; evidenceOnly?: boolean }) => {
      const report = await gradeSubmission(submission, {
        scenario: opts.scenario,
        manifestPath: opts.manifest,
        evidenceOnly: opts.evidenceOnly,
      });
      const color = opts.format === 'text' && !opts.out && process.stdout.isTTY === true && !process.env.NO_COLOR;
      const text = renderReport(report, opts.format, { color });
      if (opts.out) await writeAtomically(opts.out, text);
      else process.stdout.write(text);
      process.exitCode = exitCodeFor(report);
    });
}
