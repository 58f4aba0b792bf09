import { readFile, stat } from 'node:fs/promises';
import { Alias, isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { AnswersFile, SubmissionProblem } from './types.ts';

/**
 * More aliases than any honest answers file needs, few enough that a "billion laughs" document fails
 * after a handful of expansions instead of eating memory.
 */
export const MAX_ALIAS_COUNT = 50;

/** An answers file is a page of short answers; anything this big is a mistake or an attack. */
export const MAX_ANSWERS_BYTES = 1024 * 1024;

/** What {@link parseAnswersText} found. */
export interface AnswersParseResult {
  /** null when the file has any syntax error or is not a mapping: nothing half-parsed is graded */
  answers: AnswersFile | null;
  problems: SubmissionProblem[];
}

const SYNTAX_HINT = 'Fix the YAML at that line; each answer is `key: value` on its own line (quote values containing `: ` or `#`).';

/**
 * Parses the text of an answers file. Pure: `path` only names the file in problems. Syntax errors
 * are all collected with line and column; an alias bomb fails fast naming the alias's line; the top
 * level must be a mapping. Scenario keys are not checked here (rules know them), only `scenario:`.
 */
export function parseAnswersText(text: string, path: string): AnswersParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const problems: SubmissionProblem[] = doc.errors.map((err) => {
    const pos = err.linePos?.[0];
    return {
      code: 'answers-syntax',
      file: path,
      line: pos?.line,
      column: pos?.col,
      message: firstLine(err.message),
      hint: SYNTAX_HINT,
    };
  });
  if (problems.length > 0) return { answers: null, problems };

  const converted = toPlainData(doc, lines, path);
  if ('problem' in converted) return { answers: null, problems: [converted.problem] };
  const data = converted.value;

  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data) || !isMap(doc.contents)) {
    const found = data === null || data === undefined ? 'nothing' : Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    const line = doc.contents?.range ? lines.linePos(doc.contents.range[0]).line : 1;
    return {
      answers: null,
      problems: [
        {
          code: 'answers-not-mapping',
          file: path,
          line,
          message: `the top level must be a mapping of answers (\`key: value\` lines), found ${found}`,
          hint: 'Write one answer per line, e.g. `process: myapp`, as described in the scenario README.',
        },
      ],
    };
  }

  const keyLines = new Map<string, number>();
  for (const pair of doc.contents.items) {
    const key = pair.key;
    if (isScalar(key) && key.range) keyLines.set(String(key.value), lines.linePos(key.range[0]).line);
  }
  const record = data as Record<string, unknown>;
  let scenario: string | null = null;
  if (record.scenario !== undefined) {
    if (typeof record.scenario === 'string' && record.scenario.trim() !== '') {
      scenario = record.scenario.trim();
    } else {
      const line = keyLines.get('scenario');
      problems.push({
        code: 'answers-field-type',
        file: path,
        line,
        field: 'scenario',
        message: `expected a scenario id (text such as \`ghost-load\`), found ${describe(record.scenario)}`,
        hint: 'Set `scenario:` to the id of the exercise, or leave it out and pass `--scenario`.',
      });
    }
  }
  return {
    answers: { path, rel: path, data: record, scenario, lineOf: (key: string) => keyLines.get(key) },
    problems,
  };
}

/** yaml's pretty messages append the position and a source excerpt; the problem has both as fields. */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/**
 * `doc.toJS` with the alias cap. yaml's own errors do not say where they happened, so each alias
 * records itself as it is expanded: when expansion fails, the last one is the culprit.
 */
function toPlainData(doc: Document, lines: LineCounter, path: string): { value: unknown } | { problem: SubmissionProblem } {
  let current: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      const alias = node as Alias & { toJSON: Alias['toJSON'] };
      alias.toJSON = function (this: Alias, ...args: Parameters<Alias['toJSON']>) {
        current = alias;
        return Alias.prototype.toJSON.apply(this, args);
      };
    },
  });
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    const line = current?.range ? lines.linePos(current.range[0]).line : undefined;
    const bomb = /excessive alias count/i.test((err as Error).message);
    return {
      problem: {
        code: bomb ? 'answers-alias-limit' : 'answers-syntax',
        file: path,
        line,
        message: bomb
          ? `too many YAML alias expansions (limit ${MAX_ALIAS_COUNT}); refusing to expand further`
          : (err as Error).message,
        hint: bomb ? 'Write answers as plain values; YAML anchors and aliases (`&x`, `*x`) are not needed.' : SYNTAX_HINT,
      },
    };
  }
}

/** A file's size and a way to read it: a file on disk, or an archive entry held in memory. */
export interface SizedSource {
  size: number;
  read(): Promise<Uint8Array>;
}

/** Reads and parses `answers.yaml` (`rel` names it in problems). Oversized files are refused unread. */
export async function readAnswersFile(abs: string, rel: string): Promise<AnswersParseResult> {
  const { size } = await stat(abs);
  return readAnswers({ size, read: () => readFile(abs) }, rel);
}

/** {@link readAnswersFile} for any {@link SizedSource}. */
export async function readAnswers(src: SizedSource, rel: string): Promise<AnswersParseResult> {
  const size = src.size;
  if (size > MAX_ANSWERS_BYTES) {
    return {
      answers: null,
      problems: [
        {
          code: 'answers-too-large',
          file: rel,
          message: `is ${size} bytes; an answers file may be at most ${MAX_ANSWERS_BYTES} bytes`,
          hint: 'Put only the answers in it; captures go in their own files.',
        },
      ],
    };
  }
  const bytes = await src.read();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // never guess: a replaced byte could change an answer's meaning or a key's name
    const at = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, at).reduce((n, b) => (b === 10 ? n + 1 : n), 1);
    return {
      answers: null,
      problems: [{ code: 'answers-encoding', file: rel, line, message: `is not UTF-8 text (invalid byte 0x${bytes[at].toString(16).padStart(2, '0')} at offset ${at})`, hint: 'Save answers.yaml as UTF-8 (e.g. `iconv -f latin1 -t utf-8 answers.yaml`).' }],
    };
  }
  return parseAnswersText(text, rel);
}

/** Offset of the first byte that makes `bytes` invalid UTF-8 (bisecting with the strict decoder). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const ok = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  // the streaming decoder waits for the rest of a sequence: the bad one starts at its lead byte
  for (let i = lo - 1; i >= Math.max(0, lo - 3); i--) if (bytes[i] >= 0xc0) return i;
  return Math.min(lo, bytes.length - 1);
}
