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

/**
 * One shell command that writes several files (any bytes: base64 in the command line), creating their
 * folders: a single round trip over SSH instead of one per file.
 */
export function writeFilesCommand(files: { path: string; content: string; mode?: number }[]): string {
  return files
    .map((f) => {
      const b64 = Buffer.from(f.content, 'utf8').toString('base64');
      return `mkdir -p "$(dirname ${shq(f.path)})" && echo ${b64} | base64 -d > ${shq(f.path)} && chmod ${(f.mode ?? 0o644).toString(8)} ${shq(f.path)}`;
    })
    .join(' && ');
}
