import { DEFAULT_SEED, deriveSeed, validateSeed } from '../scenarios/variants.ts';
import { LabError } from './errors.ts';

/**
 * Which variant a lab gets: `--seed` as given; else derived from the classroom secret and the learner id
 * (`--secret`, else LABCTL_CLASS_SECRET, the name `grade --batch` reads; LABCTL_CLASSROOM_SECRET still works); else the default variant.
 */
export function resolveSeed(scenario: string, o: { seed?: string; learner?: string; secret?: string }, env = process.env): string {
  if (o.seed !== undefined) return validateSeed(o.seed);
  const secret = o.secret || env.LABCTL_CLASS_SECRET || env.LABCTL_CLASSROOM_SECRET;
  if (o.learner) {
    if (!secret) throw new LabError(`--learner ${o.learner} needs the classroom secret to derive the seed`, 'pass --secret S or set LABCTL_CLASS_SECRET (or give --seed directly)');
    return deriveSeed(secret, o.learner, scenario);
  }
  if (o.secret) throw new LabError('--secret without --learner', 'the seed is derived from both: add --learner ID');
  return DEFAULT_SEED;
}
