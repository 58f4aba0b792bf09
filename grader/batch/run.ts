import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LabctlError } from '../../core/errors.ts';
import { formatProblem } from '../yaml-source.ts';
import { renderClassReport } from '../class-report/html.ts';
import { summarizeClass } from '../class-report/summary.ts';
import { renderReport } from '../report/index.ts';
import { loadScenario, listScenarioIds } from '../../scenarios/load.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { assembleBatch, type BatchOutcome } from './assemble.ts';
import { discoverSubmissions } from './discover.ts';
import { renderGradebook } from './gradebook.ts';
import { applyOverrides, describeEntry, type OverrideEntry, type OverridesOutcome } from './overrides.ts';
import { trackTempDir } from '../submission/temp-dirs.ts';
import { writeAtomic } from '../../core/write-atomic.ts';
import { reportStem } from './output-files.ts';
import { gradeAll } from './pool.ts';
import { answerKeysOf } from './review-groups.ts';
import { buildReviewQueue, renderReviewCsv, type ReviewQueue } from './review-queue.ts';
import type { RosterEntry } from './roster.ts';
import type { BatchTask, SubmissionResult } from './types.ts';

export interface BatchOptions {
  /** the folder of submissions */
  dir: string;
  outDir: string;
  roster?: RosterEntry[];
  classSecret?: string;
  /** grade every submission against this scenario (default: each one's manifest / answers) */
  scenario?: string;
  requireDerivedSeed?: boolean;
  jobs?: number;
  /** the class name for the class report's title (--class, the roster or the inventory) */
  title?: string;
  /** a person's decisions (grades/overrides.yaml), applied to every report before anything is written */
  overrides?: OverrideEntry[];
  onResult?: (r: SubmissionResult, done: number, total: number) => void;
}

export interface BatchRun {
  results: SubmissionResult[];
  outcome: BatchOutcome;
  files: { gradebook: string; classReport: string; summary: string; review: string; reports: string[] };
  review: ReviewQueue;
  overrides: Omit<OverridesOutcome, 'problems'>;
  /** 0 clean; 1 graded but something needs attention (provenance, roster, duplicates); 2 any submission ungradable */
  exitCode: number;
  seconds: number;
}

function scenariosById(): Record<string, Scenario> {
  const out: Record<string, Scenario> = {};
  for (const id of listScenarioIds()) {
    try {
      out[id] = loadScenario(id);
    } catch {
      // a broken scenario makes its submissions ungradable, with the reason in their reports
    }
  }
  return out;
}

export function batchExitCode(outcome: BatchOutcome): number {
  if (outcome.rows.some((r) => r.status === 'ungradable')) return 2;
  return outcome.problems.some((p) => p.kind !== 'unsigned' && p.kind !== 'ignored') ? 1 : 0;
}

/**
 * `labctl grade --batch`: grades every submission of a folder on worker threads and writes
 * gradebook.csv, reports/<learner>-<scenario>.{json,md}, class-report.html and batch-summary.json
 * into the output folder. A broken submission is a row with its reason, never the end of the batch.
 */
export async function runBatch(opts: BatchOptions): Promise<BatchRun> {
  const started = performance.now();
  const outDir = resolve(opts.outDir);
  const found = await discoverSubmissions(opts.dir, [outDir]);
  if (opts.scenario) loadScenario(opts.scenario);
  // every extraction (worker threads too) goes under one folder this thread removes, even on Ctrl-C
  const tmpRoot = await mkdtemp(join(tmpdir(), 'labctl-batch-'));
  const untrack = trackTempDir(tmpRoot);
  const tasks: BatchTask[] = found.entries.map((e, id) => ({
    id,
    path: e.path,
    entry: e.name,
    tmpRoot,
    ...(opts.scenario ? { scenario: opts.scenario } : {}),
    ...(opts.classSecret ? { classSecret: opts.classSecret } : {}),
    ...(opts.requireDerivedSeed === false ? { requireDerivedSeed: false } : {}),
  }));
  let results: SubmissionResult[];
  try {
    results = await gradeAll(tasks, { jobs: opts.jobs, onResult: opts.onResult });
  } finally {
    await rm(tmpRoot, { recursive: true, force: true });
    untrack();
  }
  const scenarios = scenariosById();
  const keyOf = answerKeysOf(scenarios);
  const decided = applyOverrides(results.map((r) => ({ report: r.report, answers: r.answers, keyOf })), opts.overrides ?? []);
  if (decided.problems.length) {
    throw new LabctlError(`overrides cannot be applied, nothing was written:\n${decided.problems.map(formatProblem).join('\n')}`, 'fix the entries named above and run the batch again');
  }
  const outcome = assembleBatch(results, {
    roster: opts.roster,
    scenarios: opts.scenario ? [opts.scenario] : undefined,
    expectSigned: Boolean(opts.classSecret),
    ignored: found.ignored,
  });

  try {
    await mkdir(join(outDir, 'reports'), { recursive: true });
  } catch (err) {
    throw new LabctlError(`cannot create ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass --out-dir with a writable folder');
  }
  const reports: string[] = [];
  const reportOf = new Map<number, string>();
  const used = new Set<string>();
  for (const row of outcome.rows) {
    if (row.result === undefined) continue;
    const r = results[row.result];
    const stem = reportStem(r.learner, r.scenario, r.entry, used);
    // one learner's report that cannot be rendered or written is that learner's problem, not the class's
    try {
      await writeAtomic(join(outDir, 'reports', `${stem}.json`), renderReport(r.report, 'json'));
      await writeAtomic(join(outDir, 'reports', `${stem}.md`), renderReport(r.report, 'markdown'));
      reports.push(`reports/${stem}.json`, `reports/${stem}.md`);
      reportOf.set(row.result, `reports/${stem}.md`);
    } catch (err) {
      const why = `report not written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      row.message = row.message ? `${row.message}; ${why}` : why;
      outcome.problems.push({ kind: 'ungradable', learner: r.learner, scenario: r.scenario, file: r.entry, message: why });
    }
  }
  const gradebook = join(outDir, 'gradebook.csv');
  await writeAtomic(gradebook, renderGradebook(outcome.rows));
  const review = buildReviewQueue(results, outcome.rows.flatMap((r) => (r.result === undefined ? [] : [r.result])), (i) => reportOf.get(i), keyOf);
  const reviewFile = join(outDir, 'review.csv');
  await writeAtomic(reviewFile, renderReviewCsv(review));
  const summary = summarizeClass(results, outcome, scenarios, opts.title ? `Class report: ${opts.title}` : 'Class report', { review, reportOf: (i) => reportOf.get(i) });
  const classReport = join(outDir, 'class-report.html');
  let html: string;
  try {
    html = renderClassReport(summary);
  } catch (err) {
    // the gradebook is already written; the class report says why it is missing rather than not existing
    const esc = (t: string) => t.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
    html = `<!doctype html><meta charset="utf-8"><title>Class report</title><p>The class report could not be drawn: ${esc((err as Error).message)}. The gradebook (gradebook.csv) and per-learner reports are complete.</p>\n`;
  }
  await writeAtomic(classReport, html);
  const summaryFile = join(outDir, 'batch-summary.json');
  const exitCode = batchExitCode(outcome);
  await writeAtomic(
    summaryFile,
    `${JSON.stringify(
      {
        exitCode,
        totals: summary.totals,
        problems: outcome.problems,
        superseded: outcome.superseded,
        review: { items: review.items.length, pending: review.items.filter((i) => !i.decided).length, groups: review.groups.length },
        overrides: { applied: decided.applied.length, unused: decided.unused.map(describeEntry) },
        rows: outcome.rows.map(({ result: _r, ...row }) => row),
      },
      null,
      2,
    )}\n`,
  );
  const overrides = { applied: decided.applied, unused: decided.unused };
  return { results, outcome, files: { gradebook, classReport, summary: summaryFile, review: reviewFile, reports }, review, overrides, exitCode, seconds: (performance.now() - started) / 1000 };
}
