import { csvLine } from './csv.ts';
import type { GradebookRow } from './assemble.ts';

/** The gradebook's columns, in order: the documented nine first, then the extras. */
export const GRADEBOOK_COLUMNS = ['learner', 'scenario', 'score', 'maxScore', 'percent', 'passed', 'gradable', 'provenance', 'file', 'status', 'name', 'email', 'message', 'pendingPoints', 'instructorPoints', 'selfChecks', 'hints', 'why'] as const;

/** gradebook.csv: one row per learner and scenario, CRLF line ends (RFC 4180), spreadsheet-safe text. */
export function renderGradebook(rows: GradebookRow[]): string {
  let out = csvLine([...GRADEBOOK_COLUMNS]);
  for (const r of rows) {
    out += csvLine([r.learner, r.scenario, r.score, r.maxScore, r.percent, r.passed, r.gradable, r.provenance, r.file, r.status, r.name, r.email, r.message, r.pendingPoints, r.instructorPoints, r.selfChecks, r.hints, r.why]);
  }
  return out;
}
