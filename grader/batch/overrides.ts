import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LabctlError } from '../../core/errors.ts';
import type { CheckResult, CheckStatus, GradeReport } from '../report/types.ts';
import { recomputeVerdict } from '../report/verdict.ts';
import { formatPath, formatProblem, parseYamlSource, type SourceProblem } from '../yaml-source.ts';
import { answerTextOf, groupKeyOf, reviewGroupId } from './review-groups.ts';

/**
 * grades/overrides.yaml: a person's decisions, applied on every `labctl grade --batch` run (and by
 * `labctl grade --overrides`). One entry per decision, keyed by an answer group (from review.csv or the
 * class report) or by one learner's check:
 *
 *   overrides:
 *     - { group: g-1a2b3c4d, check: root-cause-answer, points: 10, comment: "names the loop" }
 *     - { learner: alice, check: fix-answer, points: 3, comment: "a cron job works too" }
 *
 * A learner's entry wins over a group entry for the same check.
 */

const Id = z.string().trim().min(1);
const OverrideEntrySchema = z
  .object({
    group: Id.regex(/^g-[0-9a-f]{8}$/, 'a group id from review.csv, like g-1a2b3c4d').optional(),
    learner: Id.optional(),
    scenario: Id.optional().describe('only needed when the learner has the check in several scenarios'),
    check: Id.describe('the check id, e.g. root-cause-answer'),
    points: z.number().min(0).describe('the points the check gets (0 to its maximum)'),
    comment: z.string().optional(),
  })
  .strict()
  .refine((e) => Boolean(e.group) !== Boolean(e.learner), { message: 'give either `group` or `learner` (one of them, not both)' });

const OverridesListSchema = z.array(OverrideEntrySchema);
const OverridesFileSchema = z.object({ overrides: OverridesListSchema.nullable() }).strict();

export interface OverrideEntry {
  group?: string;
  learner?: string;
  scenario?: string;
  check: string;
  points: number;
  comment?: string;
  /** where it is written, for messages */
  file: string;
  line?: number;
}

export interface OverridesParse {
  entries: OverrideEntry[];
  problems: SourceProblem[];
}

/** Parses overrides.yaml; every problem is collected with its line, nothing is half-read. */
export function parseOverrides(text: string, file: string): OverridesParse {
  const src = parseYamlSource(text, file);
  if (src.problems.length) return { entries: [], problems: src.problems };
  if (src.data === null || src.data === undefined) return { entries: [], problems: [] };
  // a bare list, or `overrides:` holding one
  const bare = Array.isArray(src.data);
  const parsed = bare ? OverridesListSchema.safeParse(src.data) : OverridesFileSchema.safeParse(src.data);
  const listPath: (string | number)[] = bare ? [] : ['overrides'];
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ file, line: src.lineOf(i.path), field: formatPath(i.path) || undefined, message: i.message }));
    return { entries: [], problems };
  }
  const list = (bare ? parsed.data : ((parsed.data as z.infer<typeof OverridesFileSchema>).overrides ?? [])) as z.infer<typeof OverrideEntrySchema>[];
  const entries: OverrideEntry[] = list.map((e, i) => ({ ...e, file, line: src.lineOf([...listPath, i]) }));
  const problems: SourceProblem[] = [];
  const seen = new Map<string, OverrideEntry>();
  for (const e of entries) {
    const key = e.group ? `group\0${e.group}\0${e.check}` : `learner\0${e.learner}\0${e.scenario ?? '*'}\0${e.check}`;
    const first = seen.get(key);
    if (first) problems.push({ file, line: e.line, message: `decides ${e.group ? `group ${e.group}` : `${e.learner}'s ${e.check}`} again (first at line ${first.line}): keep one` });
    else seen.set(key, e);
  }
  return { entries, problems };
}

/** Reads overrides.yaml; a problem is a user error naming file and line (exit 2). A missing file is none. */
export async function readOverrides(file: string, { mustExist = true } = {}): Promise<OverrideEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return [];
    throw new LabctlError(`cannot read overrides ${file}: ${code ?? (err as Error).message}`, 'pass --overrides with the YAML file of decisions (see grades/review.csv for group ids)');
  }
  const { entries, problems } = parseOverrides(text, file);
  if (problems.length) {
    throw new LabctlError(`overrides ${file} has problems:\n${problems.map(formatProblem).join('\n')}`, 'each entry: { group: g-xxxxxxxx or learner: ID, check: CHECK-ID, points: N, comment: "..." }');
  }
  return entries;
}

/** A report and what is needed to find its answer groups. */
export interface OverrideTarget {
  report: GradeReport;
  /** answers.yaml values as text, for answers the grader did not read back */
  answers?: Record<string, string>;
  /** the answers.yaml key of a check, for checks without a reading */
  keyOf?: (scenario: string, check: string) => string | undefined;
}

export interface OverridesOutcome {
  /** decisions that changed a check, one per learner and check */
  applied: { learner: string; scenario: string; check: string; points: number; entry: OverrideEntry }[];
  /** entries that matched no check: a typo, or a learner who has not submitted (yet) */
  unused: OverrideEntry[];
  /** entries that cannot be applied (points above the maximum, ambiguous learner entries) */
  problems: SourceProblem[];
}

const statusFor = (points: number, max: number): CheckStatus => (points >= max ? 'pass' : points <= 0 ? 'fail' : 'partial');

function decide(check: CheckResult, entry: OverrideEntry): CheckResult {
  const graded = check.override?.graded ?? { status: check.status, points: check.points };
  const status = statusFor(entry.points, check.maxPoints);
  const { hint, ...rest } = check;
  return {
    ...rest,
    ...(status === 'pass' || hint === undefined ? {} : { hint }),
    points: entry.points,
    status,
    override: { by: 'instructor', ...(entry.comment ? { comment: entry.comment } : {}), graded },
  };
}

/**
 * Applies a person's decisions to graded reports, in place: the check gets the decided points and the
 * status they mean (all points pass, none fail, else partial), `override` records the comment and what the
 * grader had given, and score, pending points and verdict are recomputed. Ungradable reports are left alone.
 */
export function applyOverrides(targets: OverrideTarget[], entries: OverrideEntry[]): OverridesOutcome {
  const out: OverridesOutcome = { applied: [], unused: [], problems: [] };
  const used = new Set<OverrideEntry>();
  const byGroup = new Map<string, OverrideEntry>();
  for (const e of entries) if (e.group) byGroup.set(`${e.group}\0${e.check}`, e);
  const groupChecks = new Map<string, string>();
  // a learner entry without `scenario` must name one check, not the same check id in two scenarios
  const skip = new Set<OverrideEntry>();
  const targetsOf = new Map<string, OverrideTarget[]>();
  for (const t of targets) {
    const k = t.report.learner ?? '';
    const list = targetsOf.get(k);
    if (list) list.push(t);
    else targetsOf.set(k, [t]);
  }
  for (const e of entries) {
    if (e.learner === undefined || e.scenario !== undefined) continue;
    const mine = (targetsOf.get(e.learner) ?? []).filter((t) => t.report.gradable && t.report.checks.some((c) => c.id === e.check));
    const scenarios = [...new Set(mine.map((t) => t.report.scenario))];
    if (scenarios.length > 1) {
      skip.add(e);
      out.problems.push({ file: e.file, line: e.line, field: 'scenario', message: `${e.learner} has ${e.check} in ${scenarios.join(' and ')}: add \`scenario:\` to say which` });
    }
  }
  const byLearner = new Map<string, OverrideEntry[]>();
  for (const e of entries) {
    if (e.learner === undefined || skip.has(e)) continue;
    const k = `${e.learner}\0${e.check}`;
    const list = byLearner.get(k);
    if (list) list.push(e);
    else byLearner.set(k, [e]);
  }
  for (const t of targets) {
    const rep = t.report;
    if (!rep.gradable) continue;
    let changed = false;
    rep.checks = rep.checks.map((check) => {
      const learner = rep.learner ?? '';
      const mine = (byLearner.get(`${learner}\0${check.id}`) ?? []).filter((e) => e.scenario === undefined || e.scenario === rep.scenario);
      let entry: OverrideEntry | undefined = mine.find((e) => e.scenario !== undefined) ?? mine[0];
      if (!entry && check.kind === 'answer' && byGroup.size) {
        const key = check.answer?.key ?? t.keyOf?.(rep.scenario, check.id);
        const group = reviewGroupId(rep.scenario, check.id, groupKeyOf(check.answer, answerTextOf(check, key ? t.answers?.[key] : undefined)));
        groupChecks.set(group, check.id);
        entry = byGroup.get(`${group}\0${check.id}`);
      }
      if (!entry) return check;
      used.add(entry);
      if (entry.points > check.maxPoints) {
        out.problems.push({ file: entry.file, line: entry.line, field: 'points', message: `${entry.points} is more than ${check.id}'s ${check.maxPoints} points` });
        return check;
      }
      changed = true;
      out.applied.push({ learner, scenario: rep.scenario, check: check.id, points: entry.points, entry });
      return decide(check, entry);
    });
    if (changed) {
      const next = recomputeVerdict(rep);
      if (!('pendingPoints' in next)) delete t.report.pendingPoints;
      Object.assign(t.report, next);
    }
  }
  for (const e of entries) {
    if (used.has(e) || skip.has(e)) continue;
    const other = e.group ? groupChecks.get(e.group) : undefined;
    if (other && other !== e.check) out.problems.push({ file: e.file, line: e.line, field: 'check', message: `group ${e.group} holds answers to ${other}, not ${e.check}` });
    else out.unused.push(e);
  }
  return out;
}

/** `overrides.yaml:12: group g-1a2b3c4d (root-cause-answer)`: an entry as the instructor finds it. */
export function describeEntry(e: OverrideEntry): string {
  const where = e.line ? `${e.file}:${e.line}` : e.file;
  return `${where}: ${e.group ? `group ${e.group}` : `learner ${e.learner}${e.scenario ? ` (${e.scenario})` : ''}`} ${e.check}`;
}
