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
  // "8.6 ± 0.5", "8.6 +/- 0.5": the spread is not a second answer
  let text = spellNumbers(value.toLowerCase()).replace(/\s*(?:±|\+\/-|\+-)\s*\d+(?:[.,]\d+)?/g, '').replace(/(\d),(\d{3})\b/g, '$1$2');
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
  // "every 115 ms": an interval, read as its rate
  const every = text.match(new RegExp(String.raw`(?:every|each|once\s+(?:per|every|each))\s+(${NUM})\s*(ms|msec|milliseconds?|s|secs?|seconds?)\b`));
  if (every && toNumber(every[1]) > 0) {
    const seconds = toNumber(every[1]) / (every[2].startsWith('m') ? 1000 : 1);
    return { kind: 'value', value: 1 / seconds };
  }
  const rated = [...text.matchAll(RATED)];
  if (rated.length === 1 && !/(?:=|≈)/.test(text)) return { kind: 'value', value: toNumber(rated[0][1]) };
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
  const all = [...text.matchAll(new RegExp(`(?<![a-z_])${NUM}(?![a-z_]*\\d)`, 'g'))].map((m) => toNumber(m[0]));
  const distinct = [...new Set(all)];
  if (distinct.length === 0) return { kind: 'none' };
  if (distinct.length > 1) return { kind: 'list', values: distinct };
  return withUnit(distinct[0], text);
}

/** A number followed by a per-second unit ("8.5/s", "8 curls per second", "9 Hz"). */
const RATED = new RegExp(String.raw`(${NUM})\s*(?:[a-z]+\s*){0,2}(?:/\s*s(?:ec(?:ond)?)?\b|per\s+s(?:ec(?:ond)?)?\b|a\s+sec|each\s+sec|every\s+sec|hz\b|times?\s+a\s+sec)`, 'g');

const WORD_NUMBERS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, thirteen: 13,
  fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60,
};

/** "about eight per second" -> "about 8 per second". */
function spellNumbers(text: string): string {
  return text.replace(/\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty)\b/g, (w) => String(WORD_NUMBERS[w]));
}

function withUnit(value: number, text: string): NumberReading {
  if (/\b(?:per|a|each|every|\/)\s*min(?:ute)?s?\b|\/\s*min\b/.test(text)) return { kind: 'value', value: value / 60, perMinute: true };
  return { kind: 'value', value };
}
