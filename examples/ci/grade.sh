#!/usr/bin/env bash
# Grades one learner's submission in CI and always leaves a summary.
#
#   examples/ci/grade.sh SUBMISSION [OUT_DIR]
#
# SUBMISSION: the .tar.gz that `labctl submit` made on the learner's lab host (or a folder).
# Expected facts come from the instructor's side, never from the learner's repository:
#   LABCTL_CLASS_SECRET  the class secret (a CI secret): the learner is who signed the bundle, and every
#                        fact of their lab is derived from (secret, learner, scenario); a lab-manifest.json
#                        the learner committed is checked against it, not trusted
# Writes OUT_DIR (default grade-out/): summary.md (also appended to $GITHUB_STEP_SUMMARY when set),
# report.json (the grade report, when there is one) and the grader's batch output in OUT_DIR/batch/.
# Exit status: 0 passed, 1 not passed, 2 ungradable (bad input, a bundle not signed by a lab of this class,
# tampering, no class secret): the summary says which.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
labctl=(node "$root/bin/labctl.js")
sub=${1:-}
out=${2:-grade-out}
mkdir -p "$out"
summary="$out/summary.md"

finish() { # STATUS: publish the summary, exit
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$summary" >> "$GITHUB_STEP_SUMMARY"; fi
  echo "grade: $(head -n 1 "$summary" | sed 's/^#* *//') (exit $1)"
  exit "$1"
}
ungradable() { # WHY [DETAILS_FILE]
  { echo "## ⚠️ Not gradable"; echo; echo "$1"; if [ -n "${2:-}" ] && [ -s "$2" ]; then echo; echo '```'; head -c 4000 "$2"; echo '```'; fi; } > "$summary"
  finish 2
}

[ -n "$sub" ] || ungradable "usage: grade.sh SUBMISSION [OUT_DIR]"
[ -e "$sub" ] || ungradable "the submission \`$sub\` does not exist: commit the .tar.gz from \`labctl submit\` (or the folder) at that path."
[ -n "${LABCTL_CLASS_SECRET:-}" ] || ungradable "LABCTL_CLASS_SECRET is not set: the instructor adds the class secret as a CI secret, so the expected answers never come from the learner's repository."

# One entry in a folder of its own: the batch grader verifies the signature and derives the lab's facts.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
name=$(basename "$sub")
case "$name" in *.tar.gz|*.tgz) cp -- "$sub" "$stage/$name" ;; *) cp -R -- "$sub" "$stage/submission" ;; esac
rm -rf "$out/batch"
"${labctl[@]}" grade --batch "$stage" --secret "$LABCTL_CLASS_SECRET" --out-dir "$out/batch" > "$out/batch.log" 2>&1
batch_status=$?
[ -f "$out/batch/batch-summary.json" ] || ungradable "the grader could not run (exit $batch_status):" "$out/batch.log"

# status: passed | failed | untrusted | ungradable, then the report file of the row
read -r verdict report < <(node -e '
  const s = require(process.argv[1]);
  const row = s.rows[0];
  const report = require("fs").readdirSync(process.argv[2]).find((f) => f.endsWith(".md")) ?? "";
  if (!row || !row.gradable) console.log("ungradable", report);
  else if (row.status !== "graded" || s.problems.some((p) => ["tampered", "wrong-learner", "unsigned"].includes(p.kind))) console.log("untrusted", report);
  else console.log(row.passed ? "passed" : "failed", report);
' "$(cd "$out/batch" && pwd)/batch-summary.json" "$out/batch/reports" 2>>"$out/batch.log" || echo "ungradable")

problems=$(node -e 'for (const p of require(process.argv[1]).problems) console.log(`- **${p.kind}**: ${p.message}`)' "$(cd "$out/batch" && pwd)/batch-summary.json" 2>/dev/null)
body() { if [ -n "${report:-}" ] && [ -f "$out/batch/reports/$report" ]; then cat "$out/batch/reports/$report"; fi; }
json=${report%.md}.json
[ -n "${report:-}" ] && [ -f "$out/batch/reports/$json" ] && cp "$out/batch/reports/$json" "$out/report.json"

case "$verdict" in
  passed) body > "$summary"; finish 0 ;;
  failed) body > "$summary"; finish 1 ;;
  untrusted)
    { echo "## ⚠️ Not gradable: not a bundle signed by a lab of this class"; echo; echo "$problems"; echo; echo "Hand in the .tar.gz that \`labctl submit\` writes on your lab host, unchanged."; echo; body; } > "$summary"
    finish 2 ;;
  *)
    { echo "## ⚠️ Not gradable"; echo; echo "$problems"; echo; body; } > "$summary"
    [ -s "$summary" ] || ungradable "the grader could not read the submission:" "$out/batch.log"
    finish 2 ;;
esac
