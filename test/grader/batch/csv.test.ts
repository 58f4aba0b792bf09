import { describe, expect, it } from 'vitest';
import { CsvError, csvField, csvLine, parseCsv } from '../../../grader/batch/csv.ts';

describe('csvField / csvLine', () => {
  it('quotes commas, quotes, line breaks and edge spaces; leaves plain text and numbers alone', () => {
    expect(csvField('ana')).toBe('ana');
    expect(csvField('Ben, B')).toBe('"Ben, B"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' pad')).toBe('" pad"');
    expect(csvField(72.5)).toBe('72.5');
    expect(csvField(false)).toBe('false');
    expect(csvField(null)).toBe('');
  });

  it('defuses spreadsheet formulas in text', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe('-3');
  });

  it('ends lines with CRLF', () => {
    expect(csvLine(['a', 1, undefined])).toBe('a,1,\r\n');
  });
});

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, with the line each row starts on', () => {
    const rows = parseCsv('\uFEFFlearner,name\r\nana,"Ana, A"\r\n\r\nben,"multi\nline ""x"""\ncy,\n');
    expect(rows).toEqual([
      { line: 1, fields: ['learner', 'name'] },
      { line: 2, fields: ['ana', 'Ana, A'] },
      { line: 4, fields: ['ben', 'multi\nline "x"'] },
      { line: 6, fields: ['cy', ''] },
    ]);
  });

  it('round-trips what csvLine writes', () => {
    const fields = ['x,y', 'q"q', 'n\nl', 'plain'];
    expect(parseCsv(csvLine(fields))[0].fields).toEqual(fields);
  });

  it('names the line of an unterminated quote', () => {
    try {
      parseCsv('learner\nana\n"ben\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CsvError);
      expect((err as CsvError).line).toBe(3);
    }
  });
});
