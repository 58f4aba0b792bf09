/** The grade report: DESIGN.md `--format json` shape. Every other format is rendered from this. */

export type CheckKind = 'evidence' | 'answer';
export type CheckStatus = 'pass' | 'partial' | 'fail';

export interface CheckResult {
  id: string;
  kind: CheckKind;
  points: number;
  maxPoints: number;
  status: CheckStatus;
  message: string;
  hint?: string;
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
  checks: CheckResult[];
  captures: CaptureListing[];
  /** why the report is not gradable, or notes such as "graded against the default variant" */
  notes?: string[];
}
