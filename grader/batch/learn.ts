import { readFile } from 'node:fs/promises';
import { isMap, isSeq, parseDocument, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { LabctlError } from '../../core/errors.ts';
import { parseCsv } from './csv.ts';
import type { OverrideEntry } from './overrides.ts';

/**
 * `labctl review learn`: turns answer groups a person accepted (full points in grades/overrides.yaml) into
 * `accepted:` claim keys on the scenario's `answer-concepts` checks, so the next class gets those answers
 * graded automatically. scenario.yaml is edited in place by inserting text at positions the `yaml`
 * Document gives (re-serialising the whole document would re-wrap folded text and drop layout); the result
 * is parsed again and must equal the old data plus the new keys, else nothing is written.
 */

export interface ReviewCsvGroup {
  group: string;
  scenario: string;
  check: string;
  /** `claims:<claim key>` or `text:<normalised answer>` */
  groupKey: string;
  points: number;
  answer: string;
}

/** Reads the groups of grades/review.csv (one entry per group id). */
export async function readReviewCsv(file: string): Promise<Map<string, ReviewCsvGroup>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LabctlError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'run `labctl grade --batch` first: it writes review.csv next to gradebook.csv (or pass --review)');
  }
  const rows = parseCsv(text);
  const header = rows[0]?.fields ?? [];
  const col = (name: string) => header.indexOf(name);
  for (const need of ['group', 'scenario', 'check', 'groupKey', 'points', 'answer']) {
    if (col(need) < 0) throw new LabctlError(`${file}:1: no "${need}" column: not a review.csv written by labctl grade --batch`, 'pass --review with grades/review.csv');
  }
  // csvField guards formula-like text with a leading apostrophe; take it off again
  const field = (r: string[], name: string) => (r[col(name)] ?? '').replace(/^'(?=[=+\-@\t\r])/, '');
  const out = new Map<string, ReviewCsvGroup>();
  for (const row of rows.slice(1)) {
    const g = field(row.fields, 'group');
    if (!g || out.has(g)) continue;
    out.set(g, { group: g, scenario: field(row.fields, 'scenario'), check: field(row.fields, 'check'), groupKey: field(row.fields, 'groupKey'), points: Number(field(row.fields, 'points')), answer: field(row.fields, 'answer') });
  }
  return out;
}

export interface LearnPlan {
  /** check id -> claim keys to accept */
  accept: Map<string, string[]>;
  /** decisions not learned, and why */
  skipped: { entry: OverrideEntry; why: string }[];
}

/** Which accepted groups of one scenario can be learned: full points, a claim key, a group review.csv knows. */
export function planLearning(entries: OverrideEntry[], groups: Map<string, ReviewCsvGroup>, scenario: string): LearnPlan {
  const plan: LearnPlan = { accept: new Map(), skipped: [] };
  for (const e of entries) {
    if (!e.group) continue;
    const g = groups.get(e.group);
    if (!g) {
      plan.skipped.push({ entry: e, why: 'not in review.csv (decided in an older batch?)' });
      continue;
    }
    if (g.scenario !== scenario) continue;
    if (e.points < g.points) {
      plan.skipped.push({ entry: e, why: `${e.points} of ${g.points} points: only fully accepted groups are learned` });
      continue;
    }
    if (!g.groupKey.startsWith('claims:')) {
      plan.skipped.push({ entry: e, why: 'the grader gave no claim key for these answers (grouped by text only)' });
      continue;
    }
    const claim = g.groupKey.slice('claims:'.length);
    plan.accept.set(g.check, [...new Set([...(plan.accept.get(g.check) ?? []), claim])]);
  }
  return plan;
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function endOfLine(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? text.length : nl + 1;
}

const range = (n: Node | null | undefined): [number, number, number] => {
  if (!n?.range) throw new Error('node without a position');
  return n.range as [number, number, number];
};

/** Inserts claim keys into one check's `with.accepted` (creating it), returning the new text. */
function insertAccepted(text: string, doc: Document, file: string, checkIndex: number, claims: string[]): string {
  const withNode = doc.getIn(['checks', checkIndex, 'with'], true) as YAMLMap | undefined;
  if (!isMap(withNode)) throw new LabctlError(`${file}: checks[${checkIndex}].with is not a mapping`, 'fix scenario.yaml by hand');
  const quoted = claims.map((c) => JSON.stringify(c));
  const acc = withNode.get('accepted', true) as Node | undefined;
  if (acc !== undefined) {
    if (!isSeq(acc)) throw new LabctlError(`${file}: checks[${checkIndex}].with.accepted is not a list`, 'make it a list of claim keys');
    const seq = acc as YAMLSeq;
    const [start, end] = range(seq);
    if (seq.flow) {
      const close = text.lastIndexOf(']', end - 1);
      const empty = seq.items.length === 0;
      return `${text.slice(0, close).replace(/\s+$/, '')}${empty ? '' : ', '}${quoted.join(', ')}${text.slice(close)}`;
    }
    const last = seq.items[seq.items.length - 1] as Node;
    const at = endOfLine(text, range(last)[1] - 1);
    const prefix = text.slice(lineStart(text, range(last)[0]), range(last)[0]);
    void start;
    return `${text.slice(0, at)}${quoted.map((q) => `${prefix}${q}\n`).join('')}${text.slice(at)}`;
  }
  const [, end] = range(withNode);
  if (withNode.flow) {
    const close = text.lastIndexOf('}', end - 1);
    return `${text.slice(0, close).replace(/\s+$/, '')}, accepted: [${quoted.join(', ')}] ${text.slice(close)}`;
  }
  const firstKey = withNode.items[0].key as Node;
  const indent = ' '.repeat(range(firstKey)[0] - lineStart(text, range(firstKey)[0]));
  const lastPair = withNode.items[withNode.items.length - 1];
  const lastEnd = range((lastPair.value as Node) ?? (lastPair.key as Node))[1];
  const at = endOfLine(text, lastEnd - 1);
  return `${text.slice(0, at)}${indent}accepted: [${quoted.join(', ')}]\n${text.slice(at)}`;
}

export interface LearnResult {
  text: string;
  /** check id -> claim keys added (already present ones left out) */
  added: Map<string, string[]>;
  /** checks that cannot take accepted claims, and why */
  refused: { check: string; why: string }[];
}

/**
 * Adds `accepted:` claim keys to scenario.yaml text. Only `answer-concepts` checks take them. The edit is
 * checked by parsing the result: the same data as before plus exactly the new keys, else it throws.
 */
export function learnAccepted(text: string, file: string, accept: Map<string, string[]>): LearnResult {
  const parse = (t: string) => parseDocument(t, { keepSourceTokens: false });
  let doc = parse(text);
  if (doc.errors.length) throw new LabctlError(`${file}: ${doc.errors[0].message.split('\n')[0]}`, 'fix the YAML first');
  const before = doc.toJS() as { checks?: { id?: string; rule?: string; with?: { accepted?: string[] } }[] };
  const checks = before.checks ?? [];
  const added = new Map<string, string[]>();
  const refused: LearnResult['refused'] = [];
  let out = text;
  for (const [checkId, claims] of accept) {
    const i = checks.findIndex((c) => c.id === checkId);
    if (i < 0) {
      refused.push({ check: checkId, why: `no check ${checkId} in ${file}` });
      continue;
    }
    if (checks[i].rule !== 'answer-concepts') {
      refused.push({ check: checkId, why: `${checkId} uses rule ${checks[i].rule}: only answer-concepts checks take accepted claims` });
      continue;
    }
    const have = new Set(checks[i].with?.accepted ?? []);
    const fresh = claims.filter((c) => !have.has(c));
    if (!fresh.length) continue;
    out = insertAccepted(out, doc, file, i, fresh);
    doc = parse(out);
    added.set(checkId, fresh);
  }
  // the edit must change nothing but the accepted lists
  const after = parse(out);
  if (after.errors.length) throw new LabctlError(`${file}: the edit would break the YAML (${after.errors[0].message.split('\n')[0]}); nothing written`, 'add the claim keys by hand');
  const expect = structuredClone(before);
  for (const [checkId, fresh] of added) {
    const c = expect.checks!.find((x) => x.id === checkId)!;
    c.with = { ...c.with, accepted: [...(c.with?.accepted ?? []), ...fresh] };
  }
  if (JSON.stringify(sortKeys(after.toJS())) !== JSON.stringify(sortKeys(expect))) {
    throw new LabctlError(`${file}: the edit would change more than the accepted claims; nothing written`, 'add the claim keys by hand');
  }
  return { text: out, added, refused };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}
