import { describe, expect, it } from 'vitest';
import { renderGradescope } from '../../../grader/report/gradescope.ts';
import { renderJson } from '../../../grader/report/json.ts';
import { renderJunit } from '../../../grader/report/junit.ts';
import { renderMarkdown } from '../../../grader/report/markdown.ts';
import { renderText } from '../../../grader/report/text.ts';
import type { GradeReport } from '../../../grader/report/types.ts';
import { recomputeVerdict, verdictReasons } from '../../../grader/report/verdict.ts';
import { passedReport, reviewReport } from './sample-reports.ts';

/** carol's report with a required evidence check failed: no review can make it pass. */
function requiredFailed(): GradeReport {
  const r = reviewReport();
  const c = r.checks.find((x) => x.id === 'culprit-dominates')!;
  Object.assign(c, { points: 0, status: 'fail', message: 'curl is 3% of execs' });
  return { ...r, score: 35 };
}

describe('why a submission did not pass', () => {
  it('names the pass mark and the points pending review, and whether review can change the verdict', () => {
    expect(verdictReasons(reviewReport())).toEqual([
      'score 60/100 is below the pass mark of 70% (70 points)',
      '20 points pending review (root-cause-answer): the submission passes if a person accepts enough of them',
    ]);
  });

  it('names a required check that failed first, and says review cannot rescue it', () => {
    expect(verdictReasons(requiredFailed())).toEqual([
      'required check culprit-dominates failed: the submission cannot pass without it',
      'score 35/100 is below the pass mark of 70% (70 points)',
      '20 points pending review (root-cause-answer): even all of them would not make it pass',
    ]);
    // a required check failing with a score above the mark: the check alone is the reason
    const high = { ...requiredFailed(), score: 80 };
    expect(verdictReasons(high)[0]).toBe('required check culprit-dominates failed: the submission cannot pass without it');
    expect(verdictReasons(high)).toHaveLength(2);
  });

  it('says nothing for a passed report with nothing pending', () => {
    expect(verdictReasons(passedReport())).toEqual([]);
  });

  it('recomputes score, pending points and verdict after a person decided the review', () => {
    const r = reviewReport();
    const rc = r.checks.find((c) => c.id === 'root-cause-answer')!;
    Object.assign(rc, { points: 20, status: 'pass', override: { by: 'instructor' } });
    const after = recomputeVerdict(r);
    expect([after.score, after.maxScore, after.passed, after.pendingPoints]).toEqual([80, 100, true, undefined]);
    expect(verdictReasons(after)).toEqual([]);
    // the same points with the required evidence check failed still do not pass
    const req = requiredFailed();
    Object.assign(req.checks.find((c) => c.id === 'root-cause-answer')!, { points: 20, status: 'pass' });
    expect(recomputeVerdict(req).passed).toBe(false);
  });
});

describe('review and answer structure in every format', () => {
  it('text: a ? mark, "pending review", the answer as read, who set the points', () => {
    const out = renderText(reviewReport(), { color: false });
    expect(out).toContain(
      [
        'Score:    60/100  ✖ NOT PASSED',
        '',
        'Why it did not pass',
        '  - score 60/100 is below the pass mark of 70% (70 points)',
        '  - 20 points pending review (root-cause-answer): the submission passes if a person accepts enough of them',
      ].join('\n'),
    );
    expect(out).toContain(
      [
        '  ✔ 10/10  rate-answer         Rate per second: 2 is below the lab\'s rate',
        '                               points set by the instructor: measured over 9 s, fine',
        '  ?  0/20  root-cause-answer   Root cause: names no known cause and no known misconception',
        '                               pending review: your instructor decides these points',
        '                               rejected: CPU saturation',
        '                               missing: short-lived processes; a loop starting them over and over',
        '                               hint: how long does each process live?',
        '  ✖   0/5  fix-answer          Fix: killing the process is not a fix',
        '                               missing: stop or slow the loop',
        '                               misconception: killing curl does not stop the loop: the next one starts at once',
      ].join('\n'),
    );
    expect(out).toContain('contradicts your capture: your capture shows PPID 4170 = monitor.sh');
  });

  it('json: reading, override, pending points and reasons as fields', () => {
    const j = JSON.parse(renderJson(reviewReport()));
    expect(Object.keys(j)).toEqual(['scenario', 'learner', 'score', 'maxScore', 'passed', 'gradable', 'passPercent', 'pendingPoints', 'why', 'checks', 'captures']);
    expect(j.pendingPoints).toBe(20);
    const byId = Object.fromEntries(j.checks.map((c: { id: string }) => [c.id, c]));
    expect(byId['root-cause-answer'].status).toBe('review');
    expect(byId['root-cause-answer'].answer).toEqual({
      key: 'root_cause',
      answer: 'the monitor pings the web service non stop',
      asserted: [],
      rejected: ['CPU saturation'],
      missing: ['short-lived processes', 'a loop starting them over and over'],
      claimKey: 'monitor ping service',
    });
    expect(byId['fix-answer'].answer.misconception).toEqual({ id: 'kill-process', feedback: 'killing curl does not stop the loop: the next one starts at once' });
    expect(byId['parent-answer'].answer.contradiction).toBe('your capture shows PPID 4170 = monitor.sh');
    expect(byId['rate-answer'].override).toEqual({ by: 'instructor', comment: 'measured over 9 s, fine' });
    expect(byId['execsnoop-captured'].required).toBe(true);
    expect(byId['culprit-answer'].required).toBeUndefined();
  });

  it('junit: review is <skipped>, not a failure; the reasons are a property', () => {
    const xml = renderJunit(reviewReport());
    expect(xml).toContain('<testsuites name="labctl grade" tests="7" failures="2" errors="0" skipped="1">');
    expect(xml).toContain(
      '<testcase classname="ghost-load.answer" name="root-cause-answer">\n      <skipped message="pending review: Root cause: names no known cause and no known misconception"/>\n      <system-out>0/20 pending review: your instructor decides these points\nrejected: CPU saturation\nmissing: short-lived processes; a loop starting them over and over</system-out>\n    </testcase>',
    );
    expect(xml).toContain('<property name="pendingPoints" value="20"/>');
    expect(xml).toContain(
      '<property name="whyNotPassed" value="score 60/100 is below the pass mark of 70% (70 points)&#10;20 points pending review (root-cause-answer): the submission passes if a person accepts enough of them"/>',
    );
    expect(xml).toContain('<system-out>10/10 Rate per second: 2 is below the lab\'s rate\npoints set by the instructor: measured over 9 s, fine</system-out>');
    expect(xml).toContain('misconception: killing curl does not stop the loop: the next one starts at once\nhint: what would make the script start fewer processes?</failure>');
  });

  it('gradescope: a review test has no status and says PENDING REVIEW; the output says why', () => {
    const g = JSON.parse(renderGradescope(reviewReport()));
    const rc = g.tests.find((t: { name: string }) => t.name === 'answer: root-cause-answer');
    expect(rc).toEqual({
      name: 'answer: root-cause-answer',
      score: 0,
      max_score: 20,
      output:
        'PENDING REVIEW: your instructor decides these 20 points.\nRoot cause: names no known cause and no known misconception\nrejected: CPU saturation\nmissing: short-lived processes; a loop starting them over and over\nHint: how long does each process live?',
      visibility: 'visible',
    });
    expect(g.output).toBe(
      'ghost-load (carol): 60/100 NOT PASSED\n\nWhy it did not pass:\n- score 60/100 is below the pass mark of 70% (70 points)\n- 20 points pending review (root-cause-answer): the submission passes if a person accepts enough of them\n\nPENDING REVIEW: 20 points are not in the score yet; your instructor decides them.\n\nCaptures:\n- execsnoop.txt: execsnoop (bcc)',
    );
    expect(g.tests.find((t: { name: string }) => t.name === 'answer: rate-answer').output).toBe("Rate per second: 2 is below the lab's rate\npoints set by the instructor: measured over 9 s, fine");
  });

  it('markdown: 👀 pending review row, reasons, and how the answers were read', () => {
    const md = renderMarkdown(reviewReport());
    expect(md.split('\n')[0]).toBe('## ❌ ghost-load: 60/100 (not passed, 20 points pending review)');
    expect(md).toContain(
      '**Why it did not pass:**\n\n- score 60/100 is below the pass mark of 70% (70 points)\n- 20 points pending review (root-cause-answer): the submission passes if a person accepts enough of them\n',
    );
    expect(md).toContain('| 👀 pending review | 0/20 | root-cause-answer (answer) | Root cause: names no known cause and no known misconception |');
    expect(md).toContain("| ✅ pass | 10/10 | rate-answer (answer) | Rate per second: 2 is below the lab's rate<br>points set by the instructor: measured over 9 s, fine |");
    expect(md).toContain('- **fix-answer**: missing: stop or slow the loop; misconception: killing curl does not stop the loop: the next one starts at once');
    expect(renderMarkdown(requiredFailed())).toContain('- required check culprit-dominates failed: the submission cannot pass without it\n');
  });
});
