import { describe, expect, it } from 'vitest';
import { hasUnsafeText, safeMultiline, safeText } from '../../core/sanitize.ts';

describe('safeText', () => {
  it('shows ESC, CR, newlines, BS, DEL and C1 controls escaped', () => {
    expect(safeText('ana\u001b[2K\rverified\nx\by\u007fz\u009b')).toBe('ana\\x1b[2K\\rverified\\nx\\x08y\\x7fz\\x9b');
  });

  it('shows bidi overrides, isolates, marks and line separators escaped', () => {
    expect(safeText('report\u202Efdp.exe')).toBe('report\\u202efdp.exe');
    expect(safeText('a\u2066b\u2069c\u200fd\u061ce\u2028f\ufeff')).toBe('a\\u2066b\\u2069c\\u200fd\\u061ce\\u2028f\\ufeff');
  });

  it('leaves ordinary text, accents, CJK and emoji alone', () => {
    const s = 'Ana Müller 李 🙂 submission-ana-ghost-load.tar.gz';
    expect(safeText(s)).toBe(s);
    expect(hasUnsafeText(s)).toBe(false);
    expect(hasUnsafeText('a\u001bb')).toBe(true);
  });

  it('safeMultiline keeps newlines and tabs but not CR or ESC', () => {
    expect(safeMultiline('line1\r\nline2\n\tx\ry\u001b[31m')).toBe('line1\nline2\n\tx\\ry\\x1b[31m');
  });
});
