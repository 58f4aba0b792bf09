// Shared by scripts/build.mjs and scripts/snapshot.mjs. Plain JavaScript: it runs at install time.

/** Replaces `import.meta.url` in code, not inside string literals (quotes before it on its line come in pairs). */
export function atOwnLocation(text, replacement) {
  return text
    .split('\n')
    .map((line) =>
      line.replace(/import\.meta\.url/g, (m, at) => {
        const before = line.slice(0, at);
        const odd = (q) => (before.split(q).length - 1) % 2 === 1;
        return odd("'") || odd('"') || odd('`') ? m : replacement;
      }),
    )
    .join('\n');
}
