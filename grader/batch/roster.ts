import { readFile } from 'node:fs/promises';
import { LabctlError } from '../../core/errors.ts';
import { formatProblem, parseYamlSource, type SourceProblem } from '../yaml-source.ts';
import { CsvError, parseCsv } from './csv.ts';

/** One learner the instructor expects a submission from. */
export interface RosterEntry {
  learner: string;
  name?: string;
  email?: string;
}

const ID_RE = /^[^\s\0]{1,128}$/;

export interface RosterParse {
  entries: RosterEntry[];
  problems: SourceProblem[];
}

function parseCsvRoster(text: string, file: string): RosterParse {
  const problems: SourceProblem[] = [];
  let rows;
  try {
    rows = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) return { entries: [], problems: [{ file, line: err.line, message: err.message }] };
    throw err;
  }
  if (!rows.length) return { entries: [], problems: [{ file, message: 'empty roster: expected a header `learner,name,email` and one row per learner' }] };
  const header = rows[0].fields.map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const learnerCol = col('learner') >= 0 ? col('learner') : col('id');
  if (learnerCol < 0) {
    return { entries: [], problems: [{ file, line: rows[0].line, message: `no "learner" column in the header (found: ${header.join(', ') || 'nothing'})` }] };
  }
  const entries: RosterEntry[] = [];
  for (const row of rows.slice(1)) {
    const learner = (row.fields[learnerCol] ?? '').trim();
    if (!ID_RE.test(learner)) {
      problems.push({ file, line: row.line, field: 'learner', message: learner ? `"${learner}" is not a learner id (no spaces, at most 128 characters)` : 'empty learner id' });
      continue;
    }
    const get = (name: string) => {
      const v = col(name) >= 0 ? (row.fields[col(name)] ?? '').trim() : '';
      return v || undefined;
    };
    entries.push({ learner, ...(get('name') ? { name: get('name') } : {}), ...(get('email') ? { email: get('email') } : {}) });
  }
  return { entries, problems };
}

function parseYamlRoster(text: string, file: string): RosterParse {
  const src = parseYamlSource(text, file);
  if (src.problems.length) return { entries: [], problems: src.problems };
  const data = src.data as unknown;
  const list = Array.isArray(data) ? data : (data as { learners?: unknown })?.learners;
  if (!Array.isArray(list)) return { entries: [], problems: [{ file, line: 1, message: 'expected a list of learners (ids, or {learner, name, email}), or `learners:` holding one' }] };
  const base = Array.isArray(data) ? [] : ['learners'];
  const entries: RosterEntry[] = [];
  const problems: SourceProblem[] = [];
  list.forEach((item, i) => {
    const at = { file, line: src.lineOf([...base, i]), field: `${base.length ? 'learners' : ''}[${i}]` };
    const obj = typeof item === 'string' || typeof item === 'number' ? { learner: String(item) } : (item as Record<string, unknown> | null);
    const learner = obj && typeof obj === 'object' ? String(obj.learner ?? obj.id ?? '').trim() : '';
    if (!ID_RE.test(learner)) {
      problems.push({ ...at, message: learner ? `"${learner}" is not a learner id (no spaces, at most 128 characters)` : 'expected a learner id or a mapping with `learner:`' });
      return;
    }
    const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    entries.push({ learner, ...(str(obj!.name) ? { name: str(obj!.name) } : {}), ...(str(obj!.email) ? { email: str(obj!.email) } : {}) });
  });
  return { entries, problems };
}

/** Parses a roster (CSV `learner,name,email` or a YAML list); every problem is collected with its line. */
export function parseRoster(text: string, file: string): RosterParse {
  const out = /\.ya?ml$/i.test(file) ? parseYamlRoster(text, file) : parseCsvRoster(text, file);
  const seen = new Map<string, number>();
  out.entries.forEach((e, i) => {
    if (seen.has(e.learner)) out.problems.push({ file, message: `learner "${e.learner}" is listed twice` });
    seen.set(e.learner, i);
  });
  return out;
}

/** Reads and parses a roster; any problem is a user error naming the file and line (exit 2). */
export async function readRoster(file: string): Promise<RosterEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LabctlError(`cannot read roster ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass --roster with a CSV (learner,name,email) or YAML list of learner ids');
  }
  const { entries, problems } = parseRoster(text, file);
  if (problems.length) {
    throw new LabctlError(`roster ${file} has problems:\n${problems.map(formatProblem).join('\n')}`, 'fix the roster: one learner id per row, header `learner,name,email`');
  }
  return entries;
}
