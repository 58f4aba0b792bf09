import { LineCounter, parseDocument, type Document } from 'yaml';

/** A problem in a source file, collected as data (PrairieLearn style), printed as `file:line: field: message`. */
export interface SourceProblem {
  file: string;
  line?: number;
  field?: string;
  message: string;
}

export function formatProblem(p: SourceProblem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

/** Field paths as users read them: `checks[2].with.comm`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export interface YamlSource {
  file: string;
  data: unknown;
  problems: SourceProblem[];
  /** 1-based line of the node at `path`, or of its closest existing ancestor. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * Parses YAML keeping positions, so schema errors can name the line. Aliases are capped: a "billion laughs"
 * document fails fast with a message instead of eating memory.
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problems: SourceProblem[] = [];
  for (const err of doc.errors) {
    const line = err.linePos?.[0]?.line;
    problems.push({ file, line, message: err.message.split('\n')[0] });
  }
  let data: unknown = null;
  if (problems.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      problems.push({ file, message: `cannot be read: ${(err as Error).message}` });
    }
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
      const start = node?.range?.[0];
      if (typeof start === 'number') return lineCounter.linePos(start).line;
    }
    return undefined;
  };
  return { file, data, problems, lineOf };
}
