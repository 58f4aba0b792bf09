import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gradeSubmission } from '../../../grader/grade.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../grader/batch/csv.ts';
import { applyOverrides, parseOverrides, readOverrides } from '../../../grader/batch/overrides.ts';
import { groupKeyOf, reviewGroupId } from '../../../grader/batch/review-groups.ts';
import { runBatch, type BatchRun } from '../../../grader/batch/run.ts';
import { reviewReport } from '../report/sample-reports.ts';
import { exampleClass } from './example-class.ts';

describe('overrides.yaml', () => {
  it('reads group and learner entries, as a list or under `overrides:`', () => {
    const text = '# decisions\noverrides:\n  - { group: g-1a2b3c4d, check: root-cause-answer, points: 10, comment: names the loop }\n  - learner: ana\n    check: fix-answer\n    points: 2.5\n';
    const { entries, problems } = parseOverrides(text, 'grades/overrides.yaml');
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { group: 'g-1a2b3c4d', check: 'root-cause-answer', points: 10, comment: 'names the loop', file: 'grades/overrides.yaml', line: 3 },
      { learner: 'ana', check: 'fix-answer', points: 2.5, file: 'grades/overrides.yaml', line: 4 },
    ]);
    expect(parseOverrides('- { learner: ana, check: fix-answer, points: 1 }\n', 'o.yaml').entries[0].line).toBe(1);
    expect(parseOverrides('# nothing decided yet\n', 'o.yaml')).toEqual({ entries: [], problems: [] });
  });

  it('names file, line and field of every mistake', () => {
    const text = [
      'overrides:',
      '  - { group: g-1a2b3c4d, learner: ana, check: fix-answer, points: 1 }',
      '  - { group: 1a2b, check: fix-answer, points: 1 }',
      '  - { learner: ben, check: fix-answer, points: -2 }',
      '  - { learner: cy, points: 3 }',
      '  - { learner: dee, check: fix-answer, points: 1, note: typo }',
      '',
    ].join('\n');
    const { entries, problems } = parseOverrides(text, 'grades/overrides.yaml');
    expect(entries).toEqual([]);
    expect(problems.map((p) => `${p.line}: ${p.field ?? ''}: ${p.message}`)).toEqual([
      '2: overrides[0]: give either `group` or `learner` (one of them, not both)',
      '3: overrides[1].group: a group id from review.csv, like g-1a2b3c4d',
      '4: overrides[2].points: Too small: expected number to be >=0',
      '5: overrides[3].check: Invalid input: expected string, received undefined',
      '6: overrides[4]: Unrecognized key: "note"',
    ]);
    const dup = parseOverrides('- { learner: ana, check: fix-answer, points: 1 }\n- { learner: ana, check: fix-answer, points: 2 }\n', 'o.yaml');
    expect(dup.problems).toEqual([{ file: 'o.yaml', line: 2, message: "decides ana's fix-answer again (first at line 1): keep one" }]);
    expect(parseOverrides('overrides: [\n', 'o.yaml').problems[0]).toMatchObject({ file: 'o.yaml', line: 2 });
  });

  it('is a user error (exit 2) naming the file, and a missing default file is no decisions', async () => {
    await expect(readOverrides('/nonexistent/overrides.yaml')).rejects.toMatchObject({ message: 'cannot read overrides /nonexistent/overrides.yaml: ENOENT' });
    expect(await readOverrides('/nonexistent/overrides.yaml', { mustExist: false })).toEqual([]);
  });

  it('decides a check: points, status, override with what the grader gave, verdict recomputed', () => {
    const rep = reviewReport();
    const rc = rep.checks.find((c) => c.id === 'root-cause-answer')!;
    const group = reviewGroupId('ghost-load', 'root-cause-answer', groupKeyOf(rc.answer, rc.answer!.answer!));
    const out = applyOverrides([{ report: rep }], [
      { group, check: 'root-cause-answer', points: 20, comment: 'pinging non stop = the loop', file: 'o.yaml', line: 2 },
      { learner: 'carol', check: 'fix-answer', points: 2, file: 'o.yaml', line: 3 },
      { learner: 'zed', check: 'fix-answer', points: 5, file: 'o.yaml', line: 4 },
    ]);
    expect(out.problems).toEqual([]);
    expect(out.unused.map((e) => e.line)).toEqual([4]);
    expect(rep.checks.find((c) => c.id === 'root-cause-answer')).toMatchObject({ points: 20, status: 'pass', override: { by: 'instructor', comment: 'pinging non stop = the loop', graded: { status: 'review', points: 0 } } });
    expect(rep.checks.find((c) => c.id === 'fix-answer')).toMatchObject({ points: 2, status: 'partial', override: { by: 'instructor', graded: { status: 'fail', points: 0 } } });
    expect([rep.score, rep.passed, rep.pendingPoints]).toEqual([82, true, undefined]);
  });

  it('refuses points above the maximum, and a learner entry that fits two scenarios', () => {
    const a = reviewReport();
    const b = { ...reviewReport(), scenario: 'fsync-latency' };
    const out = applyOverrides([{ report: a }, { report: b }], [
      { learner: 'carol', check: 'fix-answer', points: 1, file: 'o.yaml', line: 7 },
      { learner: 'carol', scenario: 'ghost-load', check: 'parent-answer', points: 99, file: 'o.yaml', line: 8 },
    ]);
    expect(out.problems).toEqual([
      { file: 'o.yaml', line: 7, field: 'scenario', message: 'carol has fix-answer in ghost-load and fsync-latency: add `scenario:` to say which' },
      { file: 'o.yaml', line: 8, field: 'points', message: "99 is more than parent-answer's 15 points" },
    ]);
  });
});

describe('grade --batch with overrides, on real example submissions', () => {
  let fx: Awaited<ReturnType<typeof exampleClass>>;
  let first: BatchRun;
  let second: BatchRun;
  /** the first run's gradebook, read before the second run writes over it */
  let firstGradebook: string;
  const same = 'The disk is too slow.';
  beforeAll(async () => {
    fx = await exampleClass('ghost-load', {
      ana: { example: 'correct' },
      ben: { example: 'wrong' },
      cy: { example: 'wrong', answers: { root_cause: 'the  DISK is too slow' } },
      dee: { example: 'partial' },
    });
    const out = join(fx.root, 'grades');
    first = await runBatch({ dir: fx.batch, outDir: out, jobs: 0 });
    firstGradebook = await readFile(first.files.gradebook, 'utf8');
    // ben and cy gave the same root cause (case, spacing, full stop aside): one group decides both
    const ben = first.results.find((r) => r.learner === 'ben')!;
    const check = ben.report.checks.find((c) => c.id === 'root-cause-answer')!;
    const group = reviewGroupId('ghost-load', 'root-cause-answer', groupKeyOf(check.answer, check.answer?.answer ?? same));
    await writeFile(
      join(out, 'overrides.yaml'),
      `# decided by hand\noverrides:\n  - { group: ${group}, check: root-cause-answer, points: 10, comment: "fair, given the capture" }\n  - { learner: dee, check: parent-answer, points: 15, comment: bash runs the loop script }\n`,
    );
    second = await runBatch({ dir: fx.batch, outDir: out, jobs: 0, overrides: await readOverrides(join(out, 'overrides.yaml')) });
  }, 120_000);
  afterAll(async () => fx?.cleanup());

  const gradebook = async (run: BatchRun) => {
    const csv = parseCsv(run === first ? firstGradebook : await readFile(run.files.gradebook, 'utf8'));
    return Object.fromEntries(csv.slice(1).map((r) => [r.fields[0], Object.fromEntries(csv[0].fields.map((h, i) => [h, r.fields[i]]))]));
  };

  it('gives the decided points and recomputes the gradebook', async () => {
    const before = await gradebook(first);
    const after = await gradebook(second);
    expect(Number(after.ben.score)).toBe(Number(before.ben.score) + 10);
    expect(Number(after.cy.score)).toBe(Number(before.cy.score) + 10);
    expect(after.ben.instructorPoints).toBe('10');
    expect(before.ben.instructorPoints).toBe('0');
    expect(Number(after.dee.score)).toBe(Number(before.dee.score) + 15);
    expect(after.dee.passed).toBe('true');
    // the gradebook says why a submission did not pass
    expect(before.ben.why).toBe('score 45/100 is below the pass mark of 70% (70 points)');
    expect(after.ben.why).toBe('score 55/100 is below the pass mark of 70% (70 points)');
    expect(after.dee.why).toBe('');
    expect(after.ana).toEqual(before.ana);
    expect(second.overrides.applied.map((a) => `${a.learner}/${a.check}=${a.points}`).sort()).toEqual(['ben/root-cause-answer=10', 'cy/root-cause-answer=10', 'dee/parent-answer=15']);
    expect(second.overrides.unused).toEqual([]);
  });

  it('says in the reports which points came from a person', async () => {
    const stem = second.files.reports.find((f) => /reports\/ben-ghost-load.*\.json$/.test(f))!;
    const json = JSON.parse(await readFile(join(fx.root, 'grades', stem), 'utf8'));
    const rc = json.checks.find((c: { id: string }) => c.id === 'root-cause-answer');
    expect(rc.points).toBe(10);
    expect(rc.status).toBe('pass');
    expect(rc.override).toEqual({ by: 'instructor', comment: 'fair, given the capture', graded: { status: rc.override.graded.status, points: 0 } });
    expect(['fail', 'review']).toContain(rc.override.graded.status);
    const md = await readFile(join(fx.root, 'grades', stem.replace(/\.json$/, '.md')), 'utf8');
    expect(md).toContain('<br>points set by the instructor: fair, given the capture |');
  });

  it('refuses an override worth more than the check, writing nothing', async () => {
    const out = join(fx.root, 'grades-bad');
    await expect(runBatch({ dir: fx.batch, outDir: out, jobs: 0, overrides: [{ learner: 'ana', check: 'fix-answer', points: 50, file: 'o.yaml', line: 3 }] })).rejects.toMatchObject({
      message: "overrides cannot be applied, nothing was written:\no.yaml:3: points: 50 is more than fix-answer's 5 points",
    });
    await expect(readFile(join(out, 'gradebook.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('labctl grade --overrides (one submission)', () => {
  it('applies a group decision and says the points came from a person', async () => {
    const example = fileURLToPath(new URL('../../../scenarios/ghost-load/examples/wrong', import.meta.url));
    const graded = await gradeSubmission(example);
    const rc = graded.checks.find((c) => c.id === 'fix-answer')!;
    const group = reviewGroupId('ghost-load', 'fix-answer', groupKeyOf(rc.answer, rc.answer?.answer ?? 'Buy a faster disk.'));
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'labctl-ov-'));
    await writeFile(join(dir, 'o.yaml'), `- { group: ${group}, check: fix-answer, points: 2, comment: "half right" }\n`);
    const bin = fileURLToPath(new URL('../../../bin/labctl.js', import.meta.url));
    const run = promisify(execFile);
    const res = await run(process.execPath, [bin, 'grade', example, '--overrides', join(dir, 'o.yaml'), '--format', 'json'], { env: { ...process.env, NO_COLOR: '1' } }).catch((e: { stdout: string; code: number }) => e);
    const json = JSON.parse(res.stdout);
    expect(json.score).toBe(graded.score + 2);
    expect(json.checks.find((c: { id: string }) => c.id === 'fix-answer')).toMatchObject({ points: 2, status: 'partial', override: { by: 'instructor', comment: 'half right' } });
    const bad = await run(process.execPath, [bin, 'grade', example, '--overrides', join(dir, 'missing.yaml')]).catch((e: { stderr: string; code: number }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toContain(`cannot read overrides ${join(dir, 'missing.yaml')}: ENOENT`);
  }, 60_000);
});
