import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../../grader/submission/manifest-file.ts';
import { findJsonSyntaxError } from '../../../grader/submission/json-position.ts';

describe('parseManifestText', () => {
  it('returns the parsed JSON unvalidated (grader/manifest.ts validates it)', () => {
    const r = parseManifestText('\uFEFF{"scenario": "fsync-latency", "facts": {"fs_type": "ext4"}, "extra": [1]}', 'lab-manifest.json');
    expect(r).toEqual({
      manifest: { path: 'lab-manifest.json', data: { scenario: 'fsync-latency', facts: { fs_type: 'ext4' }, extra: [1] } },
      problems: [],
    });
  });

  it('names file, line and column of a syntax error', () => {
    const r = parseManifestText('{\n  "scenario": "ghost-load",\n  "seed": 42\n  "facts": {}\n}\n', 'lab-manifest.json');
    expect(r.manifest).toBeNull();
    expect(r.problems).toEqual([
      {
        code: 'manifest-syntax',
        file: 'lab-manifest.json',
        line: 4,
        column: 3,
        message: `invalid JSON: expected ',' or '}', found "\\""`,
        hint: expect.stringContaining('labctl lab inject'),
      },
    ]);
  });
});

describe('findJsonSyntaxError', () => {
  it('returns null for everything JSON.parse accepts', () => {
    for (const text of ['{}', '[]', ' 0 ', '-1.5e+3', '"a\\u00e9\\n"', '{"a":[true,false,null,{"b":""}]}\n']) {
      expect(JSON.parse(text)).not.toBe(undefined);
      expect(findJsonSyntaxError(text)).toBeNull();
    }
  });

  it.each([
    ['[1,]', 1, 4, 'a value', '"]"'],
    ['{"a": 1,}', 1, 9, 'a property name in double quotes', '"}"'],
    ["{'a': 1}", 1, 2, 'a property name in double quotes', `"'"`],
    ['{"a": 1', 1, 8, "',' or '}'", 'the end of the file'],
    ['', 1, 1, 'a value', 'the end of the file'],
    ['{"a": "x\ny"}', 1, 9, 'a closing " (strings cannot span lines)', '"\\n"'],
    ['{}\n{}', 2, 1, 'the end of the file', '"{"'],
    ['{"a": 01}', 1, 8, "',' or '}'", '"1"'],
    ['{"a": tru}', 1, 7, 'a value', '"t"'],
  ])('locates the error in %j', (text, line, column, expected, found) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(findJsonSyntaxError(text)).toMatchObject({ line, column, expected, found });
  });
});
