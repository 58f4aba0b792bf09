/**
 * Thrown by `loadSubmission` only when the path cannot be a submission at all (missing, or neither a
 * folder nor a gzip tarball). Everything wrong *inside* a submission is a `SubmissionProblem` instead.
 * Shaped like the CLI's user-facing errors (`hint`, `exitCode` 2 = ungradable).
 */
export class SubmissionError extends Error {
  override name = 'SubmissionError';
  constructor(
    message: string,
    readonly hint: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/**
 * Why an archive was refused. `entry` names the offending archive member when there is one; `reason`
 * is the message without the archive and entry names (for problems, which carry those as fields).
 * `loadSubmission` turns it into an `archive-rejected`/`archive-unreadable` problem; `extractTarGz`
 * callers see it thrown.
 */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly hint: string,
    readonly reason: string,
    /** `rejected`: the archive is unsafe or too big; `unreadable`: it is corrupt or not a tar archive */
    readonly kind: 'rejected' | 'unreadable',
    readonly entry?: string,
  ) {
    super(message);
  }
}
