import { createHash, randomBytes } from 'node:crypto';
import type { Scenario } from '../scenarios/schema.ts';
import type { FactValue, LabManifest } from './manifest.ts';

/**
 * What a lab host may keep instead of the plaintext answer key: a sealed manifest. Facts that vary per
 * learner (script, URL, service, function, file, thread count) are stored only as salted hashes of their
 * normalised text, so self-check can ask "is this the name?" about a name the learner already has in hand
 * (from their capture or their answer) without the file naming it. Facts every lab shares (the culprit
 * `curl`, `min_rate_per_sec`, the file system) tell nothing about this lab and stay readable: self-check
 * needs the thresholds to judge the captures. No seed: with the (public) variant code the seed would
 * give every fact back. Pure, apart from the random salt.
 */

export interface SealedManifest {
  scenario: string;
  learner?: string;
  host?: string;
  createdAt: string;
  expiresAt: string;
  /** facts shared by every lab of the scenario, in the clear */
  shared: Record<string, FactValue>;
  sealed: { salt: string; facts: Record<string, string> };
}

/** How names are compared: case, surrounding space, a path or URL scheme and trailing slashes do not matter. */
export function normaliseFactText(fact: string, value: string): string {
  let v = value.trim().toLowerCase();
  if (fact === 'url') v = v.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
  else if (fact === 'file_name' || fact === 'parent_comm' || fact === 'process_comm') v = v.split('/').filter(Boolean).pop() ?? v;
  return v;
}

const seal = (salt: string, fact: string, value: string) => createHash('sha256').update(`${salt}\0${fact}\0${normaliseFactText(fact, value)}`).digest('hex');

export function sealManifest(manifest: LabManifest, scenario: Scenario, salt = randomBytes(16).toString('hex')): SealedManifest {
  const shared: Record<string, FactValue> = {};
  const facts: Record<string, string> = {};
  for (const [key, value] of Object.entries(manifest.facts)) {
    if (scenario.facts[key]?.varies) facts[key] = seal(salt, key, String(value));
    else shared[key] = value;
  }
  return {
    scenario: manifest.scenario,
    ...(manifest.learner ? { learner: manifest.learner } : {}),
    ...(manifest.host ? { host: manifest.host } : {}),
    createdAt: manifest.createdAt,
    expiresAt: manifest.expiresAt,
    shared,
    sealed: { salt, facts },
  };
}

/** Whether `candidate` is this lab's `fact` (true/false), or undefined when the manifest has no such fact. */
export function sealedFactMatches(sealed: SealedManifest, fact: string, candidate: string): boolean | undefined {
  if (fact in sealed.shared) return normaliseFactText(fact, String(sealed.shared[fact])) === normaliseFactText(fact, candidate);
  const want = sealed.sealed.facts[fact];
  return want === undefined ? undefined : seal(sealed.sealed.salt, fact, candidate) === want;
}
