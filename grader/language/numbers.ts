/**
 * Reading a numeric answer. One number is an answer; a range ("5-100", "between 5 and 10") or a list is a hedge
 * and reads as such. Work shown is understood: "66 / 7.7 = 8.6" reads 8.6, "66 in 7.7 s" reads 66 per 7.7 s.
 */

export type NumberReading =
  | { kind: 'value'; value: number; perMinute?: boolean; fromCount?: { count: number; seconds: number } }
  | { kind: 'range'; low: number; high: number }
  | { kind: 'list'; values: number[] }
  | { kind: 'none' };

const NUM = String.raw`\d+(?:[.,]\d+)?`;

function toNumber(s: string): number {
  // "1,000" is a thousand; "8,5" is eight and a half (decimal comma)
  if (/^\d{1,3}(,\d{3})+$/.test(s)) return Number(s.replaceAll(',', ''));
  return Number(s.replace(',', '.'));
}

export function readNumber(value: unknown): NumberReading {
  if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'value', value } : { kind: 'none' };
  if (Array.isArray(value)) {
    const values = value.flatMap((v) => {
      const r = readNumber(v);
      return r.kind === 'value' ? [r.value] : [];
    });
    if (values.length > 1 && new Set(values).size > 1) return { kind: 'list', values };
    return values.length ? { kind: 'value', value: values[0] } : { kind: 'none' };
  }
  if (typeof value !== 'string') return { kind: 'none' };
  let text = value.toLowerCase().replace(/(\d),(\d{3})\b/g, '$1$2');
  // Work shown: the result after the last "=" (or "≈") is the answer.
  const eq = text.match(new RegExp(String.raw`(?:=|≈|~=|->|=>)\s*~?\s*(${NUM})(?![\s\S]*(?:=|≈))`));
  if (eq) return withUnit(toNumber(eq[1]), text.slice(text.lastIndexOf(eq[0])));
  text = text.replace(/\([^()]*\)/g, ' ');
  const range = text.match(new RegExp(String.raw`(?:between\s+)?(${NUM})\s*(?:-|–|—|to|~|\.\.|and|or|/)\s*(${NUM})(?!\s*(?:s|sec|seconds?)\b)`));
  if (range && !/\d\s*\/\s*\d/.test(range[0])) {
    const low = toNumber(range[1]);
    const high = toNumber(range[2]);
    if (low !== high) return { kind: 'range', low: Math.min(low, high), high: Math.max(low, high) };
  }
  const over = text.match(new RegExp(String.raw`(${NUM})\s*(?:[a-z]+\s+){0,3}(?:in|over|during|within)\s+(?:about\s+|~)?(${NUM})\s*(?:s|sec|secs|seconds?)\b`));
  if (over) {
    const count = toNumber(over[1]);
    const seconds = toNumber(over[2]);
    if (seconds > 0) return { kind: 'value', value: count / seconds, fromCount: { count, seconds } };
  }
  const division = text.match(new RegExp(String.raw`(${NUM})\s*/\s*(${NUM})\s*(?:s|sec|secs|seconds?)?\b`));
  if (division && toNumber(division[2]) > 0 && !/\/\s*(?:s|sec)/.test(division[0].slice(division[1].length))) {
    const count = toNumber(division[1]);
    const seconds = toNumber(division[2]);
    return { kind: 'value', value: count / seconds, fromCount: { count, seconds } };
  }
  const rated = [...text.matchAll(new RegExp(String.raw`(${NUM})\s*(?:[a-z]+\s*)?(?:/\s*s(?:ec(?:ond)?)?\b|per\s+sec|a\s+sec|each\s+sec|every\s+sec|hz\b)`, 'g'))];
  if (rated.length === 1) return { kind: 'value', value: toNumber(rated[0][1]) };
  const all = [...text.matchAll(new RegExp(`(?<![a-z_])${NUM}(?![a-z_]*\\d)`, 'g'))].map((m) => toNumber(m[0]));
  const distinct = [...new Set(all)];
  if (distinct.length === 0) return { kind: 'none' };
  if (distinct.length > 1) return { kind: 'list', values: distinct };
  return withUnit(distinct[0], text);
}

function withUnit(value: number, text: string): NumberReading {
  if (/\b(?:per|a|each|every|\/)\s*min(?:ute)?s?\b|\/\s*min\b/.test(text)) return { kind: 'value', value: value / 60, perMinute: true };
  return { kind: 'value', value };
}
