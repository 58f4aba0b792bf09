/** What `loadSubmission` hands to the grader. Paths in `rel` fields use `/` and are relative to `root`. */

/** Machine-readable kind of a {@link SubmissionProblem}, so the grader can decide what each one costs. */
export type SubmissionProblemCode =
  | 'missing-answers'
  | 'answers-too-large'
  | 'answers-syntax'
  | 'answers-encoding'
  | 'answers-alias-limit'
  | 'answers-not-mapping'
  | 'answers-field-type'
  | 'manifest-too-large'
  | 'manifest-syntax'
  | 'symlink'
  | 'special-file'
  | 'unreadable'
  | 'too-many-files'
  | 'archive-rejected'
  | 'archive-unreadable';

/**
 * An infrastructure problem with the submission, collected as data (never thrown) so the report can
 * list all of them. `file` is relative to the submission root, or the archive's own name for problems
 * with the archive itself (then `field` is the offending entry). `message` does not repeat file, line
 * or field: print it as `file:line: field: message`.
 */
export interface SubmissionProblem {
  code: SubmissionProblemCode;
  file: string;
  line?: number;
  column?: number;
  field?: string;
  message: string;
  /** what the learner should do about it */
  hint?: string;
}

/** A file the grader should try to recognise as a tool capture. */
export interface CaptureFile {
  /** path relative to the submission root, `/`-separated */
  rel: string;
  /** absolute path to read it from */
  abs: string;
  /** bytes */
  size: number;
  /** an archive entry held in memory: these are its bytes, and `abs` does not exist on disk */
  bytes?: Uint8Array;
  /** an archive entry kept in the spool file: its bytes are `size` bytes from `offset` of `file` (`abs` does not exist) */
  spool?: { file: string; offset: number };
}

/** A file that was looked at and deliberately not treated as a capture (e.g. an image). */
export interface SkippedFile {
  rel: string;
  reason: string;
}

/** A parsed `answers.yaml`. */
export interface AnswersFile {
  /** path relative to the submission root (`answers.yaml` or `answers.yml`), for messages */
  path: string;
  /** same as `path` */
  rel: string;
  /** the top-level mapping; values are whatever YAML gave (strings, numbers, booleans, lists...) */
  data: Record<string, unknown>;
  /** `scenario:` when present and a string, else null */
  scenario: string | null;
  /** 1-based line of a top-level key, so rules can say `answers.yaml:4: process: ...` */
  lineOf(key: string): number | undefined;
}

/** `lab-manifest.json` at the submission root, parsed but not validated (see `grader/manifest.ts`). */
export interface ManifestFile {
  /** path relative to the submission root, for messages */
  path: string;
  data: unknown;
}

/** The files of an archive read into memory, below the submission root (none of them is on disk there). */
export interface HeldFiles {
  /** every regular file, `/`-separated, sorted by code point */
  list(): string[];
  /** a file's bytes; throws when there is no such file */
  read(rel: string): Promise<Buffer>;
}

export interface Submission {
  /** the folder holding the submission's files: the folder itself, or the extraction dir of an archive */
  root: string;
  /** the path the submission was loaded from, resolved */
  source: string;
  kind: 'folder' | 'archive';
  /** sorted by `rel` (code-point order) so reports are deterministic */
  captureFiles: CaptureFile[];
  /** files that are not captures, with why (sorted by `rel`) */
  skipped: SkippedFile[];
  answers: AnswersFile | null;
  manifest: ManifestFile | null;
  problems: SubmissionProblem[];
  /** facts worth telling the learner that are not problems, e.g. "used the single top-level folder x/" */
  notes: string[];
  /** set when an archive was read into memory: its files (code that reads files by path under `root` must use these) */
  held?: HeldFiles;
  /** removes the extraction dir of an archive (no-op for folders); safe to call twice */
  cleanup(): Promise<void>;
}
