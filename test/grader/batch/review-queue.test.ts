import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../grader/batch/csv.ts';
import { groupKeyOf, normaliseAnswerText, reviewGroupId } from '../../../grader/batch/review-groups.ts';
import { buildReviewQueue, renderReviewCsv } from '../../../grader/batch/review-queue.ts';
import { reviewSection } from '../../../grader/class-report/review-section.ts';
import { reviewClass } from './review-class.ts';

describe('answer groups', () => {
  it('groups answers that differ only in case, spacing, punctuation and articles', () => {
    expect(normaliseAnswerText('The monitor pings the web service NON-STOP!')).toBe('monitor pings web service non-stop');
    expect(normaliseAnswerText('  monitor   pings a web service non-stop.')).toBe('monitor pings web service non-stop');
    expect(normaliseAnswerText('health-check.sh (PPID 4170)')).toBe('health-check.sh ppid 4170');
  });

  it('prefers the grader\'s claim key, and gives stable ids per scenario and check', () => {
    expect(groupKeyOf({ key: 'k', asserted: [], rejected: [], missing: [], claimKey: 'loop spawn' }, 'whatever was written')).toBe('claims:loop spawn');
    expect(groupKeyOf(undefined, 'The Loop.')).toBe('text:loop');
    expect(groupKeyOf(undefined, '   ')).toBe('text:(empty)');
    const id = reviewGroupId('ghost-load', 'root-cause-answer', 'text:loop');
    expect(id).toMatch(/^g-[0-9a-f]{8}$/);
    expect(reviewGroupId('ghost-load', 'root-cause-answer', 'text:loop')).toBe(id);
    expect(reviewGroupId('ghost-load', 'fix-answer', 'text:loop')).not.toBe(id);
  });
});

describe('the review queue', () => {
  const { results, kept, reportOf } = reviewClass();
  const queue = buildReviewQueue(results, kept, reportOf);

  it('lists every learner x check pending review (and those decided since), grouped', () => {
    expect(queue.items.map((i) => `${i.learner}/${i.check}`)).toEqual([
      'ana/root-cause-answer',
      'ben/root-cause-answer',
      'cy/root-cause-answer',
      'dee/root-cause-answer',
      'eve/root-cause-answer',
      'fay/root-cause-answer',
    ]);
    // largest first, then by id
    expect(queue.groups.map((g) => [g.groupKey, g.count, g.decided?.points ?? null])).toEqual([
      ['claims:loop curl spawn', 2, 10],
      ['text:monitor pings web service non-stop', 2, null],
      ['text:b it is cpu /b', 1, null],
      ['text:hyperlink http //evil/ click', 1, null],
    ]);
    const claims = queue.groups[0];
    expect(claims.answers).toEqual(['a loop keeps spawning curl', 'curl gets spawned in a loop']);
    expect(claims.decided).toEqual({ points: 10, comment: 'spawning in a loop, yes' });
    expect(claims.items.map((i) => i.learner)).toEqual(['cy', 'fay']);
  });

  it('writes review.csv: spreadsheet-safe, one row per item, with group, size, points at stake and decisions', () => {
    const csv = renderReviewCsv(queue);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('learner,scenario,check,key,answer,group,groupSize,points,decidedPoints,comment,groupKey');
    const g = (key: string) => queue.groups.find((x) => x.groupKey === key)!.id;
    expect(lines[1]).toBe(`ana,ghost-load,root-cause-answer,root_cause,The monitor pings the web service NON-STOP!,${g('text:monitor pings web service non-stop')},2,10,,,text:monitor pings web service non-stop`);
    expect(lines[2]).toBe(`ben,ghost-load,root-cause-answer,root_cause,"  monitor pings the web service non-stop.",${g('text:monitor pings web service non-stop')},2,10,,,text:monitor pings web service non-stop`);
    // a formula is text in a spreadsheet: a leading apostrophe, quotes doubled
    expect(lines[5]).toBe(`eve,ghost-load,root-cause-answer,root_cause,"'=HYPERLINK(""http://evil/"",""click"")",${g('text:hyperlink http //evil/ click')},1,10,,,text:hyperlink http //evil/ click`);
    expect(lines[6]).toBe(`fay,ghost-load,root-cause-answer,root_cause,a loop keeps spawning curl,${g('claims:loop curl spawn')},2,10,10,"spawning in a loop, yes",claims:loop curl spawn`);
    expect(parseCsv(csv)).toHaveLength(7);
  });

  it('renders a class-report section: groups, counts, learners linked to their reports, the line to copy', () => {
    const html = reviewSection(queue);
    expect(html).toContain('<h2 id="review">Review queue (6 answers in 4 groups, 4 pending)</h2>');
    expect(html).toContain('<h3>ghost-load · root-cause-answer <span class="muted"><code>root_cause</code>, 10 points, 6 answers in 4 groups</span></h3>');
    const g = queue.groups[1];
    expect(html).toContain(`<tr id="${g.id}" class="pending"><td class="mono group-id">${g.id}</td><td class="num">2</td>`);
    expect(html).toContain(`<tr id="${queue.groups[0].id}" class="decided">`);
    expect(html).toContain('<a href="reports/ana-ghost-load-1a2b3c.md">ana</a>, <a href="reports/ben-ghost-load-1a2b3c.md">ben</a>');
    expect(html).toContain(`<code class="snippet">- { group: ${g.id}, check: root-cause-answer, points: 10, comment: &quot;&quot; }</code>`);
    expect(html).toContain('<td class="decision">10/10 by the instructor: spawning in a loop, yes</td>');
    // learner text is escaped
    expect(html).toContain('=HYPERLINK(&quot;http://evil/&quot;,&quot;click&quot;)');
    expect(html).toContain('&lt;b&gt;it is CPU&lt;/b&gt;');
    expect(html).not.toContain('<b>it is CPU');
    expect(reviewSection({ items: [], groups: [] })).toContain('Nothing to review');
  });
});
