/** Submission provenance: per-learner keys, signed bundles (`labctl submit`), verification for the grader. */
export { learnerKey, parseLearnerKeyText, LEARNER_KEY_FILE, sha256Hex } from './key.ts';
export { canonicalJson } from './canonical.ts';
export { PROVENANCE_FILE, ProvenanceSchema, provenanceHmac, signProvenance, type Provenance } from './record.ts';
export { createBundle, bundleFileName, utcStamp, type BundleOptions, type BundleResult } from './bundle.ts';
export { verifyBundle, type ProvenanceStatus, type VerifyOptions, type VerifyResult } from './verify.ts';
export { checkVariantNames, type VariantMismatch, type VariantNameCheck } from './variant-names.ts';
export { lookupLabFile, labStateDirs } from './lab-files.ts';
