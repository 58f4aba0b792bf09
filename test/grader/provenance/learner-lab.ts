import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabManifest } from '../../../grader/manifest.ts';
import { deriveSeed, variantFacts } from '../../../scenarios/variants.ts';

/**
 * Test helper: a learner's work folder as `labctl lab inject` + the learner would leave it. The captures
 * are real ones recorded on this machine (test/fixtures/captures), with the recorded workload's names
 * replaced by the learner's variant names, so they look exactly like captures from that learner's lab.
 */

export const CAPTURES = fileURLToPath(new URL('../../fixtures/captures/', import.meta.url));

export function manifestFor(secret: string, learner: string, scenario: 'ghost-load' | 'offcpu-lock' | 'fsync-latency'): LabManifest {
  const seed = deriveSeed(secret, learner, scenario);
  return {
    scenario,
    seed,
    learner,
    host: `lab-${learner}`,
    createdAt: '2026-11-25T09:00:00.000Z',
    expiresAt: '2026-11-25T10:30:00.000Z',
    facts: variantFacts(scenario, seed),
  };
}

/** The recorded curl loop polled http://127.0.0.1:18080/health; the learner's lab polls its own URL. */
export async function execsnoopFor(manifest: LabManifest): Promise<string> {
  const text = await readFile(join(CAPTURES, 'execsnoop-libbpf-t-curlloop.txt'), 'utf8');
  return text.replaceAll('http://127.0.0.1:18080/health', String(manifest.facts.url));
}

/** The recorded service was `ledgerd` with `update_ledger`; the learner's is named by the manifest. */
export async function offcputimeFor(manifest: LabManifest): Promise<string> {
  const text = await readFile(join(CAPTURES, 'offcputime-libbpf-mutex.txt'), 'utf8');
  return text.replaceAll('ledgerd', String(manifest.facts.process_comm)).replaceAll('update_ledger', String(manifest.facts.hot_function));
}

export const GHOST_ANSWERS = (m: LabManifest) =>
  [
    'culprit_command: curl',
    `parent_process: ${m.facts.parent_comm}`,
    'rate_per_second: 5',
    'root_cause: a loop spawns short-lived curl processes over and over; top samples and never shows them',
    'fix: add a sleep interval to the loop or use a keep-alive http client in one process',
    '',
  ].join('\n');

/** Writes a ghost-load work folder (answers.yaml, execsnoop.txt) and the lab manifest beside it; returns both paths. */
export async function ghostLoadWork(root: string, manifest: LabManifest, captureFrom: LabManifest = manifest): Promise<{ dir: string; manifestPath: string }> {
  const dir = join(root, `work-${manifest.learner}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'answers.yaml'), GHOST_ANSWERS(manifest));
  await writeFile(join(dir, 'execsnoop.txt'), await execsnoopFor(captureFrom));
  const manifestPath = join(root, `manifest-${manifest.learner}.json`);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, manifestPath };
}
