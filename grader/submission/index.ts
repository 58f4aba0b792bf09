/** Loading a learner's submission (folder or .tar.gz) for the grader. */
export { loadSubmission, type LoadOptions } from './load.ts';
export { SubmissionError, ArchiveError } from './errors.ts';
export { parseAnswersText, readAnswersFile, MAX_ALIAS_COUNT, MAX_ANSWERS_BYTES, type AnswersParseResult } from './answers-file.ts';
export { parseManifestText, readManifestFile, MAX_MANIFEST_BYTES, type ManifestParseResult } from './manifest-file.ts';
export {
  extractTarGz,
  scanTarGz,
  isGzipFile,
  maxDecompressedBytes,
  unsafeEntryReason,
  DEFAULT_ARCHIVE_LIMITS,
  type ArchiveLimits,
  type ArchiveTotals,
  type EntryHeader,
} from './archive.ts';
export { looksLikeText, nonCaptureReason, listSubmissionFiles } from './walk.ts';
export type * from './types.ts';
