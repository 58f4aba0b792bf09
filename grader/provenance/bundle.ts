import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { create as createTar } from 'tar';
import { LabctlError } from '../../core/errors.ts';
import { LabManifestSchema, MANIFEST_FILE } from '../manifest.ts';
import { looksSealed, SealedManifestSchema } from '../sealed-manifest.ts';
import { DEFAULT_ARCHIVE_LIMITS } from '../submission/archive.ts';
import { ANSWERS_NAMES, listSubmissionFiles } from '../submission/walk.ts';
import { hashFile, listBundleFiles } from './files.ts';
import { sha256Hex } from './key.ts';
import { PROVENANCE_FILE, signProvenance, type UnsignedProvenance } from './record.ts';

export interface BundleOptions {
  scenario: string;
  /** the learner's work folder: answers.yaml and, unless `files` is given, the captures */
  dir: string;
  /** explicit capture files; default: every text file in `dir` the grader would read */
  files?: string[];
  /** the lab manifest to include (from the lab state dir, or --manifest) */
  manifestPath: string;
  /** the learner key (hex); null makes an unsigned bundle, which the grader reports as such */
  key: string | null;
  /** output file, or an existing folder to put it in; default: the current folder */
  out?: string;
  now?: Date;
  /** self-checks run and hint level reached, recorded in the signed record */
  activity?: { selfChecks: number; hints: number };
}

export interface BundleResult {
  file: string;
  sha256: string;
  learner: string;
  scenario: string;
  /** the files inside, `/`-separated */
  files: string[];
  signed: boolean;
  /** files left out, and why */
  warnings: string[];
}

/** `20261125T093012Z`: sorts in time order and is safe in any file name. */
export function utcStamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'unknown';

export function bundleFileName(learner: string, scenario: string, createdAt: Date): string {
  return `submission-${safeName(learner)}-${safeName(scenario)}-${utcStamp(createdAt)}.tar.gz`;
}

/** What a bundle needs of either manifest kind: the plaintext one (instructor's copy) or the sealed one a lab host keeps. */
interface BundledManifest {
  scenario: string;
  learner?: string;
  /** the record's `seed`: the plaintext seed, or the sealed manifest's hash of it */
  seed: string;
}

async function readManifest(path: string): Promise<{ manifest: BundledManifest; text: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new LabctlError(`cannot read the lab manifest ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass --manifest lab-manifest.json, or run this on your lab host after `labctl lab inject`');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new LabctlError(`${path}: not valid JSON: ${(err as Error).message}`, 'use the lab-manifest.json written by `labctl lab inject`, unchanged');
  }
  if (looksSealed(data)) {
    const sealed = SealedManifestSchema.safeParse(data);
    if (sealed.success) return { manifest: { scenario: sealed.data.scenario, learner: sealed.data.learner, seed: sealed.data.sealed.seed ?? 'sealed' }, text };
    const i = sealed.error.issues[0];
    throw new LabctlError(`${path}: ${i.path.join('.') || 'manifest'}: ${i.message}`, 'use the lab-manifest.json written by `labctl lab inject`, unchanged');
  }
  const parsed = LabManifestSchema.safeParse(data);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new LabctlError(`${path}: ${i.path.join('.') || 'manifest'}: ${i.message}`, 'use the lab-manifest.json written by `labctl lab inject`, unchanged');
  }
  return { manifest: parsed.data, text };
}

/** Where each capture goes inside the bundle: its path under `dir`, or its bare name when outside. */
async function pickCaptures(dir: string, files: string[] | undefined, warnings: string[]): Promise<{ rel: string; abs: string }[]> {
  if (!files?.length) {
    const listing = await listSubmissionFiles(dir, { maxFiles: DEFAULT_ARCHIVE_LIMITS.maxEntries });
    for (const p of listing.problems) warnings.push(`left out ${p.file}: ${p.message}`);
    for (const s of listing.skipped) if (!/^(hidden|answers file$|lab manifest$)/.test(s.reason)) warnings.push(`left out ${s.rel}: ${s.reason}`);
    return listing.captureFiles.map((f) => ({ rel: f.rel, abs: f.abs }));
  }
  const out: { rel: string; abs: string }[] = [];
  for (const f of files) {
    const abs = resolve(f);
    const st = await stat(abs).catch(() => null);
    if (!st?.isFile()) throw new LabctlError(`capture ${f} ${st ? 'is not a regular file' : 'does not exist'}`, 'pass the files your tools wrote, e.g. execsnoop.txt');
    const inside = relative(dir, abs);
    const rel = inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(/[\\/]/).join('/') : basename(abs);
    if (rel.split('/').some((seg) => seg.startsWith('.'))) throw new LabctlError(`capture ${f}: hidden files are not graded`, 'rename it without the leading dot');
    if ((ANSWERS_NAMES as readonly string[]).includes(rel) || rel === MANIFEST_FILE) throw new LabctlError(`${f} is not a capture`, 'list only tool output files; answers.yaml and the manifest are added anyway');
    if (out.some((o) => o.rel === rel)) throw new LabctlError(`two captures would both be stored as ${rel}`, 'rename one of them');
    out.push({ rel, abs });
  }
  return out;
}

/**
 * `labctl submit`: packs answers.yaml, the captures and the lab manifest into one .tar.gz with a
 * hidden `.provenance.json` (file hashes + HMAC with the learner key). The archive is written to a
 * temp name and renamed, so a half-written bundle never sits under the final name.
 */
export async function createBundle(opts: BundleOptions): Promise<BundleResult> {
  const dir = resolve(opts.dir);
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) throw new LabctlError(`${opts.dir} is not a folder`, 'pass --dir with the folder holding answers.yaml and your captures');
  const answersName = (
    await Promise.all(ANSWERS_NAMES.map(async (n) => ((await stat(join(dir, n)).catch(() => null))?.isFile() ? n : null)))
  ).find(Boolean);
  if (!answersName) throw new LabctlError(`no answers.yaml in ${opts.dir}`, 'write your answers to answers.yaml (keys in the scenario README), then submit again');

  const { manifest, text: manifestText } = await readManifest(opts.manifestPath);
  if (manifest.scenario !== opts.scenario) {
    throw new LabctlError(`${opts.manifestPath} is the manifest of ${manifest.scenario}, not ${opts.scenario}`, `submit ${manifest.scenario}, or pass the right --manifest`);
  }
  if (opts.key && !manifest.learner) {
    throw new LabctlError(`${opts.manifestPath} names no learner, so the bundle cannot be signed`, 'inject the lab with --learner, or pass --unsigned');
  }
  const learner = manifest.learner ?? 'unknown';
  const warnings: string[] = [];
  const captures = await pickCaptures(dir, opts.files, warnings);
  if (!captures.length) throw new LabctlError(`no captures in ${opts.dir}`, 'save each tool\'s output to a text file there (e.g. `execsnoop -t > execsnoop.txt`), or name the files');

  const now = opts.now ?? new Date();
  const stage = await mkdtemp(join(tmpdir(), 'labctl-submit-'));
  try {
    await copyFile(join(dir, answersName), join(stage, answersName));
    await writeFile(join(stage, MANIFEST_FILE), manifestText);
    for (const c of captures) {
      await mkdir(dirname(join(stage, c.rel)), { recursive: true });
      await copyFile(c.abs, join(stage, c.rel));
    }
    const inside = await listBundleFiles(stage);
    const files: Record<string, string> = {};
    for (const rel of inside) files[rel] = await hashFile(join(stage, rel));
    const record: UnsignedProvenance = { version: 1, scenario: manifest.scenario, learner, seed: manifest.seed, createdAt: now.toISOString(), files, ...(opts.activity ? { activity: opts.activity } : {}) };
    if (opts.key) await writeFile(join(stage, PROVENANCE_FILE), `${JSON.stringify(signProvenance(record, opts.key), null, 2)}\n`);

    const name = bundleFileName(learner, manifest.scenario, now);
    const outStat = opts.out ? await stat(opts.out).catch(() => null) : null;
    const file = resolve(opts.out ? (outStat?.isDirectory() ? join(opts.out, name) : opts.out) : name);
    const tmp = `${file}.${process.pid}.tmp`;
    const entries = opts.key ? [PROVENANCE_FILE, ...inside] : inside;
    try {
      // portable + fixed mtime: the same inputs at the same time give the same bytes
      await createTar({ gzip: true, file: tmp, cwd: stage, portable: true, mtime: now }, entries);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new LabctlError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass --out with a writable folder');
    }
    return { file, sha256: sha256Hex(await readFile(file)), learner, scenario: manifest.scenario, files: inside, signed: Boolean(opts.key), warnings };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
