import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { learnFromOverrides } from '../../../cli/commands/review.ts';
import { learnAccepted, planLearning, readReviewCsv, type ReviewCsvGroup } from '../../../grader/batch/learn.ts';
import type { OverrideEntry } from '../../../grader/batch/overrides.ts';
import { buildReviewQueue, renderReviewCsv } from '../../../grader/batch/review-queue.ts';
import { SCENARIOS_DIR } from '../../../scenarios/load.ts';
import { reviewClass } from './review-class.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'labctl-learn-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The lines of `after` that are not in `before`, in order (`before` must be a subsequence of `after`). */
function addedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const added: string[] = [];
  let i = 0;
  for (const line of after.split('\n')) {
    if (i < a.length && line === a[i]) i++;
    else added.push(line);
  }
  expect(i).toBe(a.length);
  return added;
}

describe('learnAccepted edits scenario.yaml keeping comments and layout', () => {
  it('adds `accepted:` to an answer-concepts check of each real scenario, and nothing else', async () => {
    for (const id of ['ghost-load', 'offcpu-lock', 'fsync-latency']) {
      const text = await readFile(join(SCENARIOS_DIR, id, 'scenario.yaml'), 'utf8');
      const data = parse(text) as { checks: { id: string; rule: string; with: Record<string, unknown> }[] };
      const target = data.checks.filter((c) => c.rule === 'answer-concepts').at(-1)!;
      const res = learnAccepted(text, `${id}/scenario.yaml`, new Map([[target.id, ['loop spawn "quoted"', 'second claim']]]));
      expect(addedLines(text, res.text)).toEqual([expect.stringMatching(/^ +accepted: \["loop spawn \\"quoted\\"", "second claim"\]$/)]);
      const after = parse(res.text) as typeof data;
      expect(after.checks.find((c) => c.id === target.id)!.with.accepted).toEqual(['loop spawn "quoted"', 'second claim']);
      expect({ ...after, checks: after.checks.map(({ with: { accepted: _a, ...w }, ...c }) => ({ ...c, with: w })) }).toEqual(data);
      // learning the same claims again changes nothing; a new one joins the list
      expect(learnAccepted(res.text, 'x', new Map([[target.id, ['second claim']]])).text).toBe(res.text);
      const third = learnAccepted(res.text, 'x', new Map([[target.id, ['third']]])).text;
      expect(addedLines(text, third)).toEqual([expect.stringMatching(/accepted: \["loop spawn \\"quoted\\"", "second claim", "third"\]$/)]);
    }
  });

  it('extends block and flow lists and flow mappings in place, comments kept', () => {
    const text = [
      '# course notes stay',
      'checks:',
      '  - id: a # short form',
      '    rule: answer-concepts',
      '    with: { key: k, concepts: [{ name: n, any: [x] }] } # keep me',
      '  - id: b',
      '    rule: answer-concepts',
      '    with:',
      '      key: k',
      '      accepted:',
      '        - "old"   # decided in May',
      '      concepts: [{ name: n, any: [x] }]',
      '  - id: c',
      '    rule: answer-fact',
      '    with: { key: k, fact: f }',
      '',
    ].join('\n');
    const res = learnAccepted(text, 's.yaml', new Map([['a', ['p q']], ['b', ['r s']], ['c', ['t']], ['zz', ['u']]]));
    expect(res.text).toBe(
      text
        .replace('concepts: [{ name: n, any: [x] }] } # keep me', 'concepts: [{ name: n, any: [x] }], accepted: ["p q"] } # keep me')
        .replace('        - "old"   # decided in May\n', '        - "old"   # decided in May\n        - "r s"\n'),
    );
    expect(res.refused).toEqual([
      { check: 'c', why: 'c uses rule answer-fact: only answer-concepts checks take accepted claims' },
      { check: 'zz', why: 'no check zz in s.yaml' },
    ]);
  });
});

describe('which decisions are learned', () => {
  const groups = new Map<string, ReviewCsvGroup>([
    ['g-00000001', { group: 'g-00000001', scenario: 'ghost-load', check: 'root-cause-answer', groupKey: 'claims:loop curl spawn', points: 10, answer: 'a loop keeps spawning curl' }],
    ['g-00000002', { group: 'g-00000002', scenario: 'ghost-load', check: 'root-cause-answer', groupKey: 'text:monitor pings', points: 10, answer: 'monitor pings' }],
    ['g-00000003', { group: 'g-00000003', scenario: 'ghost-load', check: 'fix-answer', groupKey: 'claims:cron minute', points: 5, answer: 'cron once a minute' }],
    ['g-00000004', { group: 'g-00000004', scenario: 'offcpu-lock', check: 'fix-answer', groupKey: 'claims:shard lock', points: 5, answer: 'shard the lock' }],
  ]);
  const e = (group: string, check: string, points: number, line: number): OverrideEntry => ({ group, check, points, file: 'o.yaml', line });

  it('only groups given all their points, with a claim key, of the scenario asked for', () => {
    const plan = planLearning([e('g-00000001', 'root-cause-answer', 10, 2), e('g-00000002', 'root-cause-answer', 10, 3), e('g-00000003', 'fix-answer', 3, 4), e('g-00000004', 'fix-answer', 5, 5), e('g-0000000f', 'fix-answer', 5, 6), { learner: 'ana', check: 'fix-answer', points: 5, file: 'o.yaml', line: 7 }], groups, 'ghost-load');
    expect([...plan.accept]).toEqual([['root-cause-answer', ['loop curl spawn']]]);
    expect(plan.skipped.map((s) => `${s.entry.line}: ${s.why}`)).toEqual([
      '3: the grader gave no claim key for these answers (grouped by text only)',
      '4: 3 of 5 points: only fully accepted groups are learned',
      '6: not in review.csv (decided in an older batch?)',
    ]);
  });

  it('reads the groups back from review.csv as the batch wrote it', async () => {
    const { results, kept, reportOf } = reviewClass();
    const file = join(tmp, 'review.csv');
    await writeFile(file, renderReviewCsv(buildReviewQueue(results, kept, reportOf)));
    const back = await readReviewCsv(file);
    expect([...back.values()].map((g) => [g.groupKey, g.points, g.check])).toEqual([
      ['text:monitor pings web service non-stop', 10, 'root-cause-answer'],
      ['claims:loop curl spawn', 10, 'root-cause-answer'],
      ['text:b it is cpu /b', 10, 'root-cause-answer'],
      ['text:hyperlink http //evil/ click', 10, 'root-cause-answer'],
    ]);
    // the formula guard of the gradebook CSV is taken off again
    expect([...back.values()][3].answer).toBe('=HYPERLINK("http://evil/","click")');
  });

  it('labctl review learn: says what it skipped, and that nothing is new', async () => {
    const root = join(tmp, 'scenarios');
    await cp(join(SCENARIOS_DIR, 'ghost-load'), join(root, 'ghost-load'), { recursive: true });
    const before = await readFile(join(root, 'ghost-load', 'scenario.yaml'), 'utf8');
    await writeFile(join(tmp, 'overrides.yaml'), 'overrides:\n  - { group: g-00000009, check: fix-answer, points: 5 }\n');
    const res = await learnFromOverrides({ scenario: 'ghost-load', overrides: join(tmp, 'overrides.yaml'), review: join(tmp, 'review.csv'), scenariosDir: root });
    expect(res.written).toBe(false);
    expect(res.lines).toEqual([expect.stringMatching(/overrides\.yaml:2: group g-00000009 fix-answer: not in review\.csv/), expect.stringMatching(/^nothing new to learn for ghost-load: .*scenario\.yaml unchanged$/)]);
    expect(await readFile(join(root, 'ghost-load', 'scenario.yaml'), 'utf8')).toBe(before);
  });
});
