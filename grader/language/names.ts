/**
 * Reading an answer that should name one thing (a command, a script, a function, a file). Learners write
 * names with decoration: paths, `./script.sh`, `name[pid]`, `(pid 123)`, quotes, "it is curl", "curl, started by
 * health.sh". They also hedge with lists ("curl, wget or date"), which name no one thing.
 */

export interface NameReading {
  /** the names the answer puts forward, decoration removed, in order (context names left out) */
  candidates: string[];
  /** names the answer explicitly sets aside ("not date") */
  denied: string[];
}

/** Words around a name that are not names. */
const FILLER = new Set([
  'it', "it's", 'its', 'is', 'was', 'the', 'a', 'an', 'process', 'processes', 'command', 'commands', 'cmd', 'script', 'scripts',
  'binary', 'program', 'programme', 'called', 'named', 'function', 'func', 'method', 'symbol', 'file', 'filename', 'path', 'probably',
  'i', 'think', 'guess', 'answer', 'culprit', 'parent', 'pid', 'ppid', 'tid', 'that', 'this', 'which', 'shell', 'loop', 'running',
  'runs', 'run', 'process:', 'comm', 'name', 'user', 'space', 'userspace', 'service', 'daemon', 'app', 'application', 'thread',
  'threads', 'worker', 'workers', 'main', 'executable', 'job', 'task', 'tool', 'one', 'same', 'likely', 'maybe', 'perhaps',
  'definitely', 'clearly', 'obviously', 'seems', 'looks', 'like', 'be', 'to', 'are', 'am', 'here', 'there', 'just', 'only', 'mostly',
  'c', 'in', 'code', 'source', 'library', 'lib', 'call', 'calls', 'called', 'invoked', 'our', 'my', 'named:', 'is:', 'answer:', 'log',
  'data', 'directory', 'dir', 'folder', 'times', 'time', 'again', 'over', 'and', 'all', 'every', 'each', 'short', 'lived', 'short-lived',
  'new', 'many', 'lots', 'loads', 'of', 'itself', 'again.', 'constantly', 'repeatedly', 'keeps', 'keep', 'being', 'been', 'gets', 'get',
  'got', 'spawning', 'starting', 'executing', 'launching', 'exec', 'execs', 'execing', 'execd', 'top', 'very', 'really', 'heavy',
]);

/** Words that introduce a context name rather than a second answer: "curl, started by health.sh". */
const RELATIONS = new Set([
  'by', 'from', 'of', 'via', 'under', 'inside', 'within', 'through', 'using', 'with', 'child', 'spawned', 'started', 'launched',
  'forked', 'executed', 'exec’d', "exec'd", 'called', 'invoked', 'runs', 'run', 'ran', 'calls', 'holding', 'holds', 'takes',
  'taking', 'waits', 'waiting', 'blocks', 'blocked', 'on', 'at', 'into', 'to', 'writes', 'writing', 'appends', 'appending',
  'syncs', 'fsyncs', 'for', 'because', 'since', 'as', 'which', 'who', 'that', 'whose', 'where', 'while', 'when', 'after',
]);

/** Separators of list items ("a, b or c"). */
const SEPARATORS = /\s*(?:,|;|\|| & | \+ | \/ |\n|\bor\b|\band\b|\bthen\b|\beither\b|\bnor\b|\balso\b|\bplus\b|\bmaybe\b|\bperhaps\b)\s*/i;

const DENIERS = new Set(['not', "isn't", "wasn't", 'no', 'never', 'nor', 'neither', "it's not", 'except', 'but not']);

/** A name as the system spells it: path -> base name, `name[pid]`, `./x`, quotes and `:` removed. */
export function cleanName(word: string): string {
  let w = word.trim().replace(/^[`'"“”‘’(<]+|[`'"“”‘’)>.,:;!?]+$/g, '');
  w = w.replace(/\[\d+\]$/, '').replace(/\(\)$/, '').replace(/\+0x[0-9a-f]+$/i, '');
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
    .split(/[\s`"“”]+/)
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
  for (const segment of segments) {
    let negated = false;
    let relation = false;
    const named: string[] = [];
    let fallback: string | undefined;
    for (const raw of words(String(segment))) {
      const lower = raw.toLowerCase().replace(/[.,:;!?]+$/, '');
      if (DENIERS.has(lower) || /n't$/.test(lower)) {
        negated = true;
        continue;
      }
      // "curl, started by health.sh": what follows a relation word is context, not a second answer
      if (RELATIONS.has(lower)) {
        relation = true;
        continue;
      }
      // a pasted command line: options and arguments after the name are not more names
      if ((named.length || fallback) && /^-/.test(raw)) break;
      if (raw.includes('://')) continue;
      const name = cleanName(raw);
      if (!name || FILLER.has(name) || FILLER.has(lower) || /^-/.test(name) || /^\d+$/.test(name)) continue;
      const isName = known(name) || looksTechnical(raw);
      if (negated) {
        if (isName || !fallback) denied.push(name);
        continue;
      }
      if (relation) continue;
      if (isName) named.push(name);
      else fallback ??= name;
    }
    if (named.length) candidates.push(...named);
    else if (fallback && !negated && !relation) candidates.push(fallback);
  }
  return { candidates: [...new Set(candidates)], denied: [...new Set(denied)] };
}
