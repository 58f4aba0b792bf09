import { CommanderError } from 'commander';
import pc from 'picocolors';
import { safeMultiline } from '../core/sanitize.ts';
import { runCommandEnd } from '../core/command-end.ts';
import { listGroups, newProgram, registerGroups, wantedGroup } from './groups.ts';

/** Errors meant for users carry a `hint` and/or an `exitCode`; anything else is a bug and shows its stack. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  const e = err as { message?: string; hint?: string; exitCode?: number; stack?: string; name?: string };
  const userFacing = typeof e?.exitCode === 'number' || typeof e?.hint === 'string' || e?.name === 'ParseError';
  // messages quote file names and ids that learners chose: shown escaped, never acted on by the terminal
  process.stderr.write(`${pc.red('error:')} ${safeMultiline(e?.message ?? String(err))}\n`);
  if (e?.hint) process.stderr.write(`${pc.dim('hint:')} ${safeMultiline(e.hint)}\n`);
  if (!userFacing && e?.stack) process.stderr.write(pc.dim(`${e.stack}\n(this is a bug in labctl, please report it)\n`));
  return typeof e?.exitCode === 'number' ? e.exitCode : 2;
}

async function main(argv: string[]): Promise<void> {
  const program = newProgram();
  const group = wantedGroup(argv.slice(2));
  if (group) await registerGroups(program, [group]);
  else listGroups(program);
  await program.parseAsync(argv);
}

/** Runs one command line (`argv` as process.argv: node, script, args...) and sets process.exitCode. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await main(argv);
  } catch (err) {
    process.exitCode = report(err);
  } finally {
    await runCommandEnd();
  }
}
