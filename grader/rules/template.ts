import type { Facts } from '../manifest.ts';

/** `{{fact}}` in a check's string parameters. */
export const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;

/** Fills `{{fact}}` placeholders. A value that is exactly one placeholder keeps the fact's type (numbers stay numbers). */
export function fillTemplate(value: string | number, facts: Record<string, string | number | boolean>): string | number {
  if (typeof value === 'number') return value;
  const whole = value.match(/^\{\{\s*([a-zA-Z0-9_]+)\s*\}\}$/);
  if (whole) {
    const v = facts[whole[1]];
    return typeof v === 'number' ? v : String(v ?? '');
  }
  return value.replace(PLACEHOLDER, (_, name: string) => String(facts[name] ?? ''));
}

/** A check's parameters with every top-level string's placeholders filled. */
export function fillParams<P extends Record<string, unknown>>(params: P, facts: Facts): P {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'string' || !v.includes('{{')) continue;
    out ??= { ...params };
    out[k] = fillTemplate(v, facts);
  }
  return (out ?? params) as P;
}
