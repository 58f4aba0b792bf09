import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startupSnapshot } from 'node:v8';
import { ROOT, staleBundle } from '../core/build-state.mjs';
import { SCENARIOS_DIR } from '../scenarios/load.ts';
import { runCli } from './run.ts';

/**
 * The entry of `labctl grade`'s start-up snapshot (scripts/snapshot.mjs). `node --build-snapshot` runs it once
 * at install and node saves the heap it leaves: the grader's modules evaluated, the English language model
 * loaded (~0.3 s of a grade's start otherwise), and the code a grade runs already compiled, because every
 * example submission is graded once here (into a scratch folder, thrown away). What that leaves in the
 * grader's caches is what any grade would put there: readings of texts, compiled scenario phrases, scenarios
 * checked against their files' times. bin/labctl then starts `node --snapshot-blob` with the checkout's root
 * and the command line, and the main function below runs the command.
 *
 * What was true at build time and may not be now is checked at each start: the checkout must be where it was
 * built (module paths were fixed then) and its sources no newer than the build. Otherwise the command runs
 * as bin/labctl.js would run it, in a child process: slower, same result.
 */

async function gradeExamples(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'labctl-snapshot-warm-'));
  try {
    for (const id of readdirSync(SCENARIOS_DIR)) {
      const examples = join(SCENARIOS_DIR, id, 'examples');
      if (!existsSync(join(SCENARIOS_DIR, id, 'scenario.yaml')) || !existsSync(examples)) continue;
      for (const ex of readdirSync(examples)) {
        if (!statSync(join(examples, ex)).isDirectory()) continue;
        for (const format of ['text', 'json']) {
          await runCli([process.execPath, 'labctl', 'grade', join(examples, ex), '--format', format, '--out', join(scratch, `${id}-${ex}.${format}`)]);
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    process.exitCode = undefined;
  }
}

function fallback(root: string, args: string[], why: string): void {
  if (process.env.LABCTL_DEBUG) process.stderr.write(`labctl: not starting from the snapshot: ${why}\n`);
  // required here, not above: node's snapshot builder does not vouch for child_process in the saved heap
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(process.execPath, [join(root, 'bin', 'labctl.js'), ...args], { stdio: 'inherit' });
  if (r.error) throw r.error;
  process.exitCode = r.status ?? 1;
}

const sameDir = (a: string, b: string): boolean => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

// node saves the heap once this has finished (it runs the event loop until nothing is left to do)
void gradeExamples();

/** The build this blob belongs to: `<dist>/snapshot/labctl.blob`. */
function distOfBlob(): string | undefined {
  const at = process.execArgv.findIndex((a) => a === '--snapshot-blob' || a.startsWith('--snapshot-blob='));
  const blob = at < 0 ? undefined : process.execArgv[at].includes('=') ? process.execArgv[at].split('=')[1] : process.execArgv[at + 1];
  return blob ? dirname(dirname(resolve(blob))) : undefined;
}

startupSnapshot.setDeserializeMainFunction(() => {
  const [, root = '', ...args] = process.argv;
  if (!sameDir(root, ROOT)) return fallback(root, args, `built for ${ROOT}, run from ${root}`);
  const stale = staleBundle(distOfBlob());
  if (stale) return fallback(root, args, stale);
  if (process.env.LABCTL_DEBUG) process.stderr.write('labctl: starting from the snapshot\n');
  return runCli([process.argv[0], 'labctl', ...args]);
});
