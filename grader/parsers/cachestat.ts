/**
 * cachestat, all three historical headers (bcc v0.1 `HITS MISSES DIRTIES READ_HIT% WRITE_HIT% ...`,
 * v0.6 `TOTAL MISSES HITS DIRTIES ...`, v0.9+ and libbpf `HITS MISSES DIRTIES HITRATIO ...`), `-T` TIME prefix.
 */
import type { CachestatSummary } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { isInt, splitFields, toNum } from './text.ts';

const HEADERS: Record<string, string> = {
  'HITS MISSES DIRTIES READ_HIT% WRITE_HIT% BUFFERS_MB CACHED_MB': 'v0.1',
  'TOTAL MISSES HITS DIRTIES BUFFERS_MB CACHED_MB': 'v0.6',
  'HITS MISSES DIRTIES HITRATIO BUFFERS_MB CACHED_MB': 'v0.9',
};

/** Recognises a cachestat header; returns its columns and version label, or null. */
export function matchCachestatHeader(line: string): { columns: string[]; header: string } | null {
  const columns = splitFields(line).tokens;
  const body = (columns[0] === 'TIME' ? columns.slice(1) : columns).join(' ');
  const header = HEADERS[body];
  return header ? { columns, header } : null;
}

/** Line consumer for cachestat output. */
export function createCachestatParser(): LineParser<CachestatSummary> {
  const w = new WarningList();
  let columns: string[] | null = null;
  let header = 'unknown';
  let hitsIdx = 0;
  let missIdx = 1;
  let rows = 0;
  let hits = 0;
  let misses = 0;

  return {
    get warnings() {
      return w.list;
    },
    push(line, lineNo) {
      if (line.includes('MISSES')) {
        const h = matchCachestatHeader(line);
        if (h) {
          columns = h.columns;
          if (header === 'unknown') header = h.header;
          hitsIdx = h.columns.indexOf('HITS');
          missIdx = h.columns.indexOf('MISSES');
          return;
        }
      }
      if (!columns) return;
      // one token past the header's count is enough to tell a row that does not fit: a long line costs no more
      const tok = splitFields(line, columns.length + 1).tokens;
      const first = columns[0] === 'TIME' ? 1 : 0;
      if (!isInt(tok[first])) return;
      const numeric = tok.slice(first).every((t) => !Number.isNaN(toNum(t.replace(/%$/, ''))));
      if (tok.length !== columns.length || !numeric) {
        w.add(lineNo, `cachestat row does not fit the header (${columns.join(' ')})`);
        return;
      }
      rows++;
      hits += Number(tok[hitsIdx]);
      misses += Number(tok[missIdx]);
    },
    finish() {
      w.close();
      const seen = hits + misses;
      return { header, rows, hits, misses, hitRatio: seen > 0 ? Math.round((hits / seen) * 10000) / 10000 : null };
    },
  };
}
