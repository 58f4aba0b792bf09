import { randomBytes } from 'node:crypto';
import { LabctlError } from '../../core/errors.ts';

/**
 * The class secret derives every learner's variant (the answer key) and signing key: anyone who guesses it
 * can forge any learner's bundle and read every lab's facts. So it must be a real secret: at least
 * MIN_SECRET_BITS by a character-class estimate (length x log2 of the alphabets it draws from) and at least
 * 16 different characters. `labctl classroom secret` makes one (256 random bits, base64url).
 */
export const MIN_SECRET_BITS = 128;

/** Estimated strength in bits (an upper bound: a passphrase of words is weaker than its letters suggest). */
export function secretBits(secret: string): number {
  let alphabet = 0;
  if (/[a-z]/.test(secret)) alphabet += 26;
  if (/[A-Z]/.test(secret)) alphabet += 26;
  if (/[0-9]/.test(secret)) alphabet += 10;
  if (/[^A-Za-z0-9]/.test(secret)) alphabet += 33;
  return alphabet ? Math.floor([...secret].length * Math.log2(alphabet)) : 0;
}

/** Why the secret is too weak, or null when it is fine. */
export function weakSecretReason(secret: string): string | null {
  const bits = secretBits(secret);
  if (bits < MIN_SECRET_BITS) return `the class secret is too weak (~${bits} bits, ${[...secret].length} characters; at least ${MIN_SECRET_BITS} bits are needed)`;
  if (new Set(secret).size < 16) return `the class secret repeats itself (${new Set(secret).size} different characters; at least 16 are needed)`;
  return null;
}

/** Throws a user error (exit 2) naming where the weak secret came from. */
export function assertStrongSecret(secret: string, source: string): string {
  const why = weakSecretReason(secret);
  if (why) throw new LabctlError(`${source}: ${why}`, 'make one with `labctl classroom secret` and keep it for the whole course (inject and grading must use the same)');
  return secret;
}

/** A new class secret: 32 random bytes, base64url (43 characters, 256 bits). */
/** The class secret `grade` uses: `--secret`, else LABCTL_CLASS_SECRET; refused when weak, named by where it came from. */
export function gradingSecret(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const secret = flag ?? env.LABCTL_CLASS_SECRET ?? undefined;
  if (secret) assertStrongSecret(secret, flag ? '--secret' : 'LABCTL_CLASS_SECRET');
  return secret;
}

export function generateClassSecret(): string {
  return randomBytes(32).toString('base64url');
}
