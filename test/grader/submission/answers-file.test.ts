import { describe, expect, it } from 'vitest';
import { parseAnswersText } from '../../../grader/submission/answers-file.ts';

describe('parseAnswersText', () => {
  it('returns the mapping, the scenario and key lines', () => {
    const r = parseAnswersText(
      '# my answers\nscenario: offcpu-lock\nprocess: "ledger-svc"\nblocked_in: futex\ncpu_saturated: no\nthreads: 8\nroot_cause: |\n  all threads wait\n  on one mutex\n',
      'answers.yaml',
    );
    expect(r.problems).toEqual([]);
    expect(r.answers?.data).toEqual({
      scenario: 'offcpu-lock',
      process: 'ledger-svc',
      blocked_in: 'futex',
      cpu_saturated: 'no', // YAML 1.2: `no` stays text, the rules decide what it means
      threads: 8,
      root_cause: 'all threads wait\non one mutex\n',
    });
    expect(r.answers?.scenario).toBe('offcpu-lock');
    expect(r.answers?.lineOf('scenario')).toBe(2);
    expect(r.answers?.lineOf('root_cause')).toBe(7);
    expect(r.answers?.lineOf('fix')).toBeUndefined();
  });

  it('collects every syntax error with line and column and returns no answers', () => {
    const r = parseAnswersText('process: a\nprocess: b\nfile: "unterminated\n', 'answers.yaml');
    expect(r.answers).toBeNull();
    expect(r.problems.map((p) => [p.code, p.line, p.column])).toEqual([
      ['answers-syntax', 2, 1],
      ['answers-syntax', 4, 1],
    ]);
    expect(r.problems[0]).toMatchObject({ file: 'answers.yaml', message: 'Map keys must be unique' });
    expect(r.problems[1]).toMatchObject({ file: 'answers.yaml', message: 'Missing closing "quote' });
  });

  it('names the line of an alias that points nowhere', () => {
    const r = parseAnswersText('process: app\nfile: *nothing\n', 'answers.yml');
    expect(r.problems).toEqual([
      expect.objectContaining({ code: 'answers-syntax', file: 'answers.yml', line: 2, message: expect.stringMatching(/^Unresolved alias/) }),
    ]);
  });

  it('stops a billion-laughs document at the alias limit, naming the line', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const r = parseAnswersText(`${levels.join('\n')}\n`, 'answers.yaml');
    expect(r.answers).toBeNull();
    expect(r.problems).toEqual([expect.objectContaining({ code: 'answers-alias-limit', line: 3 })]);
  });

  it('allows the few aliases an honest file might use', () => {
    const r = parseAnswersText('process: &p ledger-svc\nhot_function: lock_ledger\nroot_cause: *p\n', 'answers.yaml');
    expect(r.problems).toEqual([]);
    expect(r.answers?.data.root_cause).toBe('ledger-svc');
  });

  it.each([
    ['- a\n- b\n', 'a list', 1],
    ['just a sentence\n', 'a string', 1],
    ['', 'nothing', 1],
    ['# only a comment\n', 'nothing', 1],
    ['\n\n42\n', 'a number', 3],
  ])('refuses a top level that is not a mapping: %j', (text, found, line) => {
    const r = parseAnswersText(text, 'answers.yaml');
    expect(r.answers).toBeNull();
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: 'answers-not-mapping',
        line,
        file: 'answers.yaml',
        message: `the top level must be a mapping of answers (\`key: value\` lines), found ${found}`,
      }),
    ]);
  });

  it('keeps the answers but reports a scenario that is not text', () => {
    const r = parseAnswersText('process: app\nscenario:\n  - ghost-load\n', 'answers.yaml');
    expect(r.answers?.scenario).toBeNull();
    expect(r.answers?.data.process).toBe('app');
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: 'answers-field-type',
        field: 'scenario',
        line: 2,
        message: 'expected a scenario id (text such as `ghost-load`), found a list',
      }),
    ]);
  });
});
