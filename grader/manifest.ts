import { z } from 'zod';

/**
 * `lab-manifest.json`: written by `labctl lab inject` on the lab host, read by `labctl grade --manifest`.
 * The `facts` are the expected findings of this learner's variant (keys per scenario in DESIGN.md).
 */
export const LabManifestSchema = z
  .object({
    scenario: z.string().min(1),
    seed: z.string().min(1),
    learner: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    createdAt: z.string().datetime({ offset: true }),
    expiresAt: z.string().datetime({ offset: true }),
    facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  })
  .passthrough();

export type LabManifest = z.infer<typeof LabManifestSchema>;
export type FactValue = string | number | boolean;
export type Facts = Record<string, FactValue>;

export const MANIFEST_FILE = 'lab-manifest.json';
