import type { GradeReport } from './report/types.ts';

export interface GradeOptions {
  /** scenario id; else the manifest's, else answers.yaml `scenario:` */
  scenario?: string;
  /** path to lab-manifest.json; wins over one at the submission root */
  manifestPath?: string;
  /** grade the captures only (readiness checks): answer checks are left out of the report */
  evidenceOnly?: boolean;
}

/** Grades a submission folder or .tar.gz. Never throws for bad learner input: that is `gradable: false`. */
export async function gradeSubmission(path: string, options: GradeOptions = {}): Promise<GradeReport> {
  void path;
  void options;
  throw new Error('gradeSubmission: not implemented yet');
}
