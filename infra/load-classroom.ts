import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { LabctlError } from '../core/errors.ts';
import { closest } from './aws-regions.ts';
import { ClassroomSchema, LearnerSchema, SshPublicKeySchema, classroomWarnings, type Classroom } from './classroom-schema.ts';

/**
 * Reads `classroom.yaml` into a validated `Classroom`, collecting every problem (YAML syntax, schema,
 * cross-field rules, public key files) with its field path and, when the YAML has a node for it, its line.
 * Key files are read here, at the edge, so the stack only ever sees inline public keys.
 */

export interface Problem {
  path: string;
  message: string;
  line?: number;
}

export interface ClassroomLoad {
  file: string;
  classroom: Classroom | null;
  errors: Problem[];
  warnings: Problem[];
}

export class ClassroomInvalidError extends LabctlError {
  override name = 'ClassroomInvalidError';
  constructor(readonly load: ClassroomLoad) {
    super(
      `${load.file} is not a valid classroom (${load.errors.length} problem${load.errors.length === 1 ? '' : 's'}):\n` +
        load.errors.map((p) => `  ${formatProblem(load.file, p)}`).join('\n'),
      'fix the fields above; infra/classroom.schema.json gives your editor completion and checks',
    );
  }
}

/** `classroom.yaml:12: learners[2].id: duplicate id "ana"`: file, line when known, field path, message. */
export function formatProblem(file: string, p: Problem): string {
  return `${file}${p.line ? `:${p.line}` : ''}: ${p.path}: ${p.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

export function loadClassroom(file: string): ClassroomLoad {
  if (!existsSync(file)) {
    throw new LabctlError(`${file}: no such file`, 'pass the classroom file with -c, e.g. -c infra/examples/classroom.yaml');
  }
  return parseClassroom(readFileSync(file, 'utf8'), file);
}

/** Like `loadClassroom` but throws one error listing every problem; prints nothing. */
export function loadClassroomOrThrow(file: string): ClassroomLoad & { classroom: Classroom } {
  const load = loadClassroom(file);
  if (!load.classroom) throw new ClassroomInvalidError(load);
  return load as ClassroomLoad & { classroom: Classroom };
}

/** `file` names the source in messages and anchors relative key paths. */
export function parseClassroom(text: string, file: string): ClassroomLoad {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);

  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0], line: lineOf(e.pos[0]) }));
    return { file, classroom: null, errors, warnings: [] };
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || raw === undefined) {
    return { file, classroom: null, errors: [{ path: '(root)', message: 'file is empty; see infra/examples/classroom.yaml' }], warnings: [] };
  }

  const errors: Problem[] = [];
  const parsed = ClassroomSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(...problemsOf(issue, doc, lineOf));
  }
  const keys = readKeyFiles(raw, dirname(file), doc, lineOf, errors);
  if (errors.length > 0 || !parsed.success) return { file, classroom: null, errors: byLine(dedupe(errors)), warnings: [] };

  const classroom = withInlineKeys(parsed.data, keys);
  const warnings = classroomWarnings(parsed.data).map((w) => ({ ...w, line: lineOf(nodeAt(doc, w.path)?.range?.[0]) }));
  return { file, classroom, errors: [], warnings };
}

type LineOf = (offset: number | undefined) => number | undefined;

const KNOWN_KEYS = [
  ...Object.keys(ClassroomSchema.shape),
  ...Object.keys(LearnerSchema.shape),
  'allowedCidrs', 'allowAnywhere', 'monthlyUsd', 'alertEmails', 's3', 'bucket', 'key', 'dynamodbTable',
];

function problemsOf(issue: z.core.$ZodIssue, doc: Document, lineOf: LineOf): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const guess = closest(key, KNOWN_KEYS, 2);
      return {
        path: formatPath([...issue.path, key]),
        message: `unknown field "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        line: lineOf(keyNode(doc, issue.path, key)?.range?.[0]),
      };
    });
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined$/.test(message)) message = `required field is missing (expected ${issue.expected})`;
  return [{ path: formatPath(issue.path), message, line: lineOf(nearestNode(doc, issue.path)?.range?.[0]) }];
}

interface Ranged {
  range?: [number, number, number] | null;
}

function nearestNode(doc: Document, path: readonly PropertyKey[]): Ranged | undefined {
  // A missing field has no node: point at its parent, but not at the whole document.
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as Ranged | undefined;
    if (node && typeof node === 'object' && node.range) return node;
  }
  return undefined;
}

function nodeAt(doc: Document, dotted: string): Ranged | undefined {
  const path = dotted.split(/\.|\[(\d+)\]/).filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  return nearestNode(doc, path);
}

function keyNode(doc: Document, path: readonly PropertyKey[], key: string): Ranged | undefined {
  const parent = (path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true)) as
    | { items?: { key?: Ranged & { value?: unknown } }[] }
    | undefined;
  const pair = parent?.items?.find((p) => (p.key as { value?: unknown } | undefined)?.value === key);
  return pair?.key;
}

/** Public keys read from files, by the dotted path of their owner (`instructor`, `learners[3]`). */
type KeyFiles = Map<string, string>;

function readKeyFiles(raw: unknown, baseDir: string, doc: Document, lineOf: LineOf, errors: Problem[]): KeyFiles {
  const keys: KeyFiles = new Map();
  const owners: { path: (string | number)[]; value: unknown }[] = [];
  const r = raw as { instructor?: unknown; learners?: unknown };
  if (r && typeof r === 'object') {
    if (r.instructor && typeof r.instructor === 'object') owners.push({ path: ['instructor'], value: r.instructor });
    if (Array.isArray(r.learners)) r.learners.forEach((l, i) => owners.push({ path: ['learners', i], value: l }));
  }
  for (const { path, value } of owners) {
    const keyFile = (value as { sshPublicKeyFile?: unknown } | null)?.sshPublicKeyFile;
    if (typeof keyFile !== 'string' || keyFile === '') continue;
    const fieldPath = [...path, 'sshPublicKeyFile'];
    const at = { path: formatPath(fieldPath), line: lineOf(nearestNode(doc, fieldPath)?.range?.[0]) };
    const abs = resolve(baseDir, keyFile);
    const read = readKeyFile(abs, keyFile);
    if ('problem' in read) {
      errors.push({ ...at, message: read.problem });
      continue;
    }
    const text = read.text.trim();
    const check = SshPublicKeySchema.safeParse(text.split('\n')[0]);
    if (!check.success || text.includes('PRIVATE KEY')) {
      const why = text.includes('PRIVATE KEY') ? 'this is a PRIVATE key: give the .pub file, never the private key' : check.error!.issues[0].message;
      errors.push({ ...at, message: `${keyFile}: ${why}` });
      continue;
    }
    keys.set(formatPath(path), check.data);
  }
  return keys;
}

/** An OpenSSH public key is one line of at most a few KB; anything bigger is not one. */
const MAX_KEY_FILE_BYTES = 16 * 1024;

/**
 * Reads a key file only when it is a regular file: `stat` first, so a FIFO or a device is refused without
 * ever being opened (opening a FIFO blocks until someone writes to it).
 */
function readKeyFile(abs: string, shown: string): { text: string } | { problem: string } {
  let st;
  try {
    st = statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: `public key file not found: ${shown} (looked in ${abs})` };
    return { problem: `cannot read public key file ${shown}: ${code ?? (err as Error).message} (${abs})` };
  }
  if (!st.isFile()) {
    const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : 'a device or special file';
    return { problem: `${shown} is ${kind}, not a public key file: give the path of the .pub file (${abs})` };
  }
  if (st.size > MAX_KEY_FILE_BYTES) return { problem: `${shown} is ${st.size} bytes: too big for an OpenSSH public key (a .pub file is one line)` };
  try {
    return { text: readFileSync(abs, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'permission denied' : (code ?? (err as Error).message);
    return { problem: `cannot read public key file ${shown}: ${why} (${abs}); make it readable by the user running labctl` };
  }
}

function withInlineKeys(c: Classroom, keys: KeyFiles): Classroom {
  const inline = <T extends { sshPublicKey?: string; sshPublicKeyFile?: string }>(owner: T, path: string): T => {
    const { sshPublicKeyFile: _file, ...rest } = owner;
    const key = keys.get(path) ?? owner.sshPublicKey;
    return (key ? { ...rest, sshPublicKey: key } : rest) as T;
  };
  return {
    ...c,
    instructor: c.instructor ? inline(c.instructor, 'instructor') : undefined,
    learners: c.learners.map((l, i) => inline(l, `learners[${i}]`)),
  };
}

function byLine(problems: Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || a.i - b.i)
    .map(({ p }) => p);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
