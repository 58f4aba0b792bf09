/** Batch grading (`labctl grade --batch`): discovery, worker-thread pool, roster, gradebook, outputs. */
export { runBatch, batchExitCode, type BatchOptions, type BatchRun } from './run.ts';
export { gradeAll, defaultJobs, type PoolOptions } from './pool.ts';
export { gradeOne, learnerFromFileName } from './grade-one.ts';
export { assembleBatch, type BatchOutcome, type BatchProblem, type GradebookRow, type ProblemKind } from './assemble.ts';
export { renderGradebook, GRADEBOOK_COLUMNS } from './gradebook.ts';
export { parseRoster, readRoster, type RosterEntry } from './roster.ts';
export { parseCsv, csvField, csvLine } from './csv.ts';
export { discoverSubmissions } from './discover.ts';
export type { BatchTask, SubmissionResult, CaptureDigest } from './types.ts';
