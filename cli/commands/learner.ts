/**
 * Learner commands: `labctl hint ID` (progressive hints) and `labctl self-check ID` (grade the work so
 * far without giving answers away). Both run on the learner's lab host.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { gradeSubmission } from '../../grader/grade.ts';
import { MANIFEST_FILE } from '../../grader/manifest.ts';
import { lookupLabFile } from '../../grader/provenance/lab-files.ts';
import type { GradeReport } from '../../grader/report/types.ts';
import { localStateDir } from '../../labs/paths.ts';
import { loadScenario } from '../../scenarios/load.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { assertScenarioId } from '../../scenarios/variants.ts';
import { LabctlError } from '../../core/errors.ts';
import { exitCodeFor } from './grade.ts';

/** Where the hint level of each scenario is remembered: `<state dir>/hints/<scenario>.json`. */
export function hintStateFile(scenario: string, env = process.env): string {
  return join(localStateDir(env), 'hints', `${scenario}.json`);
}

async function readHintLevel(file: string): Promise<number> {
  try {
    const level = (JSON.parse(await readFile(file, 'utf8')) as { level?: unknown }).level;
    return typeof level === 'number' && Number.isInteger(level) && level >= 0 ? level : 0;
  } catch {
    return 0;
  }
}

/** Saves the level reached; a host where the state dir is not writable still gets its hint. */
async function saveHintLevel(file: string, level: number): Promise<string | null> {
  try {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(`${file}.tmp`, `${JSON.stringify({ level }, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
    return null;
  } catch (err) {
    return `cannot remember the hint level in ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

export interface HintResult {
  level: number;
  total: number;
  text: string;
  note?: string;
}

/** The next hint (or hint `level`, 1-based), remembering how far the learner got. */
export async function nextHint(scenario: Scenario, opts: { level?: number; reset?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<HintResult> {
  const hints = scenario.hints;
  if (!hints.length) throw new LabctlError(`${scenario.id} has no hints`, `read the brief: scenarios/${scenario.id}/README.md`);
  const file = hintStateFile(scenario.id, opts.env);
  if (opts.level !== undefined && (!Number.isInteger(opts.level) || opts.level < 1 || opts.level > hints.length)) {
    throw new LabctlError(`--level ${opts.level}: ${scenario.id} has hints 1 to ${hints.length}`, `labctl hint ${scenario.id} --level 1`);
  }
  const reached = opts.reset ? 0 : await readHintLevel(file);
  const level = opts.level ?? Math.min(reached + 1, hints.length);
  // the level shown is the level reached: `--level 1` after hint 3 makes the next call show hint 2
  const note = await saveHintLevel(file, level);
  return { level, total: hints.length, text: hints[level - 1], ...(note ? { note } : {}) };
}

async function selfCheckManifest(scenario: string, dir: string, explicit?: string): Promise<{ path?: string; note?: string }> {
  if (explicit) return { path: explicit };
  const found = await lookupLabFile(scenario, MANIFEST_FILE);
  if (found.path) return { path: found.path };
  const inDir = await readFile(join(dir, MANIFEST_FILE)).then(() => true, () => false);
  if (inDir) return {};
  return { note: `no lab manifest found (looked in ${found.tried.join(', ')}): checked against the scenario's default variant, so names from your own lab may show as wrong` };
}

const ICON: Record<string, string> = { pass: pc.green('✔'), partial: pc.yellow('◐'), fail: pc.red('✘') };

/**
 * What self-check prints: per check only its title, status, points and the scenario's hint. The
 * grader's messages are left out on purpose: an answer check's message can quote the learner's own
 * evidence against them, which points straight at the expected value.
 */
export function renderSelfCheck(report: GradeReport, scenario: Scenario, extraNotes: string[] = [], color = false): string {
  const c = color ? pc : { green: (s: string) => s, red: (s: string) => s, yellow: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s };
  const icon = (s: string) => (color ? ICON[s] : s === 'pass' ? '[pass]' : s === 'partial' ? '[part]' : '[fail]');
  const lines: string[] = [c.bold(`self-check: ${scenario.title}`)];
  for (const n of extraNotes) lines.push(c.yellow(`note: ${n}`));
  if (!report.gradable) {
    lines.push(c.red('not gradable yet:'));
    for (const n of report.notes ?? []) lines.push(`  ${n}`);
    return `${lines.join('\n')}\n`;
  }
  for (const check of report.checks) {
    const def = scenario.checks.find((d) => d.id === check.id);
    lines.push(`${icon(check.status)} ${def?.title ?? check.id} ${c.dim(`(${check.points}/${check.maxPoints}, ${check.kind})`)}`);
    if (check.status !== 'pass' && def?.hint) lines.push(c.dim(`    hint: ${def.hint}`));
  }
  for (const n of report.notes ?? []) lines.push(c.dim(`note: ${n}`));
  lines.push(`${report.passed ? c.green('would pass') : c.red('would not pass yet')}: ${report.score}/${report.maxScore} (pass mark ${scenario.passPercent}%)`);
  return `${lines.join('\n')}\n`;
}

export function registerLearner(program: Command): void {
  program
    .command('hint')
    .description('show the next hint for a scenario (each call shows the next, gentlest first)')
    .argument('<scenario>', 'scenario id, e.g. ghost-load')
    .option('--level <n>', 'show hint N (1 = gentlest)')
    .option('--reset', 'start again from the first hint')
    .action(async (id: string, opts: { level?: string; reset?: boolean }) => {
      const scenario = loadScenario(assertScenarioId(id));
      const level = opts.level === undefined ? undefined : Number(opts.level);
      const h = await nextHint(scenario, { level, reset: opts.reset });
      process.stdout.write(`hint ${h.level}/${h.total}: ${h.text}\n`);
      if (h.level < h.total && opts.level === undefined) process.stdout.write(pc.dim(`(run \`labctl hint ${id}\` again for the next one)\n`));
      if (h.note) process.stderr.write(`${pc.yellow('note:')} ${h.note}\n`);
    });

  program
    .command('self-check')
    .description('check your work so far against your lab, without revealing the expected answers')
    .argument('<scenario>', 'scenario id, e.g. ghost-load')
    .option('--dir <dir>', 'folder holding answers.yaml and your captures', '.')
    .option('--manifest <file>', "lab manifest (default: your lab host's)")
    .addHelpText('after', '\nExit status: 0 would pass, 1 would not pass yet, 2 not gradable yet (the output says what is missing).')
    .action(async (id: string, opts: { dir: string; manifest?: string }) => {
      const scenario = loadScenario(assertScenarioId(id));
      const m = await selfCheckManifest(scenario.id, opts.dir, opts.manifest);
      const report = await gradeSubmission(opts.dir, { scenario: scenario.id, manifestPath: m.path });
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      process.stdout.write(renderSelfCheck(report, scenario, m.note ? [m.note] : [], color));
      process.exitCode = exitCodeFor(report);
    });
}
