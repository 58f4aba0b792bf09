import { describe, expect, it } from 'vitest';
import { assembleBatch } from '../../../grader/batch/assemble.ts';
import type { SubmissionResult } from '../../../grader/batch/types.ts';
import { normaliseAnswer, summarizeClass } from '../../../grader/class-report/summary.ts';
import { capturePicture, icicle, namedBars } from '../../../grader/class-report/svg.ts';
import { renderClassReport } from '../../../grader/class-report/html.ts';
import { loadScenario } from '../../../scenarios/load.ts';

const ghost = loadScenario('ghost-load');

/** A graded ghost-load result where the listed checks failed and everything else passed. */
function graded(learner: string, failed: string[], answers: Record<string, string>, execTop: [string, number][] = [['curl', 50]]): SubmissionResult {
  const checks = ghost.checks.map((c) => ({ id: c.id, kind: c.kind, points: failed.includes(c.id) ? 0 : c.points, maxPoints: c.points, status: failed.includes(c.id) ? ('fail' as const) : ('pass' as const), message: c.title }));
  const score = checks.reduce((s, c) => s + c.points, 0);
  return {
    id: 0,
    entry: `${learner}.tgz`,
    learner,
    learnerFrom: 'manifest',
    scenario: 'ghost-load',
    report: { scenario: 'ghost-load', learner, score, maxScore: 100, passed: score >= 70, gradable: true, checks, captures: [] },
    provenance: { status: 'verified', message: 'ok' },
    createdAt: '2026-11-25T10:00:00.000Z',
    answers,
    digests: [{ file: 'execsnoop.txt', tool: 'execsnoop', flavor: 'libbpf', execTop }],
    ms: 1,
  };
}

describe('summarizeClass', () => {
  const results = [
    graded('ana', [], { parent_process: 'probe.sh' }),
    graded('ben', ['parent-answer'], { parent_process: 'Cron.' }),
    graded('cy', ['parent-answer', 'culprit-answer'], { parent_process: ' cron ', culprit_command: 'sleep' }, [['sleep', 9], ['curl', 3]]),
    graded('dee', ['parent-answer', 'culprit-answer', 'root-cause-answer', 'fix-answer'], { parent_process: 'systemd', culprit_command: 'sleep' }),
  ];
  const outcome = assembleBatch(results.map((r, i) => ({ ...r, id: i })));
  const s = summarizeClass(results, outcome, { 'ghost-load': ghost }, 'Week 3');
  const sc = s.scenarios[0];

  it('counts the score distribution in 10% bands and the pass rate', () => {
    // scores: 100, 85, 70, 55
    expect(sc.distribution).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 1, 1]);
    expect([sc.graded, sc.passed, sc.medianPercent, sc.meanPercent]).toEqual([4, 3, 77.5, 77.5]);
    expect(s.totals).toMatchObject({ submissions: 4, graded: 4, passed: 3, ungradable: 0, missing: 0 });
  });

  it('rates every check in scenario order', () => {
    expect(sc.checks.map((c) => c.id)).toEqual(ghost.checks.map((c) => c.id));
    expect(sc.checks.find((c) => c.id === 'parent-answer')).toMatchObject({ pass: 1, fail: 3, partial: 0, kind: 'answer', title: 'Parent process' });
  });

  it('groups identical wrong answers whatever their case, spaces and final full stop', () => {
    expect(normaliseAnswer('  Cron. ')).toBe('cron');
    const parent = sc.wrongAnswers.find((w) => w.key === 'parent_process')!;
    expect(parent).toMatchObject({ wrong: 3, groups: [{ answer: 'cron', count: 2 }, { answer: 'systemd', count: 1 }] });
    expect(sc.wrongAnswers.find((w) => w.key === 'culprit_command')!.groups).toEqual([{ answer: 'sleep', count: 2 }]);
    expect(sc.wrongAnswers.find((w) => w.key === 'fix')!.groups).toEqual([{ answer: '(no answer)', count: 1 }]);
  });

  it('pictures the capture of the submission closest to the median score', () => {
    // median 77.5: ben (85) and cy (70) are 7.5 away; the tie goes to the first learner name
    expect(sc.typical).toMatchObject({ learner: 'ben', file: 'execsnoop.txt', percent: 85 });
  });

  it('renders it with the title escaped', () => {
    const html = renderClassReport({ ...s, title: 'Week <3> & "friends"' });
    expect(html).toContain('<title>Week &lt;3&gt; &amp; &quot;friends&quot;</title>');
  });
});

describe('svg pictures', () => {
  it('escape names from captures', () => {
    const svg = namedBars([['<evil>&', 3]], 'x', 'execs');
    expect(svg).toContain('&lt;evil&gt;&amp;');
    expect(svg).not.toContain('<evil>');
  });

  it('draws an icicle whose widths follow the stack values', () => {
    const svg = icicle(
      [
        { comm: 'orderd', value: 300, frames: ['start_thread', 'worker', 'update_inventory', 'futex_wait'] },
        { comm: 'orderd', value: 100, frames: ['start_thread', 'worker', 'do_io'] },
      ],
      'us',
    );
    const width = (name: string) => Number(svg.match(new RegExp(`width="([\\d.]+)"[^>]*><title>${name}:`))![1]);
    expect(width('update_inventory')).toBeCloseTo(750 - 0.5, 0);
    expect(width('do_io')).toBeCloseTo(250 - 0.5, 0);
    expect(svg).toContain('<title>orderd: 400 us (100%)</title>');
  });

  it('chooses the picture by what the digest holds', () => {
    expect(capturePicture({ file: 'f', tool: 'runqlat', flavor: 'libbpf', hist: { unit: 'usecs', buckets: [{ low: 0, high: 1, count: 5 }] } })?.caption).toBe('runqlat histogram (usecs)');
    expect(capturePicture({ file: 'f', tool: 'fsslower', flavor: 'bcc', fsTypes: { S: 10, W: 2 } })?.svg).toContain('S (sync)');
    expect(capturePicture({ file: 'f', tool: 'syscount', flavor: 'libbpf' })).toBeNull();
  });
});
