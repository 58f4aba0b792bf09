import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRoster, readRoster } from '../../../grader/batch/roster.ts';

describe('parseRoster', () => {
  it('reads CSV learner,name,email in any column order and case', () => {
    const r = parseRoster('Email,Learner,Name\nana@x.org,ana,Ana A\n,ben,"Ben, B"\n', 'roster.csv');
    expect(r.problems).toEqual([]);
    expect(r.entries).toEqual([
      { learner: 'ana', name: 'Ana A', email: 'ana@x.org' },
      { learner: 'ben', name: 'Ben, B' },
    ]);
  });

  it('reads YAML: a list of ids, of mappings, or under learners:', () => {
    expect(parseRoster('- ana\n- ben\n', 'r.yaml').entries).toEqual([{ learner: 'ana' }, { learner: 'ben' }]);
    expect(parseRoster('learners:\n  - { learner: ana, name: Ana }\n  - id: ben\n', 'r.yml').entries).toEqual([{ learner: 'ana', name: 'Ana' }, { learner: 'ben' }]);
  });

  it('collects every problem with file and line', () => {
    const csv = parseRoster('learner,name\nana,A\n,nobody\nhas space,x\nana,again\n', 'roster.csv');
    expect(csv.problems).toEqual([
      { file: 'roster.csv', line: 3, field: 'learner', message: 'empty learner id' },
      { file: 'roster.csv', line: 4, field: 'learner', message: '"has space" is not a learner id (no spaces, at most 128 characters)' },
      { file: 'roster.csv', message: 'learner "ana" is listed twice' },
    ]);
    expect(parseRoster('name,email\nx,y\n', 'roster.csv').problems[0].message).toMatch(/no "learner" column/);
    const yaml = parseRoster('- ana\n- [1, 2]\n', 'r.yaml');
    expect(yaml.problems).toEqual([{ file: 'r.yaml', line: 2, field: '[1]', message: 'expected a learner id or a mapping with `learner:`' }]);
    expect(parseRoster('just: text\n', 'r.yaml').problems[0].message).toMatch(/expected a list of learners/);
  });

  it('readRoster throws one user error listing the problems (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'labctl-roster-'));
    try {
      await writeFile(join(dir, 'roster.csv'), 'learner\n"unterminated\n');
      await expect(readRoster(join(dir, 'roster.csv'))).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('roster.csv:2: unterminated quoted field') });
      await expect(readRoster(join(dir, 'nope.csv'))).rejects.toThrow(/cannot read roster .*nope\.csv: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
