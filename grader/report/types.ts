/** The grade report: DESIGN.md `--format json` shape. Every other format is rendered from this. */

export type CheckKind = 'evidence' | 'answer';
/**
 * `review`: a free-text answer that asserts neither a known concept nor a known misconception. Uncertain is
 * not wrong: the check scores 0 for now, its points are counted in `GradeReport.pendingPoints`, and a person
 * decides it (grades/overrides.yaml).
 */
export type CheckStatus = 'pass' | 'partial' | 'fail' | 'review';

/** How an answer check read the learner's answer: the structure behind its message. */
export interface AnswerReading {
  /** the answers.yaml key */
  key: string;
  /** the answer as read (lists joined), or undefined when unanswered */
  answer?: string;
  /** concept names the answer asserts */
  asserted: string[];
  /** concept names the answer explicitly rejects ("not X", "X, not Y" rejects Y) */
  rejected: string[];
  /** concept names the check needs that the answer does not assert */
  missing: string[];
  /** a wrong claim the answer makes (declared in scenario.yaml), with its feedback */
  misconception?: { id: string; feedback: string };
  /** the answer disagrees with the learner's own capture */
  contradiction?: string;
  /** normalised claims, the key that groups identical and near-identical answers for review */
  claimKey?: string;
}

export interface CheckResult {
  id: string;
  kind: CheckKind;
  points: number;
  maxPoints: number;
  status: CheckStatus;
  message: string;
  hint?: string;
  /** the submission cannot pass unless this check passes (scenario.yaml `required`) */
  required?: boolean;
  /** answer checks: what was read */
  answer?: AnswerReading;
  /** set when a person decided the points (grades/overrides.yaml), with their comment and what the grader had given */
  override?: { by: 'instructor'; comment?: string; graded?: { status: CheckStatus; points: number } };
}

export interface CaptureListing {
  file: string;
  tool: string;
  flavor: string;
}

export interface GradeReport {
  scenario: string;
  learner?: string;
  score: number;
  maxScore: number;
  passed: boolean;
  gradable: boolean;
  /** the scenario's pass mark: `passed` needs score >= passPercent% of maxScore and every required check passed */
  passPercent?: number;
  checks: CheckResult[];
  captures: CaptureListing[];
  /** points of `review` checks, pending a person's decision; not in `score` */
  pendingPoints?: number;
  /** why the report is not gradable, or notes such as "graded against the default variant" */
  notes?: string[];
}
