import type { RosterEntry } from './roster.ts';
import { instructorPoints, pendingPoints, verdictReasons } from '../report/verdict.ts';
import type { ProvenanceCell, SubmissionResult } from './types.ts';

/**
 * `unverified`: graded, but with a class secret given its learner id is only a claim (unsigned, tampered or
 * another learner's lab): listed in a row of its own, never in the learner's row.
 */
export type RowStatus = 'graded' | 'ungradable' | 'missing' | 'unverified';

/** One gradebook line: a learner's kept submission for a scenario, or a missing one. */
export interface GradebookRow {
  learner: string;
  name?: string;
  email?: string;
  scenario: string;
  score: number | null;
  maxScore: number | null;
  percent: number | null;
  passed: boolean | null;
  gradable: boolean | null;
  provenance: ProvenanceCell | 'missing';
  /** entry name in the batch folder */
  file: string;
  status: RowStatus;
  onRoster: boolean | null;
  /** why the row needs attention, '' when it does not */
  message: string;
  /** points pending review (not in score) and points a person set (in score) */
  pendingPoints: number | null;
  instructorPoints: number | null;
  /** `labctl self-check` runs and the hint level reached, when the bundle recorded them */
  selfChecks: number | null;
  hints: number | null;
  /** why a graded submission did not pass (or what is pending review), '' when there is nothing to say */
  why: string;
  /** index into the results, for kept submissions */
  result?: number;
}

export type ProblemKind = 'ungradable' | 'tampered' | 'wrong-learner' | 'conflict' | 'unsigned' | 'missing' | 'not-on-roster' | 'duplicate' | 'ignored';

export interface BatchProblem {
  kind: ProblemKind;
  learner?: string;
  scenario?: string;
  file?: string;
  message: string;
}

export interface BatchOutcome {
  rows: GradebookRow[];
  problems: BatchProblem[];
  /** submissions superseded by a newer one of the same learner and scenario */
  superseded: { file: string; learner: string; scenario: string; keptFile: string }[];
}

export interface AssembleOptions {
  roster?: RosterEntry[];
  /** scenarios every roster learner should have submitted; default: every scenario seen in the batch */
  scenarios?: string[];
  /**
   * a class secret was given: identity and time then come only from verified signatures. A learner's row
   * holds their newest verified submission; every other submission is a row of its own (status
   * `unverified` or `ungradable`) that never displaces, or fills, a learner's row.
   */
  expectSigned?: boolean;
  /** entries of the batch folder that are not submissions */
  ignored?: { file: string; reason: string }[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const BAD_PROVENANCE = new Set<ProvenanceCell>(['tampered', 'wrong-learner']);

/**
 * Turns graded submissions and the roster into gradebook rows and a list of problems. Pure and
 * deterministic: rows sorted by learner then scenario, problems by kind order then learner.
 */
export function assembleBatch(results: SubmissionResult[], options: AssembleOptions = {}): BatchOutcome {
  const problems: BatchProblem[] = [];
  const superseded: BatchOutcome['superseded'] = [];
  const roster = options.roster;
  const byLearner = new Map((roster ?? []).map((e) => [e.learner, e]));

  // newest submission per learner+scenario wins; ties go to the later entry name. With a class secret
  // only verified submissions compete: the others are their own rows (see AssembleOptions.expectSigned).
  const trusted = (r: SubmissionResult) => r.trusted ?? r.provenance.status === 'verified';
  const separate = options.expectSigned === true;
  const groups = new Map<string, number[]>();
  const loose: number[] = [];
  results.forEach((r, i) => {
    if (separate && !trusted(r)) {
      loose.push(i);
      return;
    }
    const key = `${r.learner}\0${r.scenario}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const kept: number[] = [];
  const keptByKey = new Map<string, number>();
  for (const [key, idx] of groups) {
    const order = [...idx].sort((a, b) => cmp(results[b].createdAt, results[a].createdAt) || cmp(results[b].entry, results[a].entry));
    kept.push(order[0]);
    keptByKey.set(key, order[0]);
    for (const other of order.slice(1)) {
      const r = results[other];
      superseded.push({ file: r.entry, learner: r.learner, scenario: r.scenario, keptFile: results[order[0]].entry });
      problems.push({
        kind: 'duplicate',
        learner: r.learner,
        scenario: r.scenario,
        file: r.entry,
        message: `older duplicate (${r.createdAt}) of ${results[order[0]].entry} (${results[order[0]].createdAt}): not graded into the gradebook`,
      });
    }
  }
  for (const i of loose) {
    const r = results[i];
    const owner = keptByKey.get(`${r.learner}\0${r.scenario}`);
    if (owner !== undefined) {
      problems.push({
        kind: 'conflict',
        learner: r.learner,
        scenario: r.scenario,
        file: r.entry,
        message: `claims to be ${r.learner}'s but is ${r.provenance.status}: it did not replace ${r.learner}'s verified submission ${results[owner].entry}`,
      });
    }
  }
  const looseSet = new Set(loose);
  kept.push(...loose);

  const rows: GradebookRow[] = kept.map((i) => {
    const r = results[i];
    const rep = r.report;
    const onRoster = roster ? byLearner.has(r.learner) : null;
    const notes: string[] = [];
    const unverified = looseSet.has(i);
    if (unverified) notes.push(`unverified (${r.provenance.status}): not counted as ${r.learner}'s grade`);
    if (!rep.gradable) {
      const why = (rep.notes ?? []).filter((n) => !n.startsWith('provenance: ')).join('; ') || 'ungradable';
      notes.push(why);
      problems.push({ kind: 'ungradable', learner: r.learner, scenario: r.scenario, file: r.entry, message: why });
    }
    if (BAD_PROVENANCE.has(r.provenance.status) || (options.expectSigned && r.provenance.status === 'unsigned')) {
      notes.push(`provenance ${r.provenance.status}: ${r.provenance.message}`);
      problems.push({ kind: r.provenance.status as ProblemKind, learner: r.learner, scenario: r.scenario, file: r.entry, message: r.provenance.message });
    }
    // an unreadable entry named by nobody: its name is a guess, so the roster has nothing to say about it
    if (onRoster === false && (rep.gradable || r.learnerFrom !== 'entry-name')) {
      const from = r.learnerFrom === 'entry-name' || r.learnerFrom === 'file-name' ? ` (id taken from the ${r.learnerFrom.replace('-', ' ')}: the submission names no learner)` : '';
      notes.push(`not on the roster${from}`);
      problems.push({ kind: 'not-on-roster', learner: r.learner, scenario: r.scenario, file: r.entry, message: `"${r.learner}" is not on the roster${from}` });
    }
    const dupes = superseded.filter((s) => s.keptFile === r.entry && s.learner === r.learner && s.scenario === r.scenario);
    if (dupes.length) notes.push(`newest of ${dupes.length + 1} submissions (ignored: ${dupes.map((d) => d.file).join(', ')})`);
    const entry = byLearner.get(r.learner);
    return {
      learner: r.learner,
      ...(entry?.name ? { name: entry.name } : {}),
      ...(entry?.email ? { email: entry.email } : {}),
      scenario: r.scenario,
      score: rep.gradable ? rep.score : null,
      maxScore: rep.gradable ? rep.maxScore : null,
      percent: rep.gradable && rep.maxScore > 0 ? Math.round((rep.score / rep.maxScore) * 1000) / 10 : null,
      passed: rep.gradable ? rep.passed : null,
      gradable: rep.gradable,
      provenance: r.provenance.status,
      file: r.entry,
      status: !rep.gradable ? 'ungradable' : unverified ? 'unverified' : 'graded',
      onRoster,
      message: notes.join('; '),
      pendingPoints: rep.gradable ? pendingPoints(rep) : null,
      instructorPoints: rep.gradable ? instructorPoints(rep) : null,
      selfChecks: r.activity?.selfChecks ?? null,
      hints: r.activity?.hints ?? null,
      why: verdictReasons(rep).join('; '),
      result: i,
    };
  });

  if (roster) {
    const scenarios = options.scenarios?.length ? options.scenarios : [...new Set(results.map((r) => r.scenario).filter((s) => s !== 'unknown'))];
    const have = new Set(rows.filter((_, k) => !looseSet.has(kept[k])).map((r) => `${r.learner}\0${r.scenario}`));
    for (const e of roster) {
      for (const scenario of scenarios) {
        if (have.has(`${e.learner}\0${scenario}`)) continue;
        rows.push({
          learner: e.learner,
          ...(e.name ? { name: e.name } : {}),
          ...(e.email ? { email: e.email } : {}),
          scenario,
          score: null,
          maxScore: null,
          percent: null,
          passed: null,
          gradable: null,
          provenance: 'missing',
          file: '',
          status: 'missing',
          onRoster: true,
          message: 'no submission',
          pendingPoints: null,
          instructorPoints: null,
          selfChecks: null,
          hints: null,
          why: '',
        });
        problems.push({ kind: 'missing', learner: e.learner, scenario, message: `no ${scenario} submission from ${e.learner}${e.name ? ` (${e.name})` : ''}` });
      }
    }
  }
  for (const ig of options.ignored ?? []) problems.push({ kind: 'ignored', file: ig.file, message: ig.reason });

  rows.sort((a, b) => cmp(a.learner, b.learner) || cmp(a.scenario, b.scenario) || cmp(a.file, b.file));
  const KIND_ORDER: ProblemKind[] = ['tampered', 'wrong-learner', 'conflict', 'ungradable', 'not-on-roster', 'duplicate', 'missing', 'unsigned', 'ignored'];
  problems.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || cmp(a.learner ?? '', b.learner ?? '') || cmp(a.scenario ?? '', b.scenario ?? '') || cmp(a.file ?? '', b.file ?? ''));
  superseded.sort((a, b) => cmp(a.learner, b.learner) || cmp(a.scenario, b.scenario) || cmp(a.file, b.file));
  return { rows, problems, superseded };
}
