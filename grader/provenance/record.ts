import { z } from 'zod';
import { canonicalJson } from './canonical.ts';
import { hmacHex } from './key.ts';

/** The hidden file at the root of a bundle made by `labctl submit`. */
export const PROVENANCE_FILE = '.provenance.json';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest');

export const ProvenanceSchema = z
  .object({
    version: z.literal(1),
    scenario: z.string().min(1),
    learner: z.string().min(1),
    seed: z.string().min(1),
    createdAt: z.string().datetime({ offset: true }),
    /** path inside the bundle (`/`-separated) -> sha256 of its bytes; every file except this one */
    files: z.record(z.string().min(1), Sha256),
    /** help the learner used before submitting: `labctl self-check` runs and the hint level reached (signed with the rest) */
    activity: z.object({ selfChecks: z.number().int().min(0), hints: z.number().int().min(0) }).strict().optional(),
    /** HMAC-SHA256(learner key, canonical JSON of every other field), hex */
    hmac: Sha256,
  })
  .strict();

export type Provenance = z.infer<typeof ProvenanceSchema>;
export type UnsignedProvenance = Omit<Provenance, 'hmac'>;

/** The HMAC of a record: over the canonical JSON of all fields but `hmac` itself. */
export function provenanceHmac(record: UnsignedProvenance | Provenance, key: string): string {
  const { hmac: _ignored, ...rest } = record as Provenance;
  return hmacHex(key, canonicalJson(rest));
}

export function signProvenance(record: UnsignedProvenance, key: string): Provenance {
  return { ...record, hmac: provenanceHmac(record, key) };
}
