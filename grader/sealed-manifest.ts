import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Scenario } from '../scenarios/schema.ts';
import { FactValueSchema, ManifestBase, type FactValue, type Facts, type LabManifest } from './manifest.ts';

/**
 * What a lab host may keep instead of the plaintext answer key: a sealed manifest. Facts that vary per
 * learner (script, URL, service, function, file, thread count) are stored only as salted hashes, so
 * self-check can ask "is this the name?" about a name the learner already has in hand (from their
 * capture or their answer) without the file naming it. Facts every lab shares (the culprit `curl`,
 * `min_rate_per_sec`, the file system) tell nothing about this lab and stay readable: self-check needs
 * the thresholds to judge the captures. No seed either, only its hash: with the (public) variant code
 * the seed would give every fact back. Pure, apart from the random salt.
 *
 * What the seal does not do: the variant names come from small public pools, so someone who reads
 * labctl's source can hash every candidate and find the one that matches. It keeps the answer from being
 * read off a file; the fault itself runs on the host, which is the exercise.
 */

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest');

export const SealedManifestSchema = z
  .object({
    ...ManifestBase,
    /** facts shared by every lab of the scenario, in the clear */
    shared: z.record(z.string(), FactValueSchema),
    sealed: z
      .object({
        salt: z.string().regex(/^[0-9a-f]{16,128}$/, 'hex'),
        /** fact -> hash of its normalised text (case, path, URL scheme do not matter): "is this the name?" */
        facts: z.record(z.string(), Hex64),
        /** fact -> hash of its exact text: which of several spellings is the lab's own */
        exact: z.record(z.string(), Hex64).default({}),
        /** hash of the seed: a bundle's record names it, and the instructor can check it is the learner's */
        seed: Hex64.optional(),
      })
      .strict(),
  })
  .passthrough();

export type SealedManifest = z.infer<typeof SealedManifestSchema>;

/** A manifest file's JSON is the sealed kind when it has `sealed` and no plaintext `facts`. */
export function looksSealed(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'sealed' in data && !('facts' in data);
}

/** How names are compared: case, surrounding space, a path or URL scheme and trailing slashes do not matter. */
export function normaliseFactText(fact: string, value: string): string {
  let v = value.trim().toLowerCase();
  if (fact === 'url') v = v.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
  else if (fact === 'file_name' || fact === 'parent_comm' || fact === 'process_comm') v = v.split('/').filter(Boolean).pop() ?? v;
  return v;
}

const hash = (salt: string, label: string, text: string) => createHash('sha256').update(`${salt}\0${label}\0${text}`).digest('hex');
const seal = (salt: string, fact: string, value: string) => hash(salt, fact, normaliseFactText(fact, value));
const sealExact = (salt: string, fact: string, value: string) => hash(salt, `exact:${fact}`, value);
/** The hash a sealed manifest keeps of its seed (and a bundle's record carries). */
export const sealSeed = (salt: string, seed: string) => hash(salt, 'seed', seed);

export function sealManifest(manifest: LabManifest, scenario: Scenario, salt = randomBytes(16).toString('hex')): SealedManifest {
  const shared: Record<string, FactValue> = {};
  const facts: Record<string, string> = {};
  const exact: Record<string, string> = {};
  for (const [key, value] of Object.entries(manifest.facts)) {
    if (scenario.facts[key]?.varies) {
      facts[key] = seal(salt, key, String(value));
      exact[key] = sealExact(salt, key, String(value));
    } else shared[key] = value;
  }
  return {
    scenario: manifest.scenario,
    ...(manifest.learner ? { learner: manifest.learner } : {}),
    ...(manifest.host ? { host: manifest.host } : {}),
    createdAt: manifest.createdAt,
    expiresAt: manifest.expiresAt,
    shared,
    sealed: { salt, facts, exact, seed: sealSeed(salt, manifest.seed) },
  };
}

/** Whether `candidate` is this lab's `fact` (true/false), or undefined when the manifest has no such fact. */
export function sealedFactMatches(sealed: SealedManifest, fact: string, candidate: string): boolean | undefined {
  if (fact in sealed.shared) return normaliseFactText(fact, String(sealed.shared[fact])) === normaliseFactText(fact, candidate);
  const want = sealed.sealed.facts[fact];
  return want === undefined ? undefined : seal(sealed.sealed.salt, fact, candidate) === want;
}

/** Whether `seed` is the seed this lab was injected with (undefined: the manifest keeps no seed hash). */
export function sealedSeedMatches(sealed: SealedManifest, seed: string): boolean | undefined {
  return sealed.sealed.seed === undefined ? undefined : sealSeed(sealed.sealed.salt, seed) === sealed.sealed.seed;
}

/**
 * Stands in for a sealed fact no candidate matched. No capture or answer can hold it (a NUL byte), so
 * every rule that compares with it finds nothing, exactly as it would with the real name absent.
 */
export const UNRESOLVED_PREFIX = '\u0000sealed:';
export const isUnresolved = (v: FactValue | undefined): boolean => typeof v === 'string' && v.startsWith(UNRESOLVED_PREFIX);

export interface ResolvedFacts {
  facts: Facts;
  /** sealed facts no candidate matched (their value in `facts` matches nothing) */
  unresolved: string[];
}

/**
 * The expected facts, as far as the learner's own names reveal them: each sealed fact takes the
 * candidate whose exact text is the lab's (else one equal up to case and path), so the rules see the
 * very value a plaintext manifest would give them whenever the captures or answers hold it; a fact no
 * candidate matches gets a value that matches nothing, which is also what the plaintext value would do
 * when the captures do not hold it.
 */
export function resolveSealedFacts(sealed: SealedManifest, scenario: Scenario, candidates: Iterable<string>): ResolvedFacts {
  const facts: Facts = { ...sealed.shared };
  const unresolved: string[] = [];
  const list = [...new Set(candidates)];
  const { salt } = sealed.sealed;
  for (const [fact, want] of Object.entries(sealed.sealed.facts)) {
    const exactWant = sealed.sealed.exact[fact];
    const hit = (exactWant && list.find((c) => sealExact(salt, fact, c) === exactWant)) ?? list.find((c) => seal(salt, fact, c) === want);
    if (hit === undefined) {
      unresolved.push(fact);
      facts[fact] = `${UNRESOLVED_PREFIX}${fact}`;
    } else {
      facts[fact] = scenario.facts[fact]?.type === 'number' ? Number(hit) : hit;
    }
  }
  return { facts, unresolved };
}

/** Sealed facts (and shared ones) that differ from `expected`: the manifest is not that lab's, or was edited. */
export function sealedMismatches(sealed: SealedManifest, expected: Facts, observed: readonly string[] = []): { fact: string; claimed: FactValue | undefined; expected: FactValue }[] {
  const out: { fact: string; claimed: FactValue | undefined; expected: FactValue }[] = [];
  const { salt } = sealed.sealed;
  for (const [fact, value] of Object.entries(expected)) {
    if (observed.includes(fact)) continue;
    if (fact in sealed.sealed.facts) {
      const exactWant = sealed.sealed.exact[fact];
      const same = exactWant ? sealExact(salt, fact, String(value)) === exactWant : seal(salt, fact, String(value)) === sealed.sealed.facts[fact];
      if (!same) out.push({ fact, claimed: '(sealed: another value)', expected: value });
    } else if (fact in sealed.shared && sealed.shared[fact] !== value) {
      out.push({ fact, claimed: sealed.shared[fact], expected: value });
    }
  }
  for (const fact of [...Object.keys(sealed.shared), ...Object.keys(sealed.sealed.facts)]) {
    if (!(fact in expected)) out.push({ fact, claimed: fact in sealed.shared ? sealed.shared[fact] : '(sealed)', expected: '(no such fact)' });
  }
  return out;
}
