import { z } from 'zod';

/**
 * `lab-manifest.json`: written by `labctl lab inject` on the lab host, read by `labctl grade --manifest`.
 * The `facts` are the expected findings of this learner's variant (keys per scenario in DESIGN.md).
 */
export const FactValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** What every manifest says of its lab, plaintext (below) or sealed (sealed-manifest.ts). */
export const ManifestBase = {
  scenario: z.string().min(1),
  learner: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  createdAt: z.string().datetime({ offset: true }),
  expiresAt: z.string().datetime({ offset: true }),
};

export const LabManifestSchema = z
  .object({
    ...ManifestBase,
    seed: z.string().min(1),
    facts: z.record(z.string(), FactValueSchema),
  })
  .passthrough();

export type LabManifest = z.infer<typeof LabManifestSchema>;
export type FactValue = string | number | boolean;
export type Facts = Record<string, FactValue>;

export const MANIFEST_FILE = 'lab-manifest.json';
