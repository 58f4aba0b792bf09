import type { GradeReport } from '../report/types.ts';
import type { ProvenanceStatus } from '../provenance/verify.ts';

/** One submission to grade: sent to a worker thread, so plain data only. */
export interface BatchTask {
  id: number;
  /** absolute path of the folder or archive */
  path: string;
  /** the entry's name in the batch folder, used in messages instead of temp paths */
  entry: string;
  scenario?: string;
  classSecret?: string;
  requireDerivedSeed?: boolean;
  /** where to extract archives: a folder the main thread tracks, so a stopped batch leaves nothing behind */
  tmpRoot?: string;
}

/** A small, serialisable picture of one capture, for the class report's "typical capture" figure. */
export interface CaptureDigest {
  file: string;
  tool: string;
  flavor: string;
  /** execsnoop: the most exec'd commands, descending */
  execTop?: [string, number][];
  /** offcputime / profile: the biggest stacks, frames root first */
  stacks?: { comm: string; value: number; frames: string[] }[];
  /** histogram tools: the merged buckets */
  hist?: { unit: string; buckets: { low: number; high: number; count: number }[] };
  /** fsslower: operations by type */
  fsTypes?: Record<string, number>;
}

/** How much help the learner used before submitting (`labctl submit` records it in the signed provenance record). */
export interface LearnerActivity {
  selfChecks: number;
  /** the highest hint level reached */
  hints: number;
}

export type ProvenanceCell = ProvenanceStatus | 'not-checked';

/** What grading one submission yields. Never an exception: failures are in `report` (gradable false). */
export interface SubmissionResult {
  id: number;
  entry: string;
  learner: string;
  /** where the learner id came from; `entry-name` means no manifest, record or answers named one */
  learnerFrom: 'provenance' | 'manifest' | 'answers' | 'file-name' | 'entry-name';
  scenario: string;
  report: GradeReport;
  provenance: { status: ProvenanceCell; message: string };
  /** the learner id and time come from a verified signature (class secret given, HMAC and files intact) */
  trusted?: boolean;
  /** when the submission was made: the verified record's time, else the file's modification time */
  createdAt: string;
  /** answers.yaml values as text, for "most common wrong answers" */
  answers: Record<string, string>;
  digests: CaptureDigest[];
  /** the learner's use of `labctl self-check` and `labctl hint`, as recorded in the signed bundle */
  activity?: LearnerActivity;
  ms: number;
}
