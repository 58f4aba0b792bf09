import { learnerKey, LEARNER_KEY_FILE } from '../../grader/provenance/key.ts';
import { assertStrongSecret } from '../../grader/provenance/secret.ts';
import { LabError } from '../errors.ts';
import type { LabHost } from '../host.ts';
import { shq } from '../shell.ts';
import { mustSucceed } from '../transport.ts';

/**
 * The class secret for deriving seeds and learner keys: `--secret`, else LABCTL_CLASS_SECRET (what
 * `grade --batch` reads), else LABCTL_CLASSROOM_SECRET (what single-host `lab inject` has always read).
 */
export function classSecretFrom(flag: string | undefined, env = process.env): string | undefined {
  const secret = flag || env.LABCTL_CLASS_SECRET || env.LABCTL_CLASSROOM_SECRET || undefined;
  if (secret) assertStrongSecret(secret, flag ? '--secret' : env.LABCTL_CLASS_SECRET ? 'LABCTL_CLASS_SECRET' : 'LABCTL_CLASSROOM_SECRET');
  return secret;
}

export function requireClassSecret(flag: string | undefined, what: string, env = process.env): string {
  const s = classSecretFrom(flag, env);
  if (!s) {
    throw new LabError(
      `${what} needs the class secret: each learner's seed and signing key are derived from it`,
      'pass --secret S or set LABCTL_CLASS_SECRET (keep it: grading with `labctl grade --batch` checks the bundles with the same secret)',
    );
  }
  return s;
}

/**
 * Writes `<state dir>/learner.key` (mode 0600) on the lab host: `labctl submit` signs the learner's bundle
 * with it, and the grader re-derives it from the class secret. Written to a temp file under umask 077 and
 * renamed, so the key is never readable by others, not even for a moment, and never half-written.
 */
export async function placeLearnerKey(host: LabHost, classSecret: string, learner: string): Promise<string> {
  const path = `${host.stateDir}/${LEARNER_KEY_FILE}`;
  const tmp = `${path}.tmp`;
  const res = await host.transport.run(`mkdir -p ${shq(host.stateDir)} && (umask 077 && cat > ${shq(tmp)}) && chmod 600 ${shq(tmp)} && mv -f ${shq(tmp)} ${shq(path)}`, {
    input: `${learnerKey(classSecret, learner)}\n`,
  });
  mustSucceed(res, `${host.transport.describe()}: writing the learner key ${path}`, 'is the state dir writable? (LABCTL_REMOTE_STATE_DIR / stateDir in the inventory)');
  return path;
}
