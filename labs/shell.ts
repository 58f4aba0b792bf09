/** Quote one word for a POSIX shell: the only quoting labs/ uses, so commands read the same locally and over SSH. */
export function shq(word: string | number): string {
  const s = String(word);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Join words into one shell command line. */
export function shJoin(words: (string | number)[]): string {
  return words.map(shq).join(' ');
}
