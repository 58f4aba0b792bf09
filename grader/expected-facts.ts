import type { Scenario } from '../scenarios/schema.ts';
import { deriveSeed, HOST_OBSERVED_FACTS, isScenarioId, variantFacts } from '../scenarios/variants.ts';
import type { FactValue, Facts } from './manifest.ts';

/**
 * The truth a grade is measured against. With the class secret it is derived, never carried: every
 * expected fact comes from (secret, learner, scenario), and a manifest fact that differs is reported as
 * tampering (a learner holds their own signing key, so a re-signed manifest proves nothing). Only the
 * facts the lab host observes at inject (HOST_OBSERVED_FACTS) are taken from the manifest, type-checked.
 * Pure.
 */

export interface FactMismatch {
  fact: string;
  /** what the manifest says (undefined: missing) */
  claimed: FactValue | undefined;
  expected: FactValue;
}

export interface DerivedFacts {
  facts: Facts;
  seed: string;
  /** manifest facts that differ from the derived ones */
  mismatches: FactMismatch[];
}

/** Expected facts of `learner`'s lab; null for a scenario without derivable variants. */
export function deriveFacts(classSecret: string, learner: string, scenario: string, manifestFacts: Facts = {}): DerivedFacts | null {
  if (!isScenarioId(scenario)) return null;
  const seed = deriveSeed(classSecret, learner, scenario);
  const derived = variantFacts(scenario, seed);
  const observed = new Set(HOST_OBSERVED_FACTS[scenario]);
  const facts: Facts = {};
  const mismatches: FactMismatch[] = [];
  for (const [key, expected] of Object.entries(derived)) {
    if (observed.has(key)) {
      facts[key] = manifestFacts[key] ?? expected;
      continue;
    }
    facts[key] = expected;
    const claimed = manifestFacts[key];
    if (claimed !== undefined && claimed !== expected) mismatches.push({ fact: key, claimed, expected });
  }
  for (const key of Object.keys(manifestFacts)) {
    if (!(key in derived)) mismatches.push({ fact: key, claimed: manifestFacts[key], expected: '(no such fact)' });
  }
  return { facts, seed, mismatches };
}

export interface FactTypeProblem {
  field: string;
  message: string;
}

/** Manifest facts whose JSON type is not the one the scenario declares (`type:` in scenario.yaml facts). */
export function checkFactTypes(scenario: Scenario, facts: Facts): FactTypeProblem[] {
  const out: FactTypeProblem[] = [];
  for (const [key, def] of Object.entries(scenario.facts)) {
    if (!(key in facts)) continue;
    const value = facts[key];
    const type = def.type ?? 'string';
    const ok = type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === type && (type !== 'string' || String(value).length > 0);
    if (!ok) out.push({ field: `facts.${key}`, message: `expected a ${type === 'string' ? 'non-empty string' : type}, got ${JSON.stringify(value)}` });
  }
  return out;
}
