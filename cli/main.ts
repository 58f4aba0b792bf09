import { Command, CommanderError } from 'commander';
import pc from 'picocolors';

type Register = (program: Command) => void;

/**
 * Command groups load lazily: the classroom group pulls in CDKTF and the AWS provider bindings, which cost a
 * second of start-up that `labctl grade` should not pay. Help without a command still lists them all.
 */
const GROUPS: Record<string, () => Promise<Register>> = {
  inspect: async () => (await import('./commands/inspect.ts')).registerInspect,
  grade: async () => (await import('./commands/grade.ts')).registerGrade,
  scenarios: async () => (await import('./commands/scenarios.ts')).registerScenarios,
  lab: async () => (await import('./commands/lab.ts')).registerLab,
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
  classroom: async () => (await import('./commands/classroom.ts')).registerClassroom,
  submit: async () => (await import('./commands/submit.ts')).registerSubmit,
  hint: async () => (await import('./commands/learner.ts')).registerLearner,
  'self-check': async () => (await import('./commands/learner.ts')).registerLearner,
};

const program = new Command()
  .name('labctl')
  .description('eBPF performance labs: provision, inject incidents, grade what learners find.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

const first = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = first && first in GROUPS && first !== 'help' ? [GROUPS[first]] : [...new Set(Object.values(GROUPS))];
const registered = new Set<Register>();
for (const load of wanted) {
  const register = await load();
  // hint and self-check share one module: register it once
  if (!registered.has(register)) register(program);
  registered.add(register);
}

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
