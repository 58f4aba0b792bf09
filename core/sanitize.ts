/**
 * The one sanitiser for learner-controlled text (entry and file names, learner ids, messages that quote
 * them) on its way to a terminal or a plain-text file. Control characters (ESC, CR, BS...), C1 controls,
 * bidi overrides and isolates (U+202E...) and line/paragraph separators are shown escaped (`\x1b`,
 * `\u202e`) instead of acting: a name can neither move the cursor, erase a line, recolour the screen nor
 * reverse the text around it. JSON output needs none of this (JSON.stringify escapes control characters);
 * HTML has its own escaping.
 */

// C0 controls, DEL, C1 controls; ALM, LRM/RLM, LRE..RLO, LRI..PDI, line/paragraph separators, BOM
// eslint-disable-next-line no-control-regex
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
// the same but keeping LF (and TAB) for multi-line messages the caller lays out itself
// eslint-disable-next-line no-control-regex
const UNSAFE_MULTI_LINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A name, id or one-line message made safe to print: every control/bidi character escaped, newlines too. */
export function safeText(value: unknown): string {
  return String(value ?? '').replace(UNSAFE_ONE_LINE, escapeChar);
}

/** Like {@link safeText} but keeps `\n` and `\t` (a CR is still escaped: it would rewrite the line). */
export function safeMultiline(value: unknown): string {
  return String(value ?? '').replace(/\r\n/g, '\n').replace(UNSAFE_MULTI_LINE, escapeChar);
}

/** Whether {@link safeText} would change the text. */
export function hasUnsafeText(value: string): boolean {
  UNSAFE_ONE_LINE.lastIndex = 0;
  return UNSAFE_ONE_LINE.test(value);
}
