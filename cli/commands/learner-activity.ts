/**
 * What help a learner used, remembered on their lab host: the hint level reached (`labctl hint`) and how
 * many times they ran `labctl self-check`. `labctl submit` puts both in the signed provenance record, so
 * the instructor sees them in the gradebook and class report.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localStateDir } from '../../labs/paths.ts';

/** Where the hint level of each scenario is remembered: `<state dir>/hints/<scenario>.json`. */
export function hintStateFile(scenario: string, env = process.env): string {
  return join(localStateDir(env), 'hints', `${scenario}.json`);
}

/** Where self-check runs are counted: `<state dir>/self-checks/<scenario>.json`. */
export function selfCheckStateFile(scenario: string, env = process.env): string {
  return join(localStateDir(env), 'self-checks', `${scenario}.json`);
}

async function readCount(file: string, field: 'level' | 'count'): Promise<number> {
  try {
    const v = (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>)[field];
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
  } catch {
    return 0;
  }
}

/** Writes `{field: value}` atomically; returns why it could not, or null. */
export async function saveCount(file: string, field: 'level' | 'count', value: number): Promise<string | null> {
  try {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(`${file}.tmp`, `${JSON.stringify({ [field]: value }, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
    return null;
  } catch (err) {
    return `cannot remember it in ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

export const readHintLevel = (scenario: string, env = process.env) => readCount(hintStateFile(scenario, env), 'level');

/** Counts one more self-check; a host where the state dir is not writable still gets its self-check. */
export async function countSelfCheck(scenario: string, env = process.env): Promise<{ count: number; note?: string }> {
  const file = selfCheckStateFile(scenario, env);
  const count = (await readCount(file, 'count')) + 1;
  const note = await saveCount(file, 'count', count);
  return { count, ...(note ? { note: `self-check count: ${note}` } : {}) };
}

export async function readActivity(scenario: string, env = process.env): Promise<{ selfChecks: number; hints: number }> {
  return { selfChecks: await readCount(selfCheckStateFile(scenario, env), 'count'), hints: await readHintLevel(scenario, env) };
}
