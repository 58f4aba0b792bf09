import { readFile } from 'node:fs/promises';
import { LabctlError } from '../core/errors.ts';
import { loadScenario } from '../scenarios/load.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { defaultFacts, HOST_OBSERVED_FACTS, type ScenarioId } from '../scenarios/variants.ts';
import { checkFactTypes, deriveFacts } from './expected-facts.ts';
import { observe } from './facts/observe.ts';
import { factCandidates } from './facts/candidates.ts';
import { LabManifestSchema, type Facts, type LabManifest } from './manifest.ts';
import { isUnresolved, looksSealed, resolveSealedFacts, SealedManifestSchema, sealedMismatches, type SealedManifest } from './sealed-manifest.ts';
import { parseCaptureBytes, parseCaptureFile } from './parsers/index.ts';
import type { Capture } from './parsers/types.ts';
import type { AnswerReading, CaptureListing, CheckResult, GradeReport } from './report/types.ts';
import { answerText } from './rules/match.ts';
import type { RuleOutcome } from './rules/types.ts';
import { runRule } from './rules/registry.ts';
import { loadSubmission, type CaptureFile, type Submission } from './submission/index.ts';
import { formatPath, formatProblem, type SourceProblem } from './yaml-source.ts';

export interface GradeOptions {
  /** scenario id; else the manifest's, else answers.yaml `scenario:` */
  scenario?: string;
  /** the folder holding the scenario folders (default: this checkout's scenarios/) */
  scenarioRoot?: string;
  /** path to lab-manifest.json; wins over one at the submission root */
  manifestPath?: string;
  /** grade the captures only (readiness checks): answer checks are left out of the report */
  evidenceOnly?: boolean;
  /**
   * the class secret: every expected fact is derived from (secret, learner, scenario) and manifest facts
   * that differ are reported as tampering, never graded against
   */
  classSecret?: string;
  /** whose lab to derive the facts for (a verified identity); default: the learner the manifest names */
  learner?: string;
}

/** Files the loader sets aside by design; anything else it skips is worth telling the learner about. */
const NOT_CAPTURES = new Set(['answers file', 'lab manifest', 'hidden file', 'hidden folder', 'macOS archive metadata', 'readme']);

/** answers.yaml keys that are metadata, not answers. */
const META_KEYS = new Set(['scenario', 'learner']);

/**
 * Grades a submission folder or .tar.gz: parse captures -> observe facts -> run the scenario's rules -> report.
 * Bad learner input never throws: it makes the report `gradable: false` with notes naming file and line.
 * Throws (exit 2) only when there is nothing to grade against: no such path, no scenario, a bad --manifest.
 */
export async function gradeSubmission(path: string, options: GradeOptions = {}): Promise<GradeReport> {
  const explicitManifest = options.manifestPath ? await readManifestFile(options.manifestPath) : undefined;
  const sub = await loadSubmission(path);
  try {
    return withPassRule(await gradeLoaded(sub, options, explicitManifest), options.scenarioRoot);
  } finally {
    await sub.cleanup();
  }
}

/** {@link gradeSubmission} for a submission already loaded (the batch loads each one once); the caller cleans it up. */
export async function gradeLoadedSubmission(sub: Submission, options: Omit<GradeOptions, 'manifestPath'> = {}): Promise<GradeReport> {
  return withPassRule(await gradeLoaded(sub, options, undefined), options.scenarioRoot);
}

/**
 * The scenario's pass rule (pass mark, required checks) travels with the report: reports explain a
 * verdict with it, and a person's overrides recompute the verdict by it.
 */
function withPassRule(report: GradeReport, root?: string): GradeReport {
  if (!report.gradable) return report;
  const scenario = loadScenario(report.scenario, root);
  const required = new Set(scenario.checks.filter((c) => c.required).map((c) => c.id));
  return { ...report, passPercent: scenario.passPercent, checks: report.checks.map((c) => (required.has(c.id) ? { ...c, required: true } : c)) };
}

async function readManifestFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LabctlError(`cannot read manifest ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass the lab-manifest.json written by `labctl lab inject`');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LabctlError(`${file}: not valid JSON: ${(err as Error).message}`, 'pass the lab-manifest.json written by `labctl lab inject`');
  }
}

/** A plaintext manifest (the instructor's copy, older lab hosts) or the sealed one a lab host keeps. */
type AnyManifest = { kind: 'plain'; manifest: LabManifest } | { kind: 'sealed'; manifest: SealedManifest };

function validateManifest(data: unknown, file: string, problems: SourceProblem[]): AnyManifest | undefined {
  const sealed = looksSealed(data);
  const parsed = sealed ? SealedManifestSchema.safeParse(data) : LabManifestSchema.safeParse(data);
  if (parsed.success) return sealed ? { kind: 'sealed', manifest: parsed.data as SealedManifest } : { kind: 'plain', manifest: parsed.data as LabManifest };
  for (const issue of parsed.error.issues) problems.push({ file, field: formatPath(issue.path) || undefined, message: issue.message });
  return undefined;
}

/** Parses a capture wherever the loader left it: a file, an archive entry in memory, or a range of the spool. */
export async function parseCapture(f: CaptureFile): Promise<Capture> {
  if (f.bytes) return parseCaptureBytes(f.bytes, f.abs);
  if (f.spool) return parseCaptureFile(f.spool.file, { offset: f.spool.offset, length: f.size }, f.abs);
  return parseCaptureFile(f.abs);
}

/**
 * Capture files read per submission, in name order. An honest one holds a handful; thousands of small
 * captures cost seconds and hundreds of MB to parse and hold (2,000 copies of an execsnoop capture:
 * 10 s, 290 MB), so the rest are named in a note and not read.
 */
export const MAX_CAPTURES_READ = 200;

/** The note for capture files past {@link MAX_CAPTURES_READ}, or null when there are none. */
export function unreadCapturesNote(files: CaptureFile[]): string | null {
  const rest = files.slice(MAX_CAPTURES_READ);
  if (rest.length === 0) return null;
  return `${rest.length} more file(s) not read, from ${rest[0].rel} on: a submission is graded on its first ${MAX_CAPTURES_READ} capture files (by name); leave out everything but the captures the brief asks for`;
}

async function parseAll(sub: Submission, problems: SourceProblem[]): Promise<{ listing: CaptureListing[]; captures: Capture[] }> {
  // The loader sorts by code point; locale-aware sorting would make reports differ between machines.
  const files = sub.captureFiles.slice(0, MAX_CAPTURES_READ);
  const listing: CaptureListing[] = [];
  const captures: Capture[] = [];
  for (const f of files) {
    try {
      const capture = await parseCapture(f);
      listing.push({ file: f.rel, tool: capture.tool, flavor: capture.flavor });
      if (capture.tool !== 'unknown') captures.push(capture);
    } catch (err) {
      listing.push({ file: f.rel, tool: 'unknown', flavor: 'unknown' });
      problems.push({ file: f.rel, line: (err as { line?: number }).line, message: `unreadable capture: ${(err as Error).message.replace(/^[^:]+: /, '')}` });
    }
  }
  return { listing, captures };
}

function checkAnswers(sub: Submission, scenario: Scenario, problems: SourceProblem[]): Record<string, unknown> {
  if (!sub.answers) {
    if (problems.some((p) => p.file === 'answers.yaml' || p.file === 'answers.yml')) return {};
    problems.push({ file: 'answers.yaml', message: `missing: write your answers (${Object.keys(scenario.answers).join(', ')}) in answers.yaml at the top of the submission` });
    return {};
  }
  const { data } = sub.answers;
  const file = sub.answers.rel;
  for (const [key, value] of Object.entries(data)) {
    if (META_KEYS.has(key)) continue;
    if (!(key in scenario.answers)) {
      problems.push({ file, line: sub.answers.lineOf(key), field: key, message: `unknown answer key; expected: ${Object.keys(scenario.answers).join(', ')}` });
    } else if (value !== null && typeof value === 'object' && !(Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'))) {
      problems.push({ file, line: sub.answers.lineOf(key), field: key, message: 'must be text, a number, yes/no, or a list of those' });
    }
  }
  return data;
}

function ungradable(scenario: string, learner: string | undefined, captures: CaptureListing[], problems: SourceProblem[], notes: string[]): GradeReport {
  return {
    scenario,
    ...(learner ? { learner } : {}),
    score: 0,
    maxScore: 0,
    passed: false,
    gradable: false,
    checks: [],
    captures,
    notes: [...problems.map(formatProblem), ...notes],
  };
}

async function gradeLoaded(sub: Submission, options: GradeOptions, explicitManifest: unknown): Promise<GradeReport> {
  // Without answers to grade, a missing answers.yaml is no problem.
  const problems: SourceProblem[] = sub.problems
    .filter((p) => !(options.evidenceOnly && p.code === 'missing-answers'))
    .map((p) => ({ file: p.file, line: p.line, field: p.field, message: p.hint ? `${p.message} (${p.hint})` : p.message }));
  const notes: string[] = [...sub.notes];
  for (const skipped of sub.skipped) {
    if (!NOT_CAPTURES.has(skipped.reason)) notes.push(`${skipped.rel}: not graded: ${skipped.reason}`);
  }
  const manifestFile = options.manifestPath ?? sub.manifest?.path ?? 'lab-manifest.json';
  const rawManifest = explicitManifest ?? sub.manifest?.data;
  const anyManifest = rawManifest === undefined ? undefined : validateManifest(rawManifest, manifestFile, problems);
  const manifest = anyManifest?.kind === 'plain' ? anyManifest.manifest : undefined;
  const sealed = anyManifest?.kind === 'sealed' ? anyManifest.manifest : undefined;

  const answersScenario = sub.answers?.scenario ?? undefined;
  const id = options.scenario ?? anyManifest?.manifest.scenario ?? answersScenario;
  const archiveProblems = sub.problems.filter((p) => p.code === 'archive-rejected' || p.code === 'archive-unreadable');
  if (!id && archiveProblems.length) {
    throw new LabctlError(archiveProblems.map((p) => formatProblem(p)).join('\n'), archiveProblems[0].hint ?? 'rebuild the archive from your submission folder: tar czf submission.tar.gz -C my-submission .');
  }
  // a broken answers.yaml or manifest is why no scenario was found: say that, with file and line
  const sourceProblems = problems.filter((p) => p.file === manifestFile || /^answers\.ya?ml$/.test(p.file));
  if (!id && sourceProblems.length) {
    throw new LabctlError(
      sourceProblems.map((p) => formatProblem(p)).join('\n'),
      'fix the file named above (or pass --scenario ID to grade anyway and see every problem in the report)',
    );
  }
  if (!id) {
    throw new LabctlError(
      `${sub.source}: cannot tell which scenario to grade`,
      'pass --scenario ID, or --manifest lab-manifest.json, or put `scenario: ID` in answers.yaml',
    );
  }
  const scenario = loadScenario(id, options.scenarioRoot);
  if (anyManifest && anyManifest.manifest.scenario !== scenario.id) {
    problems.push({ file: manifestFile, field: 'scenario', message: `is "${anyManifest.manifest.scenario}" but grading "${scenario.id}"` });
  }

  let facts: Facts = defaultFacts(scenario.id as Parameters<typeof defaultFacts>[0]);
  const learner = options.learner ?? anyManifest?.manifest.learner ?? (typeof sub.answers?.data.learner === 'string' ? sub.answers.data.learner : undefined);
  const derived = options.classSecret && learner ? deriveFacts(options.classSecret, learner, scenario.id, manifest?.facts ?? sealed?.shared) : null;
  if (derived && sealed) {
    // the sealed manifest's hashes stand where a plaintext manifest's facts would: compared, never graded against
    derived.mismatches = sealedMismatches(sealed, derived.facts, HOST_OBSERVED_FACTS[scenario.id as ScenarioId] ?? []);
  }
  if (derived) {
    facts = derived.facts;
    if (derived.mismatches.length) {
      const list = derived.mismatches.map((m) => `${m.fact} ${JSON.stringify(m.claimed)} (the lab's: ${JSON.stringify(m.expected)})`).join(', ');
      notes.push(`tampered: ${manifestFile} facts differ from ${learner}'s lab derived from the class secret: ${list}; graded against the derived facts`);
    }
  }
  if (manifest) {
    if (!derived) facts = { ...facts, ...manifest.facts };
    for (const key of Object.keys(scenario.facts)) {
      if (!(key in manifest.facts)) problems.push({ file: manifestFile, field: `facts.${key}`, message: 'missing' });
    }
    // with the secret, a fact of the wrong type is one more mismatch in the tampering note above
    if (!derived) for (const p of checkFactTypes(scenario, manifest.facts)) problems.push({ file: manifestFile, field: p.field, message: p.message });
  } else if (sealed) {
    const known = new Set([...Object.keys(sealed.shared), ...Object.keys(sealed.sealed.facts)]);
    for (const key of Object.keys(scenario.facts)) {
      if (!known.has(key)) problems.push({ file: manifestFile, field: `facts.${key}`, message: 'missing' });
    }
    if (!derived) for (const p of checkFactTypes(scenario, sealed.shared)) problems.push({ file: manifestFile, field: p.field, message: p.message });
  } else if (rawManifest === undefined && !derived) {
    notes.push('no lab manifest: graded against the scenario\'s default variant');
  }

  if (archiveProblems.length) {
    return ungradable(scenario.id, learner, [], problems, notes);
  }
  const { listing, captures } = await parseAll(sub, problems);
  const unread = unreadCapturesNote(sub.captureFiles);
  if (unread) notes.push(unread);
  const answers = options.evidenceOnly ? {} : checkAnswers(sub, scenario, problems);
  const obs = observe(captures);
  if (captures.length === 0) {
    problems.push({ file: sub.source, message: `no recognisable capture among ${listing.length} file(s): save the tool output (e.g. \`execsnoop -t > execsnoop.txt\`) into the submission` });
  } else {
    for (const group of scenario.requiredCaptures) {
      if (!group.some((tool) => (obs.captures[tool] ?? 0) > 0)) {
        const seen = listing.slice(0, 20).map((l) => `${l.file} = ${l.tool}`).join(', ') + (listing.length > 20 ? `, and ${listing.length - 20} more` : '');
        problems.push({ file: sub.source, message: `no ${group.join(' or ')} capture found (the files seen: ${seen || 'none'})` });
      }
    }
  }
  if (problems.length) return ungradable(scenario.id, learner, listing, problems, notes);
  // Without the class secret a sealed manifest names nothing: its facts are the learner's own names that hash alike.
  const resolved = sealed && !derived ? resolveSealedFacts(sealed, scenario, factCandidates(obs, answers)) : undefined;
  if (resolved) facts = resolved.facts;

  const checks: CheckResult[] = [];
  let requiredFailed = false;
  let sealedReview = false;
  for (const check of scenario.checks) {
    if (options.evidenceOnly && check.kind === 'answer') continue;
    let outcome = runRule(check, { obs, facts, answers });
    if (resolved && check.kind === 'answer' && outcome.status === 'fail' && !outcome.message.startsWith('no answer') && sealedAnswerUnknown(check.with, facts, answers)) {
      outcome = { ...outcome, status: 'review', fraction: 0, message: `"${String(check.with.key)}" matches none of this lab's sealed names; whether it is a near miss needs the class secret` };
      sealedReview = true;
    }
    const points = Math.round(outcome.fraction * check.points * 10) / 10;
    if (check.required && outcome.status !== 'pass') requiredFailed = true;
    checks.push({
      id: check.id,
      kind: check.kind,
      points,
      maxPoints: check.points,
      status: outcome.status,
      message: `${check.title}: ${outcome.message}`,
      ...(outcome.status === 'pass' ? {} : { hint: check.hint }),
      ...(check.kind === 'answer' ? { answer: answerReading(check.with.key, answers, outcome) } : {}),
    });
  }
  if (sealedReview) notes.push(`${manifestFile} is sealed (the lab host's copy): names were compared by hash with the captures and answers; an answer that matches none is left for review (grade with the class secret to decide it)`);
  const score = Math.round(checks.reduce((s, c) => s + c.points, 0) * 10) / 10;
  const pendingPoints = checks.reduce((s, c) => s + (c.status === 'review' ? c.maxPoints : 0), 0);
  const maxScore = checks.reduce((s, c) => s + c.maxPoints, 0);
  const passed = !requiredFailed && score >= (scenario.passPercent / 100) * maxScore;
  return {
    scenario: scenario.id,
    ...(learner ? { learner } : {}),
    score,
    maxScore,
    passed,
    gradable: true,
    checks,
    captures: listing,
    ...(pendingPoints > 0 ? { pendingPoints } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

/**
 * An answer about a sealed fact that hashed to nothing: a sealed manifest cannot say whether it is a
 * near miss (a typo, the script without .sh) or wrong, so it is left for a person, never silently failed.
 */
function sealedAnswerUnknown(params: Record<string, unknown>, facts: Facts, answers: Record<string, unknown>): boolean {
  const fact = typeof params.fact === 'string' ? params.fact : undefined;
  const key = typeof params.key === 'string' ? params.key : undefined;
  return fact !== undefined && key !== undefined && isUnresolved(facts[fact]) && answerText(answers[key]) !== undefined;
}

/** How the check read the answer: the rule's reading, or at least the key and the answer as given. */
function answerReading(key: string, answers: Record<string, unknown>, outcome: RuleOutcome): AnswerReading {
  const reading = outcome.reading ?? { key, answer: answerText(answers[key]), asserted: [], rejected: [], missing: [] };
  const contradiction = reading.contradiction ?? outcome.contradiction;
  return { ...reading, ...(reading.answer === undefined ? {} : { answer: reading.answer }), ...(contradiction ? { contradiction } : {}) };
}
