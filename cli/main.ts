import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { registerInspect } from './commands/inspect.ts';
import { registerGrade } from './commands/grade.ts';
import { registerScenarios } from './commands/scenarios.ts';
import { registerLab } from './commands/lab.ts';
import { registerDemo } from './commands/demo.ts';
import { registerClassroom } from './commands/classroom.ts';
import { registerSubmit } from './commands/submit.ts';
import { registerLearner } from './commands/learner.ts';

const program = new Command()
  .name('labctl')
  .description('eBPF performance labs: provision, inject incidents, grade what learners find.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerInspect(program);
registerGrade(program);
registerScenarios(program);
registerLab(program);
registerDemo(program);
registerClassroom(program);
registerSubmit(program);
registerLearner(program);

/** Errors meant for users carry a `hint` and/or an `exitCode`; anything else is a bug and shows its stack. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  const e = err as { message?: string; hint?: string; exitCode?: number; stack?: string; name?: string };
  const userFacing = typeof e?.exitCode === 'number' || typeof e?.hint === 'string' || e?.name === 'ParseError';
  process.stderr.write(`${pc.red('error:')} ${e?.message ?? String(err)}\n`);
  if (e?.hint) process.stderr.write(`${pc.dim('hint:')} ${e.hint}\n`);
  if (!userFacing && e?.stack) process.stderr.write(pc.dim(`${e.stack}\n(this is a bug in labctl, please report it)\n`));
  return typeof e?.exitCode === 'number' ? e.exitCode : 2;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}
