import { LabManifestSchema, MANIFEST_FILE, type Facts, type LabManifest } from '../manifest.ts';
import { factCandidates } from '../facts/candidates.ts';
import { observe } from '../facts/observe.ts';
import { isUnresolved, looksSealed, resolveSealedFacts, SealedManifestSchema, sealedMismatches, sealedSeedMatches, type SealedManifest } from '../sealed-manifest.ts';
import type { Capture } from '../parsers/types.ts';
import { loadScenario } from '../../scenarios/load.ts';
import { DEFAULT_SEED, deriveSeed, HOST_OBSERVED_FACTS, isScenarioId, variantFacts } from '../../scenarios/variants.ts';
import { checkFactTypes, deriveFacts } from '../expected-facts.ts';
import { nonCaptureReason } from '../submission/walk.ts';
import { bundleOnDisk, isSafeRelPath, type BundleFiles } from './files.ts';
import { learnerKey, sameDigest, sha256Hex } from './key.ts';
import { PROVENANCE_FILE, ProvenanceSchema, provenanceHmac, type Provenance } from './record.ts';
import { checkVariantNames } from './variant-names.ts';

/**
 * verified: signed with the learner's key, nothing changed, the lab and the captures are that learner's.
 * unchecked: signed, files intact, but no class secret was given to check the HMAC.
 * unsigned: no provenance record (not made with `labctl submit`); the captures were still cross-checked.
 * tampered: the record is broken, a file changed, was added or removed, or the HMAC does not match.
 * wrong-learner: intact, but the lab manifest or the captures belong to another learner's lab.
 */
export type ProvenanceStatus = 'verified' | 'unchecked' | 'unsigned' | 'tampered' | 'wrong-learner';

export interface VerifyOptions {
  /** the class secret the learner keys were derived from; without it the HMAC cannot be checked */
  classSecret?: string;
  /** the lab seed must be the one derived from the secret for this learner (default true; false for labs injected with --seed) */
  requireDerivedSeed?: boolean;
  /** already parsed captures of the bundle, to save parsing them twice */
  captures?: Capture[];
}

export interface VerifyResult {
  status: ProvenanceStatus;
  /** one line for reports: every finding, most serious first */
  message: string;
  findings: { status: ProvenanceStatus; message: string }[];
  /** from the record when there is one, else from the manifest */
  learner?: string;
  scenario?: string;
  createdAt?: string;
  /** the learner's self-check and hint use, from the signed record */
  activity?: { selfChecks: number; hints: number };
}

const SEVERITY: ProvenanceStatus[] = ['tampered', 'wrong-learner', 'unsigned', 'unchecked', 'verified'];

async function readJson(bundle: BundleFiles, rel: string): Promise<{ data?: unknown; missing?: boolean; error?: string }> {
  let text: string;
  try {
    const bytes = await bundle.read(rel);
    if (bytes === null) return { missing: true };
    text = bytes.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: `cannot read: ${code ?? (err as Error).message}` };
  }
  try {
    return { data: JSON.parse(text) };
  } catch (err) {
    return { error: `not valid JSON: ${(err as Error).message}` };
  }
}

async function parseCaptures(bundle: BundleFiles, files: string[]): Promise<Capture[]> {
  const out: Capture[] = [];
  for (const rel of files) {
    if (nonCaptureReason(rel)) continue;
    try {
      const c = await bundle.capture(rel);
      if (c.tool !== 'unknown') out.push(c);
    } catch {
      // binary or unreadable files are the grader's to report; they carry no variant names
    }
  }
  return out;
}

/**
 * Facts that differ from the lab's: with the class secret, from the lab derived for `learner`; without it,
 * from the variant of the manifest's own seed. Every derivable fact counts, not only the varying ones: a
 * learner holds their own signing key, so a lowered threshold re-signed is still an edit.
 */
function editedFacts(manifest: LabManifest, classSecret: string | undefined, learner: string | undefined): string[] {
  if (!isScenarioId(manifest.scenario)) return [];
  try {
    if (classSecret && learner) return (deriveFacts(classSecret, learner, manifest.scenario, manifest.facts)?.mismatches ?? []).map((m) => m.fact);
    const expected = variantFacts(manifest.scenario, manifest.seed);
    const observed = new Set(HOST_OBSERVED_FACTS[manifest.scenario]);
    const keys = new Set([...Object.keys(expected), ...Object.keys(manifest.facts)]);
    return [...keys].filter((k) => !observed.has(k) && manifest.facts[k] !== undefined && manifest.facts[k] !== expected[k]);
  } catch {
    return [];
  }
}

/** Facts of the wrong JSON type for the scenario (`"abc"` for a rate). */
function mistypedFacts(manifest: LabManifest): string[] {
  if (!isScenarioId(manifest.scenario)) return [];
  try {
    return checkFactTypes(loadScenario(manifest.scenario), manifest.facts).map((p) => `${p.field}: ${p.message}`);
  } catch {
    return [];
  }
}

/**
 * The sealed manifest's counterpart of `editedFacts`: with the class secret its hashes are compared with
 * the lab derived for `learner`; without it only the shared facts can be checked (every lab has the same).
 */
function editedSealedFacts(sealed: SealedManifest, classSecret: string | undefined, learner: string | undefined): string[] {
  if (!isScenarioId(sealed.scenario)) return [];
  const observed = HOST_OBSERVED_FACTS[sealed.scenario];
  try {
    if (classSecret && learner) {
      const derived = deriveFacts(classSecret, learner, sealed.scenario, sealed.shared);
      return derived ? sealedMismatches(sealed, derived.facts, observed).map((m) => m.fact) : [];
    }
    const common = variantFacts(sealed.scenario, DEFAULT_SEED);
    return Object.keys(sealed.shared).filter((k) => !observed.includes(k) && k in common && sealed.shared[k] !== common[k]);
  } catch {
    return [];
  }
}

/**
 * The facts the wrong-learner check compares the captures with: the plaintext manifest's; for a sealed
 * one the lab derived from the class secret, else the names in the captures that hash alike (a fact no
 * name matches stays unknown, so a capture naming something else in its place is another lab's).
 */
function factsForNames(captures: Capture[], sealed: SealedManifest, classSecret: string | undefined, learner: string | undefined): Facts {
  if (!isScenarioId(sealed.scenario)) return sealed.shared;
  if (classSecret && learner) {
    const derived = deriveFacts(classSecret, learner, sealed.scenario, sealed.shared);
    if (derived) return derived.facts;
  }
  const extra: string[] = [];
  for (const c of captures) {
    if (c.tool === 'execsnoop') extra.push(...Object.values(c.summary.scriptPids ?? {}));
    if (c.tool === 'bpftrace-hist') for (const h of c.summary.histograms) extra.push((h.label ?? '').match(/\[([^\]]+)\]/)?.[1]?.trim() ?? '');
  }
  return resolveSealedFacts(sealed, loadScenario(sealed.scenario), factCandidates(observe(captures), {}, extra)).facts;
}

/**
 * Checks that a bundle (an extracted `labctl submit` archive or a folder) came unchanged from its
 * learner's own lab. Never throws for bad input: every problem is a finding.
 */
export async function verifyBundle(root: string | BundleFiles, options: VerifyOptions = {}): Promise<VerifyResult> {
  const bundle = typeof root === 'string' ? bundleOnDisk(root) : root;
  const findings: VerifyResult['findings'] = [];
  const add = (status: ProvenanceStatus, message: string) => findings.push({ status, message });
  const onDisk = await bundle.list().catch(() => [] as string[]);
  const present = new Set(onDisk);

  let record: Provenance | undefined;
  const raw = await readJson(bundle, PROVENANCE_FILE);
  if (raw.missing) add('unsigned', `no ${PROVENANCE_FILE}: not bundled with \`labctl submit\``);
  else if (raw.error) add('tampered', `${PROVENANCE_FILE}: ${raw.error}`);
  else {
    const parsed = ProvenanceSchema.safeParse(raw.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      add('tampered', `${PROVENANCE_FILE}: ${issue.path.join('.') || 'record'}: ${issue.message}`);
    } else record = parsed.data;
  }

  if (record) {
    if (options.classSecret) {
      const expected = provenanceHmac(record, learnerKey(options.classSecret, record.learner));
      if (!sameDigest(expected, record.hmac)) {
        add('tampered', `HMAC mismatch: the record was changed after \`labctl submit\`, or not signed with ${record.learner}'s key`);
      }
    } else add('unchecked', 'HMAC not checked: no class secret given');
    const listed = Object.keys(record.files).sort();
    for (const rel of listed) {
      if (!isSafeRelPath(rel)) {
        add('tampered', `${PROVENANCE_FILE}: unsafe path ${JSON.stringify(rel)}`);
        continue;
      }
      const bytes = present.has(rel) ? await bundle.read(rel).catch(() => null) : null;
      const actual = bytes === null ? null : sha256Hex(bytes);
      if (actual === null) add('tampered', `${rel}: listed in ${PROVENANCE_FILE} but missing`);
      else if (!sameDigest(actual, record.files[rel])) add('tampered', `${rel}: changed after \`labctl submit\` (sha256 differs)`);
    }
    for (const rel of onDisk) if (!(rel in record.files)) add('tampered', `${rel}: added after \`labctl submit\` (not in ${PROVENANCE_FILE})`);
  }

  let manifest: LabManifest | undefined;
  let sealed: SealedManifest | undefined;
  const m = await readJson(bundle, MANIFEST_FILE);
  if (m.missing) {
    if (record) add('tampered', `no ${MANIFEST_FILE}: a \`labctl submit\` bundle always carries its lab manifest`);
  } else if (m.error) {
    if (record) add('tampered', `${MANIFEST_FILE}: ${m.error}`);
  } else if (looksSealed(m.data)) {
    const parsed = SealedManifestSchema.safeParse(m.data);
    if (parsed.success) sealed = parsed.data;
    else if (record) add('tampered', `${MANIFEST_FILE}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
  } else {
    const parsed = LabManifestSchema.safeParse(m.data);
    if (parsed.success) manifest = parsed.data;
    else if (record) add('tampered', `${MANIFEST_FILE}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
  }

  if (sealed) {
    if (record) {
      if (sealed.learner !== record.learner) {
        add('wrong-learner', `${MANIFEST_FILE} is ${sealed.learner ? `learner ${sealed.learner}'s` : 'a'} lab, but the bundle is signed for ${record.learner}`);
      }
      if (sealed.scenario !== record.scenario) add('tampered', `${MANIFEST_FILE} is scenario ${sealed.scenario}, the record says ${record.scenario}`);
      if (sealed.sealed.seed !== undefined && sealed.sealed.seed !== record.seed) add('tampered', `${MANIFEST_FILE} seed differs from the record's`);
    }
    const learner = record?.learner ?? sealed.learner;
    if (options.classSecret && learner && (options.requireDerivedSeed ?? true) && isScenarioId(sealed.scenario)) {
      if (sealedSeedMatches(sealed, deriveSeed(options.classSecret, learner, sealed.scenario)) === false) {
        add('wrong-learner', `the lab's seed is not ${learner}'s: the lab was injected for another learner (or with --seed)`);
      }
    }
    const labOf = (options.requireDerivedSeed ?? true) ? (sealed.learner ?? learner) : undefined;
    const edited = editedSealedFacts(sealed, options.classSecret, labOf);
    if (edited.length) add('tampered', `${MANIFEST_FILE}: ${edited.join(', ')} ${edited.length > 1 ? 'do' : 'does'} not match ${options.classSecret && labOf ? `${labOf}'s lab (derived from the class secret)` : 'any lab of this scenario'} (edited)`);
    if (isScenarioId(sealed.scenario)) {
      for (const p of checkFactTypes(loadScenario(sealed.scenario), sealed.shared)) add('tampered', `${MANIFEST_FILE}: ${p.field}: ${p.message}`);
    }
    const captures = options.captures ?? (await parseCaptures(bundle, onDisk));
    const facts = factsForNames(captures, sealed, options.classSecret, labOf);
    for (const mm of checkVariantNames(sealed.scenario, facts, captures).mismatches) {
      const theirs = isUnresolved(mm.expected) ? 'this lab\'s (sealed) name is another' : `this lab's is "${mm.expected}"`;
      add('wrong-learner', `the ${mm.tool} capture shows ${mm.fact} "${mm.seen}", but ${theirs}: captured on another learner's lab`);
    }
  }

  if (manifest) {
    if (record) {
      if (manifest.learner !== record.learner) {
        add('wrong-learner', `${MANIFEST_FILE} is ${manifest.learner ? `learner ${manifest.learner}'s` : 'a'} lab, but the bundle is signed for ${record.learner}`);
      }
      if (manifest.scenario !== record.scenario) add('tampered', `${MANIFEST_FILE} is scenario ${manifest.scenario}, the record says ${record.scenario}`);
      if (manifest.seed !== record.seed) add('tampered', `${MANIFEST_FILE} seed differs from the record's`);
    }
    const learner = record?.learner ?? manifest.learner;
    if (options.classSecret && learner && (options.requireDerivedSeed ?? true) && isScenarioId(manifest.scenario)) {
      if (manifest.seed !== deriveSeed(options.classSecret, learner, manifest.scenario)) {
        add('wrong-learner', `the lab's seed is not ${learner}'s: the lab was injected for another learner (or with --seed)`);
      }
    }
    // the lab the manifest names is the one its facts must match (whose lab it is, is the wrong-learner check's)
    const labOf = (options.requireDerivedSeed ?? true) ? (manifest.learner ?? learner) : undefined;
    const edited = editedFacts(manifest, options.classSecret, labOf);
    if (edited.length) add('tampered', `${MANIFEST_FILE}: ${edited.join(', ')} ${edited.length > 1 ? 'do' : 'does'} not match ${options.classSecret && labOf ? `${labOf}'s lab (derived from the class secret)` : "the lab's seed"} (edited)`);
    for (const t of mistypedFacts(manifest)) add('tampered', `${MANIFEST_FILE}: ${t}`);
    const captures = options.captures ?? (await parseCaptures(bundle, onDisk));
    for (const mm of checkVariantNames(manifest.scenario, manifest.facts, captures).mismatches) {
      add('wrong-learner', `the ${mm.tool} capture shows ${mm.fact} "${mm.seen}", but this lab's is "${mm.expected}": captured on another learner's lab`);
    }
  }

  if (!findings.some((f) => f.status !== 'verified')) add('verified', record ? `signed by ${record.learner}'s lab key; files intact` : 'intact');
  findings.sort((a, b) => SEVERITY.indexOf(a.status) - SEVERITY.indexOf(b.status));
  const status = findings[0].status;
  const shown = findings.filter((f) => f.status !== 'unchecked' || status === 'unchecked');
  return {
    status,
    message: shown.map((f) => f.message).join('; '),
    findings,
    ...((record?.learner ?? manifest?.learner ?? sealed?.learner) ? { learner: record?.learner ?? manifest?.learner ?? sealed?.learner } : {}),
    ...((record?.scenario ?? manifest?.scenario ?? sealed?.scenario) ? { scenario: record?.scenario ?? manifest?.scenario ?? sealed?.scenario } : {}),
    ...(record?.createdAt ? { createdAt: record.createdAt } : {}),
    ...(record?.activity ? { activity: record.activity } : {}),
  };
}
