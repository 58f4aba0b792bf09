import { join } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { formatProblem } from '../../grader/yaml-source.ts';
import { listScenarioIds, loadScenario, readScenarioDir, SCENARIOS_DIR } from '../../scenarios/load.ts';
import { checkExamples } from '../../scenarios/examples.ts';

export function registerScenarios(program: Command): void {
  const cmd = program.command('scenarios').description('list, show and validate the exercises in scenarios/');

  cmd
    .command('list')
    .description('list the scenarios')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const rows = listScenarioIds().map((id) => {
        const s = loadScenario(id);
        return { id, title: s.title, minutes: s.minutes, tools: s.tools, maxScore: s.checks.reduce((n, c) => n + c.points, 0) };
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) process.stdout.write(`${pc.bold(r.id.padEnd(15))} ${r.title}\n${' '.repeat(16)}${pc.dim(`${r.minutes} min · tools: ${r.tools.join(', ')} · ${r.maxScore} points`)}\n`);
    });

  cmd
    .command('show')
    .description('show a scenario: brief, facts, answers to give, checks and points')
    .argument('<id>')
    .option('--json', 'the validated scenario.yaml as JSON')
    .action((id: string, opts: { json?: boolean }) => {
      const s = loadScenario(id);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      const out: string[] = [pc.bold(`${s.id}: ${s.title}`), '', s.summary, '', pc.bold('Answers (answers.yaml):')];
      for (const [key, a] of Object.entries(s.answers)) out.push(`  ${key.padEnd(16)} ${a.description}`);
      out.push('', pc.bold('Checks:'));
      for (const c of s.checks) out.push(`  ${String(c.points).padStart(3)} pts  ${c.kind.padEnd(8)} ${c.id.padEnd(26)} ${c.title}${c.required ? pc.dim(' (required)') : ''}`);
      out.push('', pc.dim(`Pass mark: ${s.passPercent}% · learner brief: ${join(SCENARIOS_DIR, id, 'README.md')}`));
      process.stdout.write(`${out.join('\n')}\n`);
    });

  cmd
    .command('validate')
    .description('validate every scenario.yaml and grade every example submission against its expected.yaml')
    .argument('[ids...]', 'scenario ids (default: all)')
    .option('--no-examples', 'only validate the scenario files')
    .action(async (ids: string[], opts: { examples: boolean }) => {
      const targets = ids.length ? ids : listScenarioIds();
      let errors = 0;
      for (const id of targets) {
        const result = readScenarioDir(join(SCENARIOS_DIR, id));
        for (const p of result.errors) process.stdout.write(`${pc.red('error')}   ${formatProblem(p)}\n`);
        for (const p of result.warnings) process.stdout.write(`${pc.yellow('warning')} ${formatProblem(p)}\n`);
        errors += result.errors.length;
        if (!result.scenario || result.errors.length || !opts.examples) {
          if (result.scenario && !result.errors.length) process.stdout.write(`${pc.green('ok')}      ${id}\n`);
          continue;
        }
        const examples = await checkExamples(id);
        for (const ex of examples) {
          const mark = ex.ok ? pc.green('ok     ') : pc.red('error  ');
          process.stdout.write(`${mark} ${id}/examples/${ex.name}: ${ex.summary}\n`);
          if (!ex.ok) errors += 1;
        }
      }
      if (errors) process.exitCode = 2;
    });
}
