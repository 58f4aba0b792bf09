/**
 * XML 1.0 escaping. Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/FFFF)
 * are not even allowed as character references, so they are shown as `\xNN` / `\uXXXX` text instead:
 * the report stays well-formed and the reader still sees that something odd was there.
 */
function replaceIllegal(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (ch) => {
      const code = ch.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    },
  );
}

/** Escapes text content: `&`, `<`, `>` (so `]]>` can never appear) and illegal characters. */
export function escapeXmlText(s: string): string {
  return replaceIllegal(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes an attribute value for use inside double quotes. Tabs and line breaks become character
 * references because parsers would otherwise normalise them to spaces.
 */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
