import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabctlError } from '../core/errors.ts';
import { formatPath, formatProblem, parseYamlSource, type SourceProblem } from '../grader/yaml-source.ts';
import { findRule } from '../grader/rules/registry.ts';
import { PLACEHOLDER } from '../grader/rules/template.ts';
import { EMBEDDED_SCENARIOS } from './embedded.ts';
import { ScenarioSchema, type Scenario } from './schema.ts';

/** `{{fact}}` filling lives with the rules that use it; re-exported for scenario tooling. */
export { fillTemplate } from '../grader/rules/template.ts';

export const SCENARIOS_DIR = dirname(fileURLToPath(import.meta.url));

export interface ScenarioLoad {
  dir: string;
  scenario?: Scenario;
  errors: SourceProblem[];
  warnings: SourceProblem[];
}

/** Scenario ids are the folder names that hold a scenario.yaml. */
export function listScenarioIds(root = SCENARIOS_DIR): string[] {
  if (root === SCENARIOS_DIR && !existsSync(root)) return Object.keys(EMBEDDED_SCENARIOS).sort();
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'scenario.yaml')))
    .sort();
}

/** The built-in copy of a scenario folder, used only where the scenarios/ folder itself is missing (lab hosts). */
function builtIn(dir: string): (typeof EMBEDDED_SCENARIOS)[string] | undefined {
  if (dirname(dir) !== SCENARIOS_DIR || existsSync(SCENARIOS_DIR)) return undefined;
  return EMBEDDED_SCENARIOS[basename(dir)];
}

/**
 * The scenario as validated at build time, while scenario.yaml still has the text it was validated from: the
 * built CLI skips parsing and validating it (most of a one-submission `labctl grade`).
 */
function builtInValid(id: string, file: string): Scenario | undefined {
  const built = EMBEDDED_SCENARIOS[id];
  if (!built?.scenario) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    if (existsSync(SCENARIOS_DIR)) return undefined;
    text = built['scenario.yaml'];
  }
  return text === built['scenario.yaml'] ? built.scenario : undefined;
}

/** Reads and validates one scenario folder; every problem is collected, none thrown. */
export function readScenarioDir(dir: string): ScenarioLoad {
  const file = relative(process.cwd(), join(dir, 'scenario.yaml')) || 'scenario.yaml';
  const errors: SourceProblem[] = [];
  const warnings: SourceProblem[] = [];
  const embedded = builtIn(dir);
  let text: string;
  try {
    text = readFileSync(join(dir, 'scenario.yaml'), 'utf8');
  } catch (err) {
    if (!embedded) return { dir, errors: [{ file, message: `cannot read: ${(err as Error).message}` }], warnings };
    text = embedded['scenario.yaml'];
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
    const rule = findRule(check.rule);
    for (const problem of rule?.validate?.(check.with, scenario) ?? []) errors.push({ ...at(`with.${problem.field}`), message: problem.message });
  });
  const graded = new Set(scenario.checks.flatMap((c) => (c.kind === 'answer' ? [c.with.key] : [])));
  for (const key of Object.keys(scenario.answers)) {
    if (!graded.has(key)) warnings.push({ file, line: src.lineOf(['answers', key]), field: `answers.${key}`, message: 'no check grades this answer' });
  }
  if (!existsSync(join(dir, 'README.md')) && !embedded?.['README.md']) errors.push({ file: join(relative(process.cwd(), dir), 'README.md'), message: 'missing learner brief' });
  const examples = join(dir, 'examples');
  if (!embedded && (!existsSync(examples) || !statSync(examples).isDirectory())) {
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
  const compiled = root === SCENARIOS_DIR ? builtInValid(id, file) : undefined;
  if (compiled) {
    scenarioCache.set(file, { mtime, scenario: compiled });
    return compiled;
  }
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
