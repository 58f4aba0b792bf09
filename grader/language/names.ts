/**
 * Reading an answer that should name one thing (a command, a script, a function, a file). Learners write
 * names with decoration: paths, `./script.sh`, `name[pid]`, `(pid 123)`, quotes, "it is curl", "curl, started by
 * health.sh". They also hedge with lists ("curl, wget or date"), which name no one thing.
 */

export interface NameReading {
  /** the names the answer puts forward, decoration removed, in order (context names left out) */
  candidates: string[];
  /** when the answer has no name-like word: its first plain word ("the order service" -> "order") */
  plainWords: string[];
  /** names the answer explicitly sets aside ("not date") */
  denied: string[];
}

/** Words around a name that are not names. */
const FILLER = new Set([
  'it', "it's", 'its', 'is', 'was', 'the', 'a', 'an', 'process', 'processes', 'command', 'commands', 'cmd', 'script', 'scripts',
  'binary', 'program', 'programme', 'called', 'named', 'function', 'func', 'method', 'symbol', 'file', 'filename', 'path', 'probably',
  'i', 'think', 'guess', 'answer', 'culprit', 'parent', 'pid', 'ppid', 'tid', 'that', 'this', 'which', 'shell', 'loop', 'running',
  'runs', 'run', 'process:', 'comm', 'name', 'user', 'space', 'userspace', 'service', 'daemon', 'app', 'application', 'thread',
  'threads', 'executable', 'job', 'task', 'tool', 'one', 'same', 'likely', 'maybe', 'perhaps',
  'definitely', 'clearly', 'obviously', 'seems', 'looks', 'like', 'be', 'to', 'are', 'am', 'here', 'there', 'just', 'only', 'mostly',
  'c', 'in', 'code', 'source', 'library', 'lib', 'call', 'calls', 'called', 'invoked', 'our', 'my', 'named:', 'is:', 'answer:', 'log',
  'data', 'directory', 'dir', 'folder', 'times', 'time', 'again', 'over', 'and', 'all', 'every', 'each', 'short', 'lived', 'short-lived',
  'new', 'many', 'lots', 'loads', 'of', 'itself', 'again.', 'constantly', 'repeatedly', 'keeps', 'keep', 'being', 'been', 'gets', 'get',
  'got', 'spawning', 'starting', 'executing', 'launching', 'exec', 'execs', 'execing', 'execd', 'top', 'very', 'really', 'heavy',
]);

/** Words that introduce a context name rather than a second answer: "curl, started by health.sh". */
const RELATIONS = new Set([
  'by', 'from', 'of', 'in', 'via', 'under', 'inside', 'within', 'through', 'using', 'with', 'child', 'spawned', 'started', 'launched',
  'forked', 'executed', 'exec’d', "exec'd", 'called', 'invoked', 'runs', 'run', 'ran', 'calls', 'holding', 'holds', 'takes',
  'taking', 'waits', 'waiting', 'blocks', 'blocked', 'on', 'at', 'into', 'to', 'writes', 'writing', 'appends', 'appending',
  'syncs', 'fsyncs', 'for', 'because', 'since', 'as', 'which', 'who', 'that', 'whose', 'where', 'while', 'when', 'after',
  'start', 'starts', 'starting', 'spawn', 'spawns', 'spawning', 'fork', 'forks', 'forking', 'launch', 'launches', 'loops', 'looping',
  'running', 'executes', 'exec', 'execs', 'hitting', 'hits', 'polling', 'polls', 'opening', 'opens', 'owns', 'owned', 'belongs',
]);

const INTERPRETERS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'busybox', 'python', 'python3', 'perl', 'ruby', 'node', 'env']);

/** Separators of list items ("a, b or c"). */
const SEPARATORS = /\s*(?:,|;|\|| & | \+ | \/ |\n|\bor\b|\band\b|\bthen\b|\beither\b|\bnor\b|\balso\b|\bplus\b|\bmaybe\b|\bperhaps\b)\s*/i;

const DENIERS = new Set(['not', "isn't", "wasn't", 'no', 'never', 'nor', 'neither', "it's not", 'except', 'but not']);

/** A name as the system spells it: path -> base name, `name[pid]`, `./x`, quotes and `:` removed. */
export function cleanName(word: string): string {
  let w = word.trim().replace(/^[`'"“”‘’(<*_]+|[`'"“”‘’)>.,:;!?*]+$/g, '');
  w = w.replace(/['’]s$/i, '').replace(/\[\d+\]$/, '').replace(/(?<=[a-z])-\d+$/i, '').replace(/\(\)$/, '').replace(/\+0x[0-9a-f]+$/i, '');
  if (w.includes('/') && !/^\/+$/.test(w)) w = w.replace(/\/+$/, '').split('/').pop() ?? w;
  w = w.replace(/^\.\//, '');
  return w.toLowerCase();
}

/** Words that look like names on their own: technical shapes (dots, underscores, digits, dashes, paths). */
export function looksTechnical(word: string): boolean {
  return /[._/[\]]|\d|-/.test(word) && /[a-z]/i.test(word) && !/^[a-z]+[.,:;!?]$/i.test(word);
}

function words(segment: string): string[] {
  return segment
    .replace(/\((?:pid|ppid|tid)?\s*[:=#]?\s*\d+\)/gi, ' ')
    .replace(/\b(?:pid|ppid|tid)\s*[:=#]?\s*\d+/gi, ' ')
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\[[^\]\d][^\]]*\]/g, ' ')
    // "orderd:update_inventory", "orderd`update_inventory": process and function written together
    .replace(/(?<=[a-z0-9_])(?::{1,2}|`)(?=[a-z_])/gi, ' ')
    .split(/[\s`"“”*]+/)
    .filter(Boolean);
}

/**
 * The names an answer puts forward. `known` are names the reader can trust to be names (the lab's facts,
 * names in the learner's own capture); other words count as names when they look technical, or when they are
 * all the answer has.
 */
export function readNames(value: string | string[], known: (word: string) => boolean): NameReading {
  // Parenthesised asides ("(PPID 21262, `ps -o comm -p 21262`)") are commentary, not more answers.
  const strip = (v: string) => v.replace(/\([^()]*\)/g, ' ').replace(/\([^()]*\)/g, ' ');
  const segments = Array.isArray(value) ? value.map(String) : strip(value).split(SEPARATORS).filter((s) => s && s.trim());
  const candidates: string[] = [];
  const denied: string[] = [];
  const plainWords: string[] = [];
  // Once the answer has named something, a relation word turns the rest into description:
  // "health-check.sh, which loops: curl, curl, sh" names one script.
  let relation = false;
  for (const segment of segments) {
    let negated = false;
    const named: string[] = [];
    for (const raw of words(String(segment))) {
      const lower = raw.toLowerCase().replace(/[.,:;!?]+$/, '');
      if (DENIERS.has(lower) || /n't$/.test(lower)) {
        negated = true;
        continue;
      }
      // "curl, started by health.sh": what follows a relation word is context, not a second answer
      if (RELATIONS.has(lower)) {
        // "sh running health-check.sh": an interpreter is not yet the name
        if (candidates.some((c) => !INTERPRETERS.has(c)) || named.some((c) => !INTERPRETERS.has(c))) relation = true;
        continue;
      }
      // a pasted command line: options and arguments after the name are not more names
      if (named.length && /^-/.test(raw)) break;
      if (raw.includes('://')) continue;
      const name = cleanName(raw);
      if (!name || FILLER.has(name) || FILLER.has(lower) || /^-/.test(name) || /^\d+$/.test(name)) continue;
      const isName = known(name) || looksTechnical(raw);
      if (negated) {
        if (isName) denied.push(name);
        continue;
      }
      if (relation) continue;
      if (isName) named.push(name);
      else plainWords.push(name);
    }
    // "/bin/sh ./health-check.sh", "bash script.sh": the interpreter runs the script; the script is the name.
    const scripts = named.filter((n) => !INTERPRETERS.has(n));
    candidates.push(...(scripts.length ? scripts : named));
    // "orderd or stockd": a list item that is one bare word is a name, whatever it looks like
    const bare = words(String(segment));
    if (segments.length > 1 && !named.length && !negated && !relation && bare.length === 1 && plainWords.length) candidates.push(plainWords.pop() as string);
  }
  // "PID 4242 (orderd)": when the aside is all there is, the aside is the answer
  if (!Array.isArray(value) && candidates.length === 0 && /\([^()]*[a-z][^()]*\)/i.test(value)) {
    const inner = [...value.matchAll(/\(([^()]*)\)/g)].map((m) => m[1]).join(', ');
    const again = readNames(inner, known);
    if (again.candidates.length) return again;
  }
  return { candidates: [...new Set(candidates)], denied: [...new Set(denied)], plainWords };
}

/** Damerau-Levenshtein distance, capped: learners' one-letter typos ("crul", "ledgrd", "update_inventroy"). */
export function editDistance(a: string, b: string, cap = 2): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** A name with separators and case ignored: "update inventory", "update-inventory" and "Update_Inventory" agree. */
export function squashName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.]+/g, '').replace(/^\.+|\.+$/g, '');
}

/** The answer's words that are not filler, joined: "the update inventory function" -> "updateinventory". */
export function squashedAnswer(text: string): string {
  return squashName(
    text
      .replace(/\([^()]*\)/g, ' ')
      .split(/[\s`"“”*]+/)
      .filter((w) => w && !FILLER.has(w.toLowerCase().replace(/[.,:;!?]+$/, '')))
      .join(''),
  );
}
