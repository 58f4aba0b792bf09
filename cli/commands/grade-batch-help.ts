// `labctl grade --help`'s text on batch mode, apart from grade-batch.ts: a single grade never loads batch mode's
// modules (worker pool, class report, roster, inventory) just to show its help.
export const BATCH_HELP = `
Batch mode (instructors): labctl grade --batch DIR [--roster FILE] [--secret S] [--out-dir DIR] [--jobs N]
  Every folder and .tar.gz in DIR is one submission, graded in parallel on worker threads.
  Writes into --out-dir (default ./grades): gradebook.csv, reports/<learner>-<scenario>.json and .md,
  class-report.html (opens offline) and batch-summary.json.
  --roster        CSV with a header learner,name,email (or a YAML list of ids): missing learners and
                  submissions from learners not on it are listed.
  --overrides     a person's decisions (default: overrides.yaml in --out-dir, when it exists): points for
                  answer groups or single learners' checks, applied before anything is written.
  --class         the class name for the report title (default: the --inventory's class, or \`class:\` in a
                  YAML roster).
  Writes review.csv too: every answer the grader could not decide (status review), with its answer group.
  --secret        the class secret (or env LABCTL_CLASS_SECRET): checks each bundle's HMAC made by
                  \`labctl submit\`, and that the lab and the captures are that learner's.
  With --secret, a learner's gradebook row holds only their newest verified bundle (signed with their key,
  files intact, their own lab); unsigned, tampered or foreign submissions are graded into rows of their
  own (status unverified) and never replace or fill a learner's row. Without it nothing is verified:
  the newest submission (by file time) per claimed learner counts.
  Exit status in batch mode: 0 every submission graded and nothing flagged; 1 all graded, but some
  need attention (tampered, another learner's lab, not on the roster, missing, duplicates);
  2 some submission is ungradable, or the batch could not run (bad folder, roster, output).`;
