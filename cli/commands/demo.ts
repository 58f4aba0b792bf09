import type { Command } from 'commander';
import pc from 'picocolors';
import { renderReport } from '../../grader/report/index.ts';
import { runDemo } from '../../labs/demo.ts';
import { parseDuration } from '../../labs/duration.ts';
import { assertScenarioId } from '../../scenarios/variants.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the full loop on this machine: inject each fault, capture with the tools that work here, grade, stop')
    .option('--duration <duration>', 'how long each tool traces', '5s')
    .option('--scenario <id...>', 'only these scenarios')
    .option('--no-setup', 'do not install missing eBPF tools first (as root, demo runs `labctl lab setup` when tools are missing)')
    .addHelpText('after', '\nWithout root or BPF it grades the bundled example submissions instead, and says why.\n\n  $ sudo npx labctl demo')
    .action(async (o: { duration: string; scenario?: string[]; setup: boolean }) => {
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      const out = (s: string) => process.stdout.write(`${s}\n`);
      const result = await runDemo({
        durationSec: parseDuration(o.duration, '--duration'),
        scenarios: o.scenario?.map(assertScenarioId),
        setup: o.setup,
        onSetup: (why) => out(pc.yellow(`${why}: installing the eBPF tools first (labctl lab setup)...`)),
        onScenario: (id, mode) => out(pc.bold(`\n== ${id} ${mode === 'live' ? '(inject, capture, grade, stop)' : '(bundled examples)'}`)),
        onOutcome: (r) => {
          if (r.mode === 'live' && r.check) {
            out(`captured: ${r.check.capture.runs.map((c) => c.command.split(' ')[0].split('/').pop()).join(', ')}${r.check.capture.skipped.length ? pc.dim(` (not here: ${r.check.capture.skipped.map((s) => s.tool).join(', ')})`) : ''}`);
            out(renderReport(r.check.report, 'text', { color }));
          } else if (r.mode === 'examples') {
            for (const e of r.examples) out(`${e.ok ? pc.green('✔') : pc.red('✖')} ${e.name}: ${e.summary}`);
          }
          if (r.error) out(`${pc.red('error:')} ${r.error}`);
        },
      });
      if (result.mode === 'examples') out(pc.yellow(`\nNo live faults: ${result.reason}. Graded the bundled examples instead.`));
      out(pc.bold('\nSummary'));
      for (const r of result.outcomes) {
        const what =
          r.mode === 'live'
            ? r.check
              ? `${r.check.evidence.filter((c) => c.status === 'pass').length}/${r.check.evidence.length} evidence checks pass${r.ok ? ': fault found and graded' : ''}`
              : r.error ?? ''
            : `${r.examples.filter((e) => e.ok).length}/${r.examples.length} examples grade as expected${r.error ? ` (${r.error})` : ''}`;
        out(`  ${r.ok ? pc.green('✔') : pc.red('✖')} ${r.scenario.padEnd(14)} ${what}`);
      }
      process.exitCode = result.outcomes.every((r) => r.ok) ? 0 : 1;
    });
}
