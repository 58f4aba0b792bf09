import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learnFromOverrides } from '../../../cli/commands/review.ts';
import { parseCsv } from '../../../grader/batch/csv.ts';
import { readOverrides } from '../../../grader/batch/overrides.ts';
import { runBatch, type BatchRun } from '../../../grader/batch/run.ts';
import { gradeSubmission } from '../../../grader/grade.ts';
import { SCENARIOS_DIR } from '../../../scenarios/load.ts';
import { exampleClass } from './example-class.ts';

/**
 * The review loop on real submissions (the scenario's example captures), with answers the grader cannot
 * decide: batch -> review.csv and the class report's queue -> overrides.yaml -> batch again -> review learn
 * -> the next class's same answers are graded without review.
 */
const MONITOR = 'The monitor pings the web service non stop.';
const MONITOR_AGAIN = 'the monitor pings the web-service NON STOP';
const HAMMER = 'the health checker hammers the endpoint';
const CALMER = 'make the watchdog calmer';

let fx: Awaited<ReturnType<typeof exampleClass>>;
let first: BatchRun;
let second: BatchRun;
let firstCsv: string;
const out = () => join(fx.root, 'grades');

const csvRows = (text: string) => {
  const csv = parseCsv(text);
  return csv.slice(1).map((r) => Object.fromEntries(csv[0].fields.map((h, i) => [h, r.fields[i]])));
};

beforeAll(async () => {
  fx = await exampleClass('ghost-load', {
    ana: { example: 'correct', answers: { root_cause: MONITOR, fix: CALMER } },
    ben: { example: 'correct', answers: { root_cause: MONITOR_AGAIN, fix: CALMER } },
    cy: { example: 'correct', answers: { root_cause: HAMMER, fix: CALMER } },
    dee: { example: 'wrong' },
  });
  first = await runBatch({ dir: fx.batch, outDir: out(), jobs: 0, title: 'Perf 101' });
  firstCsv = await readFile(first.files.review, 'utf8');
}, 120_000);
afterAll(async () => fx?.cleanup());

describe('the review queue of a real batch', () => {
  it('lists each undecided answer once, grouped by the claims it makes', () => {
    const rows = csvRows(firstCsv);
    expect(rows.map((r) => `${r.learner} ${r.check} ${r.groupSize} ${r.points}`)).toEqual([
      'ana fix-answer 3 5',
      'ben fix-answer 3 5',
      'cy fix-answer 3 5',
      'ana root-cause-answer 2 10',
      'ben root-cause-answer 2 10',
      'cy root-cause-answer 1 10',
    ]);
    const rc = rows.filter((r) => r.check === 'root-cause-answer');
    expect(rc[0].group).toBe(rc[1].group);
    expect(rc[2].group).not.toBe(rc[0].group);
    expect(rc.map((r) => r.answer)).toEqual([MONITOR, MONITOR_AGAIN, HAMMER]);
    expect(rc[0].groupKey).toMatch(/^claims:/);
    // dee's answers are wrong, not uncertain: nothing of hers to review
    expect(rows.some((r) => r.learner === 'dee')).toBe(false);
  });

  it('counts pending points in the gradebook and shows the groups in the class report', async () => {
    const gb = csvRows(await readFile(first.files.gradebook, 'utf8'));
    expect(gb.map((r) => `${r.learner}:${r.score}:${r.pendingPoints}:${r.passed}`)).toEqual(['ana:85:15:true', 'ben:85:15:true', 'cy:85:15:true', 'dee:45:0:false']);
    expect(gb[0].why).toBe('15 points pending review (root-cause-answer, fix-answer): they can only add to the score');
    const html = await readFile(first.files.classReport, 'utf8');
    expect(html).toContain('<title>Class report: Perf 101</title>');
    expect(html).toContain('Review queue (6 answers in 3 groups, 6 pending)');
    const rc = csvRows(firstCsv).find((r) => r.learner === 'ana' && r.check === 'root-cause-answer')!;
    expect(html).toContain(`<code class="snippet">- { group: ${rc.group}, check: root-cause-answer, points: 10, comment: &quot;&quot; }</code>`);
    expect(html).toMatch(/<a href="reports\/ana-ghost-load[^"]*\.md">ana<\/a>, <a href="reports\/ben-ghost-load[^"]*\.md">ben<\/a>/);
  });
});

describe('deciding the groups and teaching the scenario', () => {
  let monitorGroup: string;
  let fixGroup: string;
  beforeAll(async () => {
    const rows = csvRows(firstCsv);
    monitorGroup = rows.find((r) => r.learner === 'ana' && r.check === 'root-cause-answer')!.group;
    fixGroup = rows.find((r) => r.check === 'fix-answer')!.group;
    await writeFile(
      join(out(), 'overrides.yaml'),
      `# decided on Monday\noverrides:\n  - { group: ${monitorGroup}, check: root-cause-answer, points: 10, comment: "the loop, in other words" }\n  - { group: ${fixGroup}, check: fix-answer, points: 5 }\n`,
    );
    second = await runBatch({ dir: fx.batch, outDir: out(), jobs: 0, overrides: await readOverrides(join(out(), 'overrides.yaml')) });
  }, 120_000);

  it('applies the decisions on the rerun: points from a person, verdict and pending points recomputed', async () => {
    const gb = csvRows(await readFile(second.files.gradebook, 'utf8'));
    expect(gb.map((r) => `${r.learner}:${r.score}:${r.pendingPoints}:${r.instructorPoints}`)).toEqual(['ana:100:0:15', 'ben:100:0:15', 'cy:90:10:5', 'dee:45:0:0']);
    const rows = csvRows(await readFile(second.files.review, 'utf8'));
    expect(rows.filter((r) => r.decidedPoints !== '').map((r) => `${r.learner} ${r.check} ${r.decidedPoints}`)).toEqual([
      'ana fix-answer 5',
      'ben fix-answer 5',
      'cy fix-answer 5',
      'ana root-cause-answer 10',
      'ben root-cause-answer 10',
    ]);
    expect((await readFile(second.files.classReport, 'utf8')).match(/Review queue \([^)]*\)/)![0]).toBe('Review queue (6 answers in 3 groups, 1 pending)');
  });

  it('review learn writes the accepted claims into scenario.yaml, and the next class is graded without review', async () => {
    const root = join(fx.root, 'scenarios');
    await cp(join(SCENARIOS_DIR, 'ghost-load'), join(root, 'ghost-load'), { recursive: true });
    const before = await readFile(join(root, 'ghost-load', 'scenario.yaml'), 'utf8');
    const res = await learnFromOverrides({ scenario: 'ghost-load', overrides: join(out(), 'overrides.yaml'), scenariosDir: root });
    expect(res.written).toBe(true);
    const after = await readFile(join(root, 'ghost-load', 'scenario.yaml'), 'utf8');
    // comments and layout kept: the old file is the new one minus two `accepted:` lines
    const old = before.split('\n');
    const added: string[] = [];
    let i = 0;
    for (const line of after.split('\n')) {
      if (i < old.length && line === old[i]) i++;
      else added.push(line);
    }
    expect(i).toBe(old.length);
    expect(added).toEqual([expect.stringMatching(/^ {6}accepted: \["[^"]+"\]$/), expect.stringMatching(/^ {6}accepted: \["[^"]+"\]$/)]);
    expect(after.startsWith('# yaml-language-server')).toBe(true);

    // next term: a new learner writes the same thing, graded against the taught scenario, no overrides
    const next = join(fx.root, 'next-class', 'gus');
    await mkdir(join(fx.root, 'next-class'), { recursive: true });
    await cp(join(fx.batch, 'ana'), next, { recursive: true });
    await writeFile(join(next, 'answers.yaml'), (await readFile(join(next, 'answers.yaml'), 'utf8')).replace(/^learner: .*$/m, 'learner: gus').replace(MONITOR, 'the monitor pings the web service non-stop!'));
    const taught = await gradeSubmission(next, { scenario: 'ghost-load', scenarioRoot: root });
    const untaught = await gradeSubmission(next, { scenario: 'ghost-load' });
    const status = (r: typeof taught, id: string) => r.checks.find((c) => c.id === id)!.status;
    expect([status(untaught, 'root-cause-answer'), status(untaught, 'fix-answer')]).toEqual(['review', 'review']);
    expect([status(taught, 'root-cause-answer'), status(taught, 'fix-answer')]).toEqual(['pass', 'pass']);
    expect(taught.checks.find((c) => c.id === 'root-cause-answer')!.override).toBeUndefined();
    expect([taught.score, taught.pendingPoints ?? 0, taught.passed]).toEqual([100, 0, true]);
    // cy's answer was not decided: still for a person
    const cy = await gradeSubmission(join(fx.batch, 'cy'), { scenario: 'ghost-load', scenarioRoot: root });
    expect(status(cy, 'root-cause-answer')).toBe('review');
  });
});
