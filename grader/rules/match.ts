/**
 * Text matching shared by rules. Kernel comms are cut to 15 characters (TASK_COMM_LEN) and some BCC tools
 * cut them further (tcpconnect: 12), so names are compared on their common prefix.
 */

export const COMM_LEN = 15;

export function sameComm(a: string, b: string): boolean {
  const x = a.slice(0, COMM_LEN);
  const y = b.slice(0, COMM_LEN);
  if (x === y) return true;
  const short = Math.min(x.length, y.length);
  return short >= 12 && x.slice(0, short) === y.slice(0, short);
}

/** Looks a comm up in a count table, tolerating truncation. */
export function countFor(table: Record<string, number> | undefined, comm: string): number {
  if (!table) return 0;
  let total = 0;
  for (const [k, v] of Object.entries(table)) if (sameComm(k, comm)) total += v;
  return total;
}

export function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** Lower-case words separated by single spaces; punctuation other than `._-/` becomes a space. */
export function normalizeText(text: string): string {
  return ` ${text.toLowerCase().replace(/[^a-z0-9._\-/+]+/g, ' ').trim()} `;
}

/** True when `phrase` starts at a word boundary in `text` (so "exec" matches "execs" and "execve"). */
export function containsPhrase(text: string, phrase: string): boolean {
  const t = normalizeText(text);
  const p = normalizeText(phrase).trim();
  return p.length > 0 && t.includes(` ${p}`);
}

/** Candidate names in a free-text answer: each word, and each path's last segment. */
export function nameTokens(answer: string): string[] {
  const out = new Set<string>();
  for (const word of answer.split(/[\s,;()'"`]+/)) {
    const w = word.replace(/[.:]+$/, '');
    if (!w) continue;
    out.add(w.toLowerCase());
    const base = w.split('/').pop();
    if (base) out.add(base.toLowerCase());
  }
  return [...out];
}

/** Turns YAML scalars into text; lists are joined so "- curl" style answers still grade. */
export function answerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => answerText(v) ?? '').join(' ').trim() || undefined;
  if (typeof value === 'object') return undefined;
  const s = String(value).trim();
  return s.length ? s : undefined;
}

/** First number in an answer ("about 12/s", "12.5", 12). */
export function answerNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const text = answerText(value);
  const m = text?.match(/-?\d+(?:[.,]\d+)?/);
  return m ? Number(m[0].replace(',', '.')) : undefined;
}
