import { lstat, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { trackTempDir } from './temp-dirs.ts';
import { basename, join, resolve } from 'node:path';
import { readAnswers, type SizedSource } from './answers-file.ts';
import { DEFAULT_ARCHIVE_LIMITS, extractTarGz, isGzipFile, type ArchiveLimits } from './archive.ts';
import { archiveTreeReader, heldFiles, readTarGz, type ArchiveTree } from './archive-tree.ts';
import { ArchiveError, SubmissionError } from './errors.ts';
import { readManifest } from './manifest-file.ts';
import type { AnswersFile, HeldFiles, ManifestFile, Submission, SubmissionProblem } from './types.ts';

export type { AnswersFile, CaptureFile, ManifestFile, SkippedFile, Submission, SubmissionProblem } from './types.ts';
import { ANSWERS_NAMES, diskTree, listTreeFiles, MANIFEST_NAME, type TreeReader } from './walk.ts';

/** Options of {@link loadSubmission}; the defaults suit the CLI. */
export interface LoadOptions {
  /** where archives are extracted (a fresh `labctl-submission-*` folder inside it); default: the OS temp dir */
  tmpRoot?: string;
  limits?: ArchiveLimits;
  /** regular files listed before giving up; defaults to `limits.maxEntries` */
  maxFiles?: number;
  /**
   * Write every archive entry out as a file under `root` (for callers that read the submission by path,
   * e.g. provenance checks). By default an archive is read into memory and a spool file: its captures
   * then carry `bytes` or `spool`, and their `abs` paths do not exist.
   */
  extract?: boolean;
  /** bytes of an archive held in memory before entries go to the spool file (default: MEMORY_BUDGET, 32 MiB) */
  memoryBudget?: number;
}

const USAGE_HINT = 'Pass a submission folder or a gzip-compressed tar archive (.tar.gz / .tgz).';

/**
 * Loads a submission folder or `.tar.gz`/`.tgz` for grading: extracts archives safely into a fresh
 * temp folder, lists capture files, parses `answers.yaml` and `lab-manifest.json`. Everything wrong
 * inside the submission (missing answers, bad YAML, unsafe archive entries, links...) comes back as
 * `problems`; it throws a {@link SubmissionError} (`hint`, `exitCode` 2) only when `path` does not exist
 * or is neither a folder nor a gzip file. Call `cleanup()` when done, to remove the extraction folder.
 *
 * When an archive is refused, nothing of it is kept: `root` is then the archive path itself and there
 * are no captures, answers or manifest, only the problem naming the offending entry.
 */
export async function loadSubmission(path: string, options: LoadOptions = {}): Promise<Submission> {
  const source = resolve(path);
  const st = await stat(source).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? err.message})`;
    throw new SubmissionError(`submission ${path} ${why}`, USAGE_HINT);
  });
  const limits = options.limits ?? DEFAULT_ARCHIVE_LIMITS;
  const maxFiles = options.maxFiles ?? limits.maxEntries;

  if (st.isDirectory()) return describeFolder(diskFiles(source), source, 'folder', maxFiles, async () => {});
  if (!st.isFile() || !(await isGzipFile(source))) {
    throw new SubmissionError(`submission ${path} is neither a folder nor a gzip-compressed tar archive`, await formatHint(source, st.isFile()));
  }

  const dest = await mkdtemp(join(options.tmpRoot ?? tmpdir(), 'labctl-submission-'));
  const untrack = trackTempDir(dest);
  let tree: ArchiveTree | undefined;
  const cleanup = () => {
    tree?.close();
    return rm(dest, { recursive: true, force: true }).finally(untrack);
  };
  try {
    if (options.extract) await extractTarGz(source, dest, limits);
    else tree = await readTarGz(source, dest, limits, options.memoryBudget);
  } catch (err) {
    await cleanup();
    if (!(err instanceof ArchiveError)) throw err;
    return refusedArchive(source, err);
  }
  try {
    return await describeFolder(tree ? archiveFiles(tree, dest) : diskFiles(dest), source, 'archive', maxFiles, cleanup);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A more specific hint for the usual wrong kinds of file. */
async function formatHint(file: string, isFile: boolean): Promise<string> {
  if (!isFile) return USAGE_HINT;
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(262), 0, 262, 0);
    if (bytesRead >= 262 && buffer.subarray(257, 262).toString('latin1') === 'ustar') {
      return `${basename(file)} is an uncompressed tar archive; compress it: \`gzip ${basename(file)}\` (or create it with \`tar czf\`).`;
    }
    if (bytesRead >= 4 && buffer.readUInt32BE(0) === 0x504b0304) {
      return 'zip archives are not supported; create a .tar.gz instead: `tar czf submission.tgz -C my-submission .`';
    }
  } finally {
    await fh.close();
  }
  return USAGE_HINT;
}

function refusedArchive(source: string, err: ArchiveError): Submission {
  const problem: SubmissionProblem = {
    code: err.kind === 'rejected' ? 'archive-rejected' : 'archive-unreadable',
    file: basename(source),
    message: err.reason,
    hint: err.hint,
  };
  if (err.entry !== undefined) problem.field = err.entry;
  return {
    root: source,
    source,
    kind: 'archive',
    captureFiles: [],
    skipped: [],
    answers: null,
    manifest: null,
    problems: [problem],
    notes: [],
    cleanup: async () => {},
  };
}

/** What describeFolder needs from a submission: its files, at the top or below one folder. */
interface SubmissionFiles {
  /** the tree below `base` ('' is the top); `held` when its files are not on disk */
  at(base: string): { reader: TreeReader; root: string; held?: HeldFiles };
  /** the root file `name` below `base`: 'file' with its size and bytes, 'other' (link, folder...), or missing */
  rootFile(base: string, name: string): Promise<(SizedSource & { state: 'file' }) | { state: 'other' | 'missing' }>;
}

function diskFiles(top: string): SubmissionFiles {
  return {
    at: (base) => ({ reader: diskTree(join(top, base)), root: join(top, base) }),
    async rootFile(base, name) {
      const abs = join(top, base, name);
      try {
        const st = await lstat(abs);
        return st.isFile() ? { state: 'file', size: st.size, read: () => readFile(abs) } : { state: 'other' };
      } catch {
        return { state: 'missing' };
      }
    },
  };
}

function archiveFiles(tree: ArchiveTree, top: string): SubmissionFiles {
  return {
    at: (base) => ({ reader: archiveTreeReader(tree, base, join(top, base)), root: join(top, base), held: heldFiles(tree, base) }),
    async rootFile(base, name) {
      const path = base ? `${base}/${name}` : name;
      const f = tree.files.get(path);
      if (f) return { state: 'file', size: f.size, read: async () => tree.read(path) };
      return { state: tree.dirs.has(path) ? 'other' : 'missing' };
    },
  };
}

/**
 * Archives are often made from the parent folder (`tar czf s.tgz my-submission/`), so everything sits
 * in one top-level folder. When that folder is all there is, it is the submission.
 */
async function unwrapSingleFolder(top: TreeReader): Promise<string | null> {
  const visible = (await top.list('')).filter((e) => !e.name.startsWith('.') && e.name !== '__MACOSX');
  return visible.length === 1 && visible[0].kind === 'dir' ? visible[0].name : null;
}

async function describeFolder(
  files: SubmissionFiles,
  source: string,
  kind: Submission['kind'],
  maxFiles: number,
  cleanup: () => Promise<void>,
): Promise<Submission> {
  const notes: string[] = [];
  const prefix = await unwrapSingleFolder(files.at('').reader);
  if (prefix !== null) notes.push(`the submission is the single top-level folder ${prefix}/`);
  const base = prefix ?? '';
  const { reader, root, held } = files.at(base);

  const listing = await listTreeFiles(reader, { maxFiles });
  const problems = [...listing.problems];

  let answers: AnswersFile | null = null;
  const present: string[] = [];
  for (const name of ANSWERS_NAMES) {
    const file = await files.rootFile(base, name);
    if (file.state === 'missing') continue;
    present.push(name);
    // A link or special file under this name is already reported by the listing; never read through it.
    if (file.state === 'file' && present.length === 1) {
      const parsed = await readAnswers(file, name);
      answers = parsed.answers;
      problems.push(...parsed.problems);
    }
  }
  if (present.length > 1) notes.push(`both ${present.join(' and ')} exist; only ${present[0]} is used`);
  if (present.length === 0) {
    problems.push({
      code: 'missing-answers',
      file: 'answers.yaml',
      message: 'missing: no answers.yaml at the submission root',
      hint: 'Write your findings to answers.yaml next to your captures (keys are listed in the scenario README).',
    });
  }

  let manifest: ManifestFile | null = null;
  const manifestFile = await files.rootFile(base, MANIFEST_NAME);
  if (manifestFile.state === 'file') {
    const parsed = await readManifest(manifestFile, MANIFEST_NAME);
    manifest = parsed.manifest;
    problems.push(...parsed.problems);
  }

  return {
    root,
    source,
    kind,
    captureFiles: listing.captureFiles,
    skipped: listing.skipped,
    answers,
    manifest,
    problems,
    notes,
    ...(held ? { held } : {}),
    cleanup,
  };
}
