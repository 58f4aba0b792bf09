import { clip, esc } from './escape.ts';
import { REVIEW_CSS, reviewSection } from './review-section.ts';
import type { ClassRow, ClassSummary, ScenarioSummary } from './summary.ts';
import { capturePicture, checkRateBars, scoreHistogram } from './svg.ts';

/**
 * The class report: one self-contained HTML file (inline CSS and SVG, no script, no network; the
 * Content-Security-Policy forbids fetching anything), so it opens offline and can be mailed as is.
 */

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #212529; margin: 0; background: #f8f9fa; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid #dee2e6; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.muted { color: #6c757d; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; }
.tile { border: 1px solid #dee2e6; border-radius: 8px; padding: 8px 14px; min-width: 96px; }
.tile b { display: block; font-size: 22px; }
.tile.bad b { color: #e03131; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e9ecef; vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
.kind { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 12px; color: #fff; background: #868e96; }
.kind.tampered, .kind.wrong-learner { background: #c92a2a; }
.kind.ungradable { background: #e8590c; }
.kind.not-on-roster, .kind.duplicate { background: #5f3dc4; }
.kind.missing, .kind.unsigned, .kind.ignored { background: #868e96; }
.pass { color: #2f9e44; font-weight: 600; } .fail { color: #e03131; font-weight: 600; }
figure { margin: 8px 0 16px; overflow-x: auto; }
figcaption { color: #6c757d; font-size: 12.5px; margin-top: 4px; }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; border-radius: 2px; }
.review-status { color: #1864ab; font-weight: 600; }
.why { font-size: 12px; }
a { color: #1864ab; }
${REVIEW_CSS}`;

function tile(label: string, value: number | string, bad = false): string {
  return `<div class="tile${bad ? ' bad' : ''}"><b>${esc(value)}</b>${esc(label)}</div>`;
}

function scenarioSection(s: ScenarioSummary): string {
  let h = `<section class="scenario" id="s-${esc(s.id)}"><h2>${esc(s.title)} <span class="muted mono">${esc(s.id)}</span></h2>`;
  if (!s.graded) return `${h}<p class="muted">No gradable submission.</p></section>`;
  h += `<p>${s.graded} graded, ${s.passed} passed (${Math.round((s.passed / s.graded) * 100)}%). Median score ${s.medianPercent}%, mean ${s.meanPercent}%.</p>`;
  h += `<p class="activity">${activityLine(s)}</p>`;
  h += `<h3>Score distribution</h3><figure>${scoreHistogram(s.distribution, s.passPercent, s.passedByBand)}<figcaption class="legend">Submissions per 10% score band: <span style="background:#2f9e44"></span>passed<span style="background:#e03131"></span>not passed (a required check can fail a high score); the dashed line is the pass mark.</figcaption></figure>`;
  h += `<h3>Pass rate per check</h3><figure>${checkRateBars(s.checks)}<figcaption class="legend"><span style="background:#2f9e44"></span>pass<span style="background:#f08c00"></span>partial<span style="background:#e03131"></span>fail<span style="background:#1c7ed6"></span>pending review; ✎ marks answer checks.</figcaption></figure>`;
  if (s.wrongAnswers.length) {
    h += '<h3>Most common wrong answers</h3><table><thead><tr><th>answer key</th><th>answer given</th><th class="num">learners</th></tr></thead><tbody>';
    for (const w of s.wrongAnswers) {
      w.groups.forEach((g, i) => {
        const keyCell = i === 0 ? `<td rowspan="${w.groups.length}"><code>${esc(w.key)}</code><br><span class="muted">${esc(w.description)}; ${w.wrong} wrong or partial</span></td>` : '';
        h += `<tr>${keyCell}<td>${esc(clip(g.answer, 160))}</td><td class="num">${g.count}</td></tr>`;
      });
    }
    h += '</tbody></table>';
  }
  if (s.typical) {
    const pic = capturePicture(s.typical.digest);
    if (pic) {
      h += `<h3>A typical capture</h3><figure>${pic.svg}<figcaption>${esc(pic.caption)}: <span class="mono">${esc(s.typical.file)}</span> from ${esc(s.typical.learner)} (${s.typical.percent}%, closest to the median).</figcaption></figure>`;
    }
  }
  return `${h}</section>`;
}

function activityLine(s: ScenarioSummary): string {
  const a = s.activity;
  if (!a.recorded) return 'Help used: not recorded (no bundle made by <code>labctl submit</code> with a signed record).';
  return `Help used (${a.recorded} of ${s.graded} bundles record it): ${a.selfChecksMean} self-checks on average; ${a.usedHints} learner${a.usedHints === 1 ? '' : 's'} used hints.`;
}

function resultCell(r: ClassRow): string {
  if (r.status === 'missing') return '<span class="muted">missing</span>';
  if (r.status === 'ungradable') return '<span class="fail">ungradable</span>';
  const pending = r.pendingPoints ? ` <span class="review-status">${r.pendingPoints} pending review</span>` : '';
  const why = r.why ? `<div class="why muted">${esc(clip(r.why, 300))}</div>` : '';
  return `${r.passed ? '<span class="pass">passed</span>' : '<span class="fail">not passed</span>'}${pending}${why}`;
}

function learnerCell(r: ClassRow): string {
  const who = `${esc(r.learner)}${r.name ? ` <span class="muted">${esc(r.name)}</span>` : ''}`;
  return r.report ? `<a href="${esc(r.report)}">${who}</a>` : who;
}

function setApartSection(summary: ClassSummary): string {
  if (!summary.setApart.length) return '';
  let h = `<h2 id="set-apart">Set apart (${summary.setApart.length}): not in any statistic</h2><p class="muted">Flagged bundles (tampered, from another learner's lab, unsigned) and learners not on the roster: their grades are in the gradebook, but they are left out of pass rates, score distributions, wrong answers and the typical capture.</p>`;
  h += '<table class="set-apart"><thead><tr><th>learner</th><th>scenario</th><th>why</th><th class="num">score</th><th>result</th><th>file</th></tr></thead><tbody>';
  for (const r of summary.setApart) {
    h += `<tr><td>${learnerCell(r)}</td><td>${esc(r.scenario)}</td><td>${(r.apart ?? []).map((k) => `<span class="kind ${esc(k)}">${esc(k)}</span>`).join(' ')}</td><td class="num">${r.score === null ? '' : `${r.score}/${r.maxScore}`}</td><td>${resultCell(r)}</td><td class="mono">${esc(r.file)}</td></tr>`;
  }
  return `${h}</tbody></table>`;
}

function problemsSection(summary: ClassSummary): string {
  if (!summary.problems.length) return '<h2>Problems</h2><p class="pass">None: every submission is gradable, intact and on the roster.</p>';
  let h = `<h2>Problems (${summary.problems.length})</h2><table class="problems"><thead><tr><th>kind</th><th>learner</th><th>scenario</th><th>file</th><th>what</th></tr></thead><tbody>`;
  for (const p of summary.problems) {
    h += `<tr><td><span class="kind ${esc(p.kind)}">${esc(p.kind)}</span></td><td>${esc(p.learner ?? '')}</td><td>${esc(p.scenario ?? '')}</td><td class="mono">${esc(p.file ?? '')}</td><td>${esc(clip(p.message, 400))}</td></tr>`;
  }
  return `${h}</tbody></table>`;
}

function gradebookSection(summary: ClassSummary): string {
  let h =
    '<h2>Gradebook</h2><table class="gradebook"><thead><tr><th>learner (report)</th><th>scenario</th><th class="num">score</th><th class="num">%</th><th>result</th><th class="num" title="points set by the instructor">by instructor</th><th class="num">self-checks</th><th class="num">hints</th><th>provenance</th><th>file</th></tr></thead><tbody>';
  for (const r of summary.rows) {
    const n = (v: number | null) => (v === null ? '' : String(v));
    h += `<tr${r.apart ? ' class="apart"' : ''}><td>${learnerCell(r)}</td><td>${esc(r.scenario)}</td><td class="num">${r.score === null ? '' : `${r.score}/${r.maxScore}`}</td><td class="num">${r.percent ?? ''}</td><td>${resultCell(r)}</td><td class="num">${r.instructorPoints ? r.instructorPoints : ''}</td><td class="num">${n(r.selfChecks)}</td><td class="num">${n(r.hints)}</td><td>${esc(r.provenance)}${r.apart ? ' <span class="muted">(set apart)</span>' : ''}</td><td class="mono">${esc(r.file)}</td></tr>`;
  }
  return `${h}</tbody></table>`;
}

export function renderClassReport(summary: ClassSummary): string {
  const t = summary.totals;
  const body = [
    `<h1>${esc(summary.title)}</h1>`,
    `<p class="muted">${summary.scenarios.map((s) => esc(s.id)).join(', ') || 'no scenarios'}</p>`,
    '<div class="tiles">',
    tile('submissions', t.submissions),
    tile('graded', t.graded),
    tile('passed', t.passed),
    tile('ungradable', t.ungradable, t.ungradable > 0),
    tile('missing', t.missing, t.missing > 0),
    tile('flagged', t.flagged, t.flagged > 0),
    tile('set apart', t.setApart, t.setApart > 0),
    tile('pending review', t.pendingReview, t.pendingReview > 0),
    '</div>',
    problemsSection(summary),
    setApartSection(summary),
    ...summary.scenarios.map(scenarioSection),
    reviewSection(summary.review),
    gradebookSection(summary),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(summary.title)}</title>
<style>${CSS}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}
