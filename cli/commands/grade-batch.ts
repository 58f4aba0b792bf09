/**
 * `labctl grade --batch DIR`: the instructor side of grading, kept out of grade.ts so the single-grade
 * command stays small. grade.ts calls {@link gradeBatchCommand} when --batch is given.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import pc from 'picocolors';
import { describeEntry, readOverrides } from '../../grader/batch/overrides.ts';
import { runBatch } from '../../grader/batch/run.ts';
import { loadInventory } from '../../labs/fanout/inventory.ts';
import { parseYamlSource } from '../../grader/yaml-source.ts';
import { readRoster } from '../../grader/batch/roster.ts';
import { defaultJobs } from '../../grader/batch/pool.ts';
import { LabctlError } from '../../core/errors.ts';
import { safeText } from '../../core/sanitize.ts';
import { gradingSecret } from '../../grader/provenance/secret.ts';

export interface BatchFlags {
  batch: string;
  roster?: string;
  secret?: string;
  outDir?: string;
  jobs?: string;
  scenario?: string;
  anySeed?: boolean;
  overrides?: string;
  class?: string;
  inventory?: string;
}

/** The class name for the report title: --class, else the inventory's class, else a roster YAML's `class:`. */
async function className(flags: BatchFlags): Promise<string | undefined> {
  if (flags.class?.trim()) return flags.class.trim();
  if (flags.inventory) return (await loadInventory(flags.inventory)).class;
  if (flags.roster && /\.ya?ml$/i.test(flags.roster)) {
    const data = parseYamlSource(await readFile(flags.roster, 'utf8').catch(() => ''), flags.roster).data as { class?: unknown } | null;
    if (data && typeof data === 'object' && !Array.isArray(data) && typeof data.class === 'string' && data.class.trim()) return data.class.trim();
  }
  return undefined;
}

export { BATCH_HELP } from './grade-batch-help.ts';

export async function gradeBatchCommand(flags: BatchFlags, submission: string | undefined): Promise<number> {
  if (submission) throw new LabctlError(`pass either a submission (${submission}) or --batch DIR, not both`, 'labctl grade --batch DIR grades every submission in DIR');
  // Without --jobs the pool decides: one thread with several in flight for small batches, workers for large ones.
  let jobs: number | undefined;
  if (flags.jobs !== undefined) {
    jobs = Number(flags.jobs);
    if (!Number.isInteger(jobs) || jobs < 0 || jobs > 256) throw new LabctlError(`--jobs ${flags.jobs}: expected a whole number from 0 to 256`, `0 grades one at a time in the main thread; N uses N worker threads; the default picks (workers from 400 submissions, one per core: ${defaultJobs()})`);
  }
  const roster = flags.roster ? await readRoster(flags.roster) : undefined;
  const classSecret = gradingSecret(flags.secret);
  const outDir = flags.outDir ?? 'grades';
  const overridesFile = flags.overrides ?? join(outDir, 'overrides.yaml');
  const overrides = await readOverrides(overridesFile, { mustExist: flags.overrides !== undefined });
  const title = await className(flags);
  const tty = process.stderr.isTTY === true && !process.env.CI;
  const run = await runBatch({
    dir: flags.batch,
    outDir,
    roster,
    classSecret: classSecret || undefined,
    scenario: flags.scenario,
    requireDerivedSeed: !flags.anySeed,
    jobs,
    overrides,
    ...(title ? { title } : {}),
    onResult: (r, done, total) => {
      // entry names are the learners' choice: never raw to the terminal (ESC, CR could rewrite the screen)
      const line = `[${done}/${total}] ${safeText(r.entry)}: ${r.report.gradable ? `${r.report.score}/${r.report.maxScore}` : 'ungradable'} (${r.provenance.status})`;
      if (tty) process.stderr.write(`\r\x1b[K${line}${done === total ? '\n' : ''}`);
      else process.stderr.write(`${line}\n`);
    },
  });
  const t = run.outcome;
  const graded = t.rows.filter((r) => r.status === 'graded').length;
  const out = process.stdout;
  const c = out.isTTY && !process.env.NO_COLOR ? pc : { red: (s: string) => s, yellow: (s: string) => s, green: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s };
  const unverified = t.rows.filter((r) => r.status === 'unverified').length;
  out.write(`${c.bold('batch')}: ${run.results.length} submission(s) in ${run.seconds.toFixed(1)} s${jobs === undefined ? '' : ` on ${jobs || 'no'} worker(s)`}; ${graded} graded, ${unverified ? `${unverified} unverified, ` : ''}${t.rows.filter((r) => r.status === 'ungradable').length} ungradable, ${t.rows.filter((r) => r.status === 'missing').length} missing\n`);
  if (!classSecret) out.write(c.dim('no class secret (--secret or LABCTL_CLASS_SECRET): bundle HMACs were not checked\n'));
  for (const p of t.problems) {
    const colour = p.kind === 'tampered' || p.kind === 'wrong-learner' || p.kind === 'conflict' || p.kind === 'ungradable' ? c.red : p.kind === 'unsigned' || p.kind === 'ignored' ? c.dim : c.yellow;
    const who = safeText([p.learner, p.scenario].filter(Boolean).join('/'));
    out.write(`  ${colour(p.kind.padEnd(13))} ${who}${p.file ? ` ${c.dim(safeText(p.file))}` : ''}: ${safeText(p.message)}\n`);
  }
  const rel = (f: string) => relative(process.cwd(), f) || f;
  if (overrides.length) out.write(`overrides: ${run.overrides.applied.length} check(s) decided by ${rel(overridesFile)}\n`);
  for (const e of run.overrides.unused) out.write(`  ${c.yellow('unused'.padEnd(13))} ${describeEntry({ ...e, file: rel(e.file) })}: matched no submission\n`);
  const pending = run.review.items.filter((i) => !i.decided).length;
  if (run.review.items.length) out.write(`review: ${pending} answer(s) pending in ${run.review.groups.filter((g) => !g.decided).length} group(s), listed in ${rel(run.files.review)}; decide them in ${rel(overridesFile)}\n`);
  out.write(`gradebook: ${rel(run.files.gradebook)}\nclass report: ${rel(run.files.classReport)}\nreports: ${run.files.reports.length / 2} learner report(s) in ${rel(run.files.gradebook.replace(/gradebook\.csv$/, 'reports'))}\n`);
  return run.exitCode;
}
