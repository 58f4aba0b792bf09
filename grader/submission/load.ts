import { lstat, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { trackTempDir } from './temp-dirs.ts';
import { basename, join, resolve } from 'node:path';
import { readAnswersFile } from './answers-file.ts';
import { DEFAULT_ARCHIVE_LIMITS, extractTarGz, isGzipFile, type ArchiveLimits } from './archive.ts';
import { ArchiveError, SubmissionError } from './errors.ts';
import { readManifestFile } from './manifest-file.ts';
import type { AnswersFile, ManifestFile, Submission, SubmissionProblem } from './types.ts';

export type { AnswersFile, CaptureFile, ManifestFile, SkippedFile, Submission, SubmissionProblem } from './types.ts';
import { ANSWERS_NAMES, listSubmissionFiles, MANIFEST_NAME } from './walk.ts';

/** Options of {@link loadSubmission}; the defaults suit the CLI. */
export interface LoadOptions {
  /** where archives are extracted (a fresh `labctl-submission-*` folder inside it); default: the OS temp dir */
  tmpRoot?: string;
  limits?: ArchiveLimits;
  /** regular files listed before giving up; defaults to `limits.maxEntries` */
  maxFiles?: number;
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

  if (st.isDirectory()) return describeFolder(source, source, 'folder', maxFiles, async () => {});
  if (!st.isFile() || !(await isGzipFile(source))) {
    throw new SubmissionError(`submission ${path} is neither a folder nor a gzip-compressed tar archive`, await formatHint(source, st.isFile()));
  }

  const dest = await mkdtemp(join(options.tmpRoot ?? tmpdir(), 'labctl-submission-'));
  const untrack = trackTempDir(dest);
  const cleanup = () => rm(dest, { recursive: true, force: true }).finally(untrack);
  try {
    await extractTarGz(source, dest, limits);
  } catch (err) {
    await cleanup();
    if (!(err instanceof ArchiveError)) throw err;
    return refusedArchive(source, err);
  }
  try {
    return await describeFolder(dest, source, 'archive', maxFiles, cleanup);
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

/**
 * Archives are often made from the parent folder (`tar czf s.tgz my-submission/`), so everything sits
 * in one top-level folder. When that folder is all there is, it is the submission.
 */
async function unwrapSingleFolder(root: string): Promise<{ root: string; prefix: string | null }> {
  const visible = (await readdir(root, { withFileTypes: true })).filter(
    (e) => !e.name.startsWith('.') && e.name !== '__MACOSX',
  );
  if (visible.length === 1 && visible[0].isDirectory()) {
    return { root: join(root, visible[0].name), prefix: visible[0].name };
  }
  return { root, prefix: null };
}

async function regularFileAt(abs: string): Promise<'file' | 'other' | 'missing'> {
  try {
    return (await lstat(abs)).isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

async function describeFolder(
  top: string,
  source: string,
  kind: Submission['kind'],
  maxFiles: number,
  cleanup: () => Promise<void>,
): Promise<Submission> {
  const notes: string[] = [];
  const { root, prefix } = await unwrapSingleFolder(top);
  if (prefix !== null) notes.push(`the submission is the single top-level folder ${prefix}/`);

  const listing = await listSubmissionFiles(root, { maxFiles });
  const problems = [...listing.problems];

  let answers: AnswersFile | null = null;
  const present: string[] = [];
  for (const name of ANSWERS_NAMES) {
    const state = await regularFileAt(join(root, name));
    if (state === 'missing') continue;
    present.push(name);
    // A link or special file under this name is already reported by the listing; never read through it.
    if (state === 'file' && present.length === 1) {
      const parsed = await readAnswersFile(join(root, name), name);
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
  if ((await regularFileAt(join(root, MANIFEST_NAME))) === 'file') {
    const parsed = await readManifestFile(join(root, MANIFEST_NAME), MANIFEST_NAME);
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
    cleanup,
  };
}

