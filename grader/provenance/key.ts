import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the per-learner key file that `labctl lab inject` leaves in the lab state dir (mode 0600). */
export const LEARNER_KEY_FILE = 'learner.key';

const KEY_DOMAIN = 'ebpf-classroom/learner-key\0';

/**
 * The per-learner signing key: HMAC-SHA256(classSecret, "ebpf-classroom/learner-key\0" + learnerId), hex.
 * The domain prefix keeps it apart from the variant seed, which hashes the same secret and learner id;
 * holding one learner's key tells nothing about another's or about the class secret.
 */
export function learnerKey(classSecret: string, learnerId: string): string {
  if (!classSecret) throw new Error('cannot derive a learner key: the class secret is empty');
  if (!learnerId) throw new Error('cannot derive a learner key: the learner id is empty');
  if (learnerId.includes('\0')) throw new Error('cannot derive a learner key: the learner id contains a NUL byte');
  return createHmac('sha256', classSecret).update(KEY_DOMAIN + learnerId).digest('hex');
}

/** HMAC-SHA256 keyed by the learner key (its hex text, as written in learner.key), hex. */
export function hmacHex(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Constant-time comparison of two hex digests (different lengths are simply unequal). */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A learner.key file holds the hex key and maybe a newline; anything else is not a key. */
export function parseLearnerKeyText(text: string): string | null {
  const key = text.trim();
  return /^[0-9a-f]{64}$/.test(key) ? key : null;
}
