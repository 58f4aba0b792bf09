import type { ReviewGroup, ReviewQueue } from '../batch/review-queue.ts';
import { clip, esc } from './escape.ts';

/**
 * The class report's review queue: answers the grader could not decide, grouped so that identical and
 * near-identical answers are decided at once. Each group shows its id (what grades/overrides.yaml names),
 * how many learners wrote it, up to three answers as written, the learners (linked to their reports) and
 * the decision, or the overrides.yaml line to copy when there is none yet.
 */

export const REVIEW_CSS = `
table.review td.answers ul { margin: 0; padding-left: 16px; }
table.review td.answers li { margin: 2px 0; }
table.review tr.pending td.decision { color: #1864ab; }
table.review tr.decided td.decision { color: #2f9e44; }
.group-id { font-weight: 600; white-space: nowrap; }
.snippet { display: block; white-space: pre-wrap; background: #f1f3f5; border-radius: 4px; padding: 2px 6px; margin-top: 4px; }
`;

function learnerLinks(g: ReviewGroup): string {
  const shown = g.items.slice(0, 12).map((it) => (it.report ? `<a href="${esc(it.report)}">${esc(it.learner)}</a>` : esc(it.learner)));
  const more = g.items.length > 12 ? ` <span class="muted">and ${g.items.length - 12} more</span>` : '';
  return shown.join(', ') + more;
}

function decisionCell(g: ReviewGroup): string {
  const decided = g.items.filter((i) => i.decided).length;
  if (g.decided) return `${g.decided.points}/${g.points} by the instructor${g.decided.comment ? `: ${esc(clip(g.decided.comment, 160))}` : ''}`;
  const yaml = `- { group: ${g.id}, check: ${g.check}, points: ${g.points}, comment: "" }`;
  const part = decided ? `${decided} of ${g.count} decided one by one; ` : '';
  return `${part}pending: ${g.points} points at stake<code class="snippet">${esc(yaml)}</code>`;
}

function groupRow(g: ReviewGroup): string {
  const answers = g.answers.map((a) => `<li>${esc(clip(a, 240)) || '<span class="muted">(empty)</span>'}</li>`).join('');
  const others = g.count > g.answers.length ? `<li class="muted">${g.count - g.answers.length} more written the same way</li>` : '';
  return `<tr id="${esc(g.id)}" class="${g.decided ? 'decided' : 'pending'}"><td class="mono group-id">${esc(g.id)}</td><td class="num">${g.count}</td><td class="answers"><ul>${answers}${others}</ul></td><td>${learnerLinks(g)}</td><td class="decision">${decisionCell(g)}</td></tr>`;
}

export function reviewSection(queue: ReviewQueue | undefined): string {
  if (!queue || !queue.items.length) return '<h2 id="review">Review queue</h2><p class="pass">Nothing to review: the grader decided every answer.</p>';
  const pending = queue.items.filter((i) => !i.decided).length;
  let h = `<section class="review-queue"><h2 id="review">Review queue (${queue.items.length} answer${queue.items.length === 1 ? '' : 's'} in ${queue.groups.length} group${queue.groups.length === 1 ? '' : 's'}, ${pending} pending)</h2>`;
  h += '<p class="muted">Answers that state neither a known concept nor a known misconception. Their points are not in the scores yet. Decide a group by copying its line into <code>grades/overrides.yaml</code> (set the points, add a comment), then run <code>labctl grade --batch</code> again; <code>labctl review learn</code> turns accepted groups into accepted answers for the next class. The same rows are in <code>grades/review.csv</code>.</p>';
  const sections = new Map<string, ReviewGroup[]>();
  for (const g of queue.groups) sections.set(`${g.scenario}\0${g.check}`, [...(sections.get(`${g.scenario}\0${g.check}`) ?? []), g]);
  for (const groups of sections.values()) {
    const g0 = groups[0];
    const n = groups.reduce((s, g) => s + g.count, 0);
    h += `<h3>${esc(g0.scenario)} · ${esc(g0.check)} <span class="muted"><code>${esc(g0.key)}</code>, ${g0.points} points, ${n} answer${n === 1 ? '' : 's'} in ${groups.length} group${groups.length === 1 ? '' : 's'}</span></h3>`;
    h += '<table class="review"><thead><tr><th>group</th><th class="num">answers</th><th>written as</th><th>learners</th><th>decision</th></tr></thead><tbody>';
    for (const g of groups) h += groupRow(g);
    h += '</tbody></table>';
  }
  return `${h}</section>`;
}
