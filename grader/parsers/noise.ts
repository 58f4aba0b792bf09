/**
 * Lines no parser should read as data or complain about: tool chatter (probe counts, warnings,
 * teardown), terminal echo, shell prompts and the artefacts of the upstream `*_example.txt` files.
 * See corpus/FORMATS.md section 1.
 */

const NOISE_PREFIXES = [
  'Attaching ', // bpftrace <= 0.23: "Attaching 3 probes..."
  'Attached ', // bpftrace >= 0.24: "Attached 3 probes"
  'WARNING:',
  'WARN:',
  'ERROR:', // bpftrace "ERROR: ... couldn't set RLIMIT_MEMLOCK ..." (harmless here)
  'Detaching...',
  'Possibly lost ',
  'Lost ',
  'failed to get syms', // libbpf stack symbolizer on stderr
  'Could not open ',
  '[...]',
  'USAGE',
  'usage:',
  'Usage:',
];

/** True for lines that are never data, for any tool. Blank lines are not noise: they end blocks. */
export function isNoiseLine(line: string): boolean {
  // fast exit on the hot path: data rows start with a digit, a space-padded column or a lower-case comm
  const c0 = line.charCodeAt(0);
  if ((c0 >= 48 && c0 <= 57) || (c0 >= 97 && c0 <= 122 && c0 !== 102 && c0 !== 117)) return false;
  const t = c0 === 32 || c0 === 9 ? line.trimStart() : line;
  if (t.length === 0) return false;
  const c = t.charCodeAt(0);
  // shell prompts in example files and pasted terminals: "# ./execsnoop -x", "$ sudo ...", "(root) ~ # ..."
  if ((c === 35 || c === 36) && (t.length === 1 || t.charCodeAt(1) === 32)) return true;
  if (t.startsWith('(root)')) return true;
  for (const p of NOISE_PREFIXES) if (t.startsWith(p)) return true;
  return t.includes("couldn't set RLIMIT_MEMLOCK");
}

/** Removes a leading `^C` terminal echo: `^C       0      -19 ...` still carries a cachestat row. */
export function stripCtrlC(line: string): string {
  return line.startsWith('^C') ? line.slice(2) : line;
}

/** True for bpftrace's own chatter, which names the flavor even when the output has no other clue. */
export function isBpftraceChatter(line: string): boolean {
  const t = line.trimStart();
  return (
    /^Attach(ing \d+ probes?\.\.\.|ed \d+ probes?)/.test(t) || t.includes("couldn't set RLIMIT_MEMLOCK for bpftrace")
  );
}

/** libbpf-tools chatter on stderr (lost events, symbolizer) that py tools never print. */
export function isLibbpfChatter(line: string): boolean {
  return /^Lost \d+ events on CPU #\d+/.test(line) || line.startsWith('failed to get syms');
}

/** bcc python perf-buffer chatter. */
export function isBccChatter(line: string): boolean {
  return /^Possibly lost \d+ samples/.test(line) || line.startsWith('Detaching...');
}
