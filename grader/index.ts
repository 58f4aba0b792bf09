/** Public API of the grader, used by the CLI and by labs (`labctl lab check`, `labctl demo`). */
export type { GradeReport, CheckResult } from './report/types.ts';
export { gradeSubmission, type GradeOptions } from './grade.ts';
export { parseCaptureText, parseCaptureFile } from './parsers/index.ts';
