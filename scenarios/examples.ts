import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { gradeSubmission } from '../grader/grade.ts';
import type { GradeReport } from '../grader/report/types.ts';
import { formatPath, formatProblem, parseYamlSource } from '../grader/yaml-source.ts';
import { SCENARIOS_DIR } from './load.ts';

/**
 * `scenarios/<id>/examples/expected.yaml`: what grading each example submission must give. It lives beside
 * the example folders, not inside them, so it is never mistaken for a capture.
 */
export const ExampleExpectationSchema = z
  .object({
    description: z.string().min(1),
    gradable: z.boolean(),
    passed: z.boolean(),
    score: z.number().min(0).optional(),
    /** every evidence check passes (a capture with the fault) or none of the required ones do (without it) */
    evidence: z.enum(['pass', 'fail']).optional(),
    /** exactly these checks do not pass */
    notPassing: z.array(z.string()).optional(),
  })
  .strict();
export const ExpectedFileSchema = z.record(z.string(), ExampleExpectationSchema);
export type ExampleExpectation = z.infer<typeof ExampleExpectationSchema>;

export interface ExampleResult {
  name: string;
  ok: boolean;
  summary: string;
  report?: GradeReport;
}

/** Compares a report with an expectation; returns the differences (empty = as expected). */
export function compareWithExpectation(report: GradeReport, want: ExampleExpectation): string[] {
  const diffs: string[] = [];
  if (report.gradable !== want.gradable) diffs.push(`gradable is ${report.gradable}, expected ${want.gradable}`);
  if (report.passed !== want.passed) diffs.push(`passed is ${report.passed}, expected ${want.passed}`);
  if (want.score !== undefined && report.score !== want.score) diffs.push(`score is ${report.score}, expected ${want.score}`);
  const evidence = report.checks.filter((c) => c.kind === 'evidence');
  if (want.evidence === 'pass' && evidence.some((c) => c.status !== 'pass')) {
    diffs.push(`evidence checks not passing: ${evidence.filter((c) => c.status !== 'pass').map((c) => c.id).join(', ')}`);
  }
  if (want.evidence === 'fail' && evidence.length && evidence.every((c) => c.status === 'pass')) diffs.push('every evidence check passes');
  if (want.notPassing) {
    const got = report.checks.filter((c) => c.status !== 'pass').map((c) => c.id).sort();
    const exp = [...want.notPassing].sort();
    if (got.join(',') !== exp.join(',')) diffs.push(`not passing: [${got.join(', ')}], expected [${exp.join(', ')}]`);
  }
  return diffs;
}

/** Reads examples/expected.yaml; problems name the file, line and field. */
export function readExpectations(id: string, root = SCENARIOS_DIR): { expected: Record<string, ExampleExpectation>; problems: string[] } {
  const file = join(root, id, 'examples', 'expected.yaml');
  if (!existsSync(file)) return { expected: {}, problems: [`${file}: missing (one entry per example folder)`] };
  const src = parseYamlSource(readFileSync(file, 'utf8'), file);
  if (src.problems.length) return { expected: {}, problems: src.problems.map(formatProblem) };
  const parsed = ExpectedFileSchema.safeParse(src.data);
  if (!parsed.success) {
    return {
      expected: {},
      problems: parsed.error.issues.map((i) => formatProblem({ file, line: src.lineOf(i.path), field: formatPath(i.path), message: i.message })),
    };
  }
  return { expected: parsed.data, problems: [] };
}

/** Grades every example submission of a scenario and compares it with examples/expected.yaml. */
export async function checkExamples(id: string, root = SCENARIOS_DIR): Promise<ExampleResult[]> {
  const dir = join(root, id, 'examples');
  const { expected, problems } = readExpectations(id, root);
  const results: ExampleResult[] = problems.map((p) => ({ name: 'expected.yaml', ok: false, summary: p }));
  const folders = existsSync(dir) ? readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).sort() : [];
  for (const name of folders) {
    const want = expected[name];
    if (!want) {
      results.push({ name, ok: false, summary: 'no entry in expected.yaml' });
      continue;
    }
    const report = await gradeSubmission(join(dir, name), { scenario: id });
    const diffs = compareWithExpectation(report, want);
    const got = report.gradable ? `${report.score}/${report.maxScore}, ${report.passed ? 'passed' : 'not passed'}` : 'ungradable';
    results.push({ name, ok: diffs.length === 0, summary: diffs.length ? `${got}: ${diffs.join('; ')}` : `${got} (${want.description})`, report });
  }
  for (const name of Object.keys(expected)) {
    if (!folders.includes(name)) results.push({ name, ok: false, summary: 'listed in expected.yaml but there is no such folder' });
  }
  return results;
}
