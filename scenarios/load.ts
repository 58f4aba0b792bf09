import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabctlError } from '../core/errors.ts';
import { formatPath, formatProblem, parseYamlSource, type SourceProblem } from '../grader/yaml-source.ts';
import { ScenarioSchema, type Scenario } from './schema.ts';

export const SCENARIOS_DIR = dirname(fileURLToPath(import.meta.url));

export interface ScenarioLoad {
  dir: string;
  scenario?: Scenario;
  errors: SourceProblem[];
  warnings: SourceProblem[];
}

/** Scenario ids are the folder names that hold a scenario.yaml. */
export function listScenarioIds(root = SCENARIOS_DIR): string[] {
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'scenario.yaml')))
    .sort();
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;

/** Reads and validates one scenario folder; every problem is collected, none thrown. */
export function readScenarioDir(dir: string): ScenarioLoad {
  const file = relative(process.cwd(), join(dir, 'scenario.yaml')) || 'scenario.yaml';
  const errors: SourceProblem[] = [];
  const warnings: SourceProblem[] = [];
  let text: string;
  try {
    text = readFileSync(join(dir, 'scenario.yaml'), 'utf8');
  } catch (err) {
    return { dir, errors: [{ file, message: `cannot read: ${(err as Error).message}` }], warnings };
  }
  const src = parseYamlSource(text, file);
  if (src.problems.length) return { dir, errors: src.problems, warnings };

  const parsed = ScenarioSchema.safeParse(src.data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      errors.push({ file, line: src.lineOf(issue.path), field: formatPath(issue.path) || undefined, message: issue.message });
    }
    return { dir, errors, warnings };
  }
  const scenario = parsed.data;
  const folderId = dir.split(/[\\/]/).filter(Boolean).pop();
  if (scenario.id !== folderId) {
    errors.push({ file, line: src.lineOf(['id']), field: 'id', message: `is "${scenario.id}" but the folder is "${folderId}"` });
  }

  const seen = new Set<string>();
  scenario.checks.forEach((check, i) => {
    const at = (field: string) => ({ file, line: src.lineOf(['checks', i, ...field.split('.')]), field: `checks[${i}].${field}` });
    if (seen.has(check.id)) errors.push({ ...at('id'), message: `duplicate check id "${check.id}"` });
    seen.add(check.id);
    for (const [name, value] of Object.entries(check.with)) {
      if (typeof value !== 'string') continue;
      for (const m of value.matchAll(PLACEHOLDER)) {
        if (!(m[1] in scenario.facts)) errors.push({ ...at(`with.${name}`), message: `uses {{${m[1]}}} but facts has no "${m[1]}"` });
      }
    }
    if (check.kind === 'answer') {
      const key = check.with.key;
      if (!(key in scenario.answers)) errors.push({ ...at('with.key'), message: `answers has no key "${key}"` });
      if ('fact' in check.with && !(check.with.fact in scenario.facts)) {
        errors.push({ ...at('with.fact'), message: `facts has no "${check.with.fact}"` });
      }
      if ('minFact' in check.with && !(check.with.minFact in scenario.facts)) {
        errors.push({ ...at('with.minFact'), message: `facts has no "${check.with.minFact}"` });
      }
      if (check.rule === 'answer-choice' && !(check.with.expect in check.with.choices)) {
        errors.push({ ...at('with.expect'), message: `"${check.with.expect}" is not one of the choices` });
      }
    }
  });
  const graded = new Set(scenario.checks.flatMap((c) => (c.kind === 'answer' ? [c.with.key] : [])));
  for (const key of Object.keys(scenario.answers)) {
    if (!graded.has(key)) warnings.push({ file, line: src.lineOf(['answers', key]), field: `answers.${key}`, message: 'no check grades this answer' });
  }
  if (!existsSync(join(dir, 'README.md'))) errors.push({ file: join(relative(process.cwd(), dir), 'README.md'), message: 'missing learner brief' });
  const examples = join(dir, 'examples');
  if (!existsSync(examples) || !statSync(examples).isDirectory()) {
    warnings.push({ file: relative(process.cwd(), examples), message: 'no example submissions' });
  }
  return { dir, scenario, errors, warnings };
}

/** Loads a scenario by id for grading; a broken or unknown scenario is a user error (exit 2). */
export function loadScenario(id: string, root = SCENARIOS_DIR): Scenario {
  const known = listScenarioIds(root);
  if (!known.includes(id)) {
    throw new LabctlError(`unknown scenario "${id}"`, `known scenarios: ${known.join(', ')}`);
  }
  // Batch grading loads the same scenario for every submission; parsing and validating it is most of a
  // small submission's grading time. Cached per file modification time, so an edited scenario is re-read.
  const file = join(root, id, 'scenario.yaml');
  const mtime = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  const cached = scenarioCache.get(file);
  if (cached && cached.mtime === mtime) return cached.scenario;
  const result = readScenarioDir(join(root, id));
  if (!result.scenario || result.errors.length) {
    throw new LabctlError(
      `scenario "${id}" is invalid:\n${result.errors.map(formatProblem).join('\n')}`,
      'run `npx labctl scenarios validate` for details',
    );
  }
  scenarioCache.set(file, { mtime, scenario: result.scenario });
  return result.scenario;
}

/** Valid scenarios by scenario.yaml path; callers treat the returned objects as read-only. */
const scenarioCache = new Map<string, { mtime: number; scenario: Scenario }>();

/** Fills `{{fact}}` placeholders. A value that is exactly one placeholder keeps the fact's type (numbers stay numbers). */
export function fillTemplate(value: string | number, facts: Record<string, string | number | boolean>): string | number {
  if (typeof value === 'number') return value;
  const whole = value.match(/^\{\{\s*([a-zA-Z0-9_]+)\s*\}\}$/);
  if (whole) {
    const v = facts[whole[1]];
    return typeof v === 'number' ? v : String(v ?? '');
  }
  return value.replace(PLACEHOLDER, (_, name: string) => String(facts[name] ?? ''));
}
