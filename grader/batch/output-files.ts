import { createHash } from 'node:crypto';

/**
 * Names of the batch's output files. A learner id or entry name is the learner's choice (any
 * length, any bytes), so it never becomes a file name as is: a short safe slug for people to read, plus a
 * hash of the exact text so two ids that slug alike never share a file.
 */

const SLUG_CHARS = 40;

/** `ana-ghost-load`-like readable part: ASCII letters, digits, `.`, `_`, `-`; never starts with a dot. */
export function slug(text: string, max = SLUG_CHARS): string {
  const s = text.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, max).replace(/[._-]+$/, '');
  return s || 'x';
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * The file stem of one submission's reports: `<learner slug>-<scenario slug>-<hash>`, at most ~100 bytes
 * whatever the input. The hash covers learner, scenario and entry, so each kept submission has its own
 * files; `used` breaks the (astronomically unlikely) tie.
 */
export function reportStem(learner: string, scenario: string, entry: string, used: Set<string>): string {
  const base = `${slug(learner)}-${slug(scenario, 20)}-${shortHash(`${learner}\0${scenario}\0${entry}`)}`;
  let stem = base;
  for (let n = 2; used.has(stem); n++) stem = `${base}-${n}`;
  used.add(stem);
  return stem;
}

