import type { BatchOutcome, BatchProblem, GradebookRow } from '../batch/assemble.ts';
import type { ReviewQueue } from '../batch/review-queue.ts';
import type { CaptureDigest, SubmissionResult } from '../batch/types.ts';
import type { Scenario } from '../../scenarios/schema.ts';

/** Everything the class report shows, computed from the batch results. Pure and deterministic. */
export interface ClassSummary {
  title: string;
  /** `graded` and `passed` count only submissions in the statistics (not set apart) */
  totals: { submissions: number; graded: number; ungradable: number; missing: number; passed: number; flagged: number; setApart: number; pendingReview: number };
  scenarios: ScenarioSummary[];
  problems: BatchProblem[];
  rows: ClassRow[];
  /** kept submissions left out of every statistic: flagged (tampered, another learner's lab, unsigned) or not on the roster */
  setApart: ClassRow[];
  review?: ReviewQueue;
}

/** A gradebook row with the learner's report (relative link) and, when set apart, why. */
export interface ClassRow extends GradebookRow {
  report?: string;
  apart?: string[];
}

export interface ClassExtras {
  review?: ReviewQueue;
  /** the report file of a result, relative to the class report */
  reportOf?: (index: number) => string | undefined;
}

/** Problem kinds that take a submission out of the statistics: its grade says nothing about the class. */
export const SET_APART_KINDS: ReadonlySet<string> = new Set(['tampered', 'wrong-learner', 'conflict', 'unsigned', 'not-on-roster']);

export interface CheckRate {
  id: string;
  title: string;
  kind: 'evidence' | 'answer';
  pass: number;
  partial: number;
  fail: number;
  review: number;
}

export interface WrongAnswers {
  key: string;
  description: string;
  /** how many graded submissions got this answer check wrong or partly wrong */
  wrong: number;
  groups: { answer: string; count: number }[];
}

export interface TypicalCapture {
  learner: string;
  file: string;
  percent: number;
  digest: CaptureDigest;
}

export interface ScenarioSummary {
  id: string;
  title: string;
  passPercent: number;
  graded: number;
  passed: number;
  medianPercent: number | null;
  meanPercent: number | null;
  /** 10 buckets: [0,10), [10,20) ... [90,100] */
  distribution: number[];
  /** of each bucket, how many passed (by the verdict: a required check can fail a high score) */
  passedByBand: number[];
  /** help used by the learners counted, where their bundles recorded it */
  activity: { recorded: number; selfChecksMean: number | null; usedHints: number };
  checks: CheckRate[];
  wrongAnswers: WrongAnswers[];
  typical?: TypicalCapture;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Identical answers should group whatever their case, spacing or final full stop. */
export function normaliseAnswer(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim().replace(/[.!;,]+$/, '') || '(empty)';
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : Math.round(((s[m - 1] + s[m]) / 2) * 10) / 10;
}

/** The tools whose capture best pictures each scenario, best first. */
const PICTURE_TOOLS: Record<string, string[]> = {
  'ghost-load': ['execsnoop'],
  'offcpu-lock': ['offcputime', 'profile', 'runqlat'],
  'fsync-latency': ['fsslower', 'bpftrace-hist', 'biolatency'],
};

function drawable(d: CaptureDigest): boolean {
  return Boolean(d.execTop?.length || d.stacks?.length || d.hist?.buckets.length || (d.fsTypes && Object.keys(d.fsTypes).length));
}

function pickTypical(id: string, scenario: Scenario | undefined, kept: { r: SubmissionResult; percent: number }[], medianPct: number | null): TypicalCapture | undefined {
  const prefs = [...(PICTURE_TOOLS[id] ?? []), ...(scenario?.requiredCaptures.flat() ?? [])];
  for (const tool of [...prefs, '*']) {
    const candidates = kept
      .map((k) => ({ ...k, d: k.r.digests.find((d) => (tool === '*' || d.tool === tool) && drawable(d)) }))
      .filter((k): k is typeof k & { d: CaptureDigest } => Boolean(k.d));
    if (!candidates.length) continue;
    const target = medianPct ?? 0;
    // A picture of the incident is only typical if the capture shows it: prefer captures whose evidence checks pass.
    const showsFault = (r: SubmissionResult) => (r.report.checks.some((c) => c.kind === 'evidence' && c.status !== 'pass') ? 1 : 0);
    candidates.sort(
      (a, b) => showsFault(a.r) - showsFault(b.r) || Math.abs(a.percent - target) - Math.abs(b.percent - target) || cmp(a.r.learner, b.r.learner),
    );
    const best = candidates[0];
    return { learner: best.r.learner, file: best.d.file, percent: best.percent, digest: best.d };
  }
  return undefined;
}

/**
 * Summarises a batch for the class report: per scenario the score distribution, per-check pass
 * rates, the most common wrong answers, and the capture of the submission closest to the median.
 * Only kept (not superseded) submissions count.
 */
export function summarizeClass(results: SubmissionResult[], outcome: BatchOutcome, scenarios: Record<string, Scenario>, title = 'Class report', extras: ClassExtras = {}): ClassSummary {
  const apartWhy = new Map<string, string[]>();
  for (const p of outcome.problems) {
    if (!SET_APART_KINDS.has(p.kind) || !p.file) continue;
    const key = `${p.learner}\0${p.scenario}\0${p.file}`;
    apartWhy.set(key, [...(apartWhy.get(key) ?? []), p.kind]);
  }
  const rows: ClassRow[] = outcome.rows.map((r) => {
    const report = r.result === undefined ? undefined : extras.reportOf?.(r.result);
    const kinds = r.result === undefined ? undefined : apartWhy.get(`${r.learner}\0${r.scenario}\0${r.file}`);
    // an unverified row's learner id is only a claim: it never speaks for the class either
    const apart = r.status === 'unverified' ? [...new Set(['unverified', ...(kinds ?? [])])] : kinds;
    return { ...r, ...(report ? { report } : {}), ...(apart ? { apart } : {}) };
  });
  const setApart = rows.filter((r) => r.apart);
  const allKept = rows.filter((r) => r.result !== undefined).map((r) => results[r.result!]);
  // the statistics, the "typical capture" and the wrong answers come only from submissions that count
  const kept = rows.filter((r) => r.result !== undefined && !r.apart).map((r) => results[r.result!]);
  // 'unknown' is the scenario of submissions nobody could read: they are in the problems list, not a section
  const ids = [...new Set(outcome.rows.map((r) => r.scenario))].filter((id) => id !== 'unknown').sort();
  const out: ScenarioSummary[] = [];
  for (const id of ids) {
    const sc = scenarios[id];
    const graded = kept.filter((r) => r.scenario === id && r.report.gradable);
    const pcts = graded.map((r) => ({ r, percent: r.report.maxScore > 0 ? Math.round((r.report.score / r.report.maxScore) * 1000) / 10 : 0 }));
    const distribution = new Array<number>(10).fill(0);
    const passedByBand = new Array<number>(10).fill(0);
    for (const p of pcts) {
      const band = Math.min(9, Math.floor(p.percent / 10));
      distribution[band]++;
      if (p.r.report.passed) passedByBand[band]++;
    }
    const recorded = graded.filter((r) => r.activity);
    const activity = {
      recorded: recorded.length,
      selfChecksMean: recorded.length ? Math.round((recorded.reduce((s, r) => s + r.activity!.selfChecks, 0) / recorded.length) * 10) / 10 : null,
      usedHints: recorded.filter((r) => r.activity!.hints > 0).length,
    };
    const checkIds = sc ? sc.checks.map((c) => c.id) : [...new Set(graded.flatMap((r) => r.report.checks.map((c) => c.id)))];
    const checks: CheckRate[] = [];
    for (const cid of checkIds) {
      const def = sc?.checks.find((c) => c.id === cid);
      const rate: CheckRate = { id: cid, title: def?.title ?? cid, kind: def?.kind ?? 'evidence', pass: 0, partial: 0, fail: 0, review: 0 };
      for (const r of graded) {
        const c = r.report.checks.find((x) => x.id === cid);
        if (c) {
          rate[c.status]++;
          rate.kind = c.kind;
        }
      }
      if (rate.pass + rate.partial + rate.fail + rate.review > 0) checks.push(rate);
    }
    const wrongAnswers: WrongAnswers[] = [];
    for (const def of sc?.checks ?? []) {
      if (def.kind !== 'answer') continue;
      const key = def.with.key;
      const counts = new Map<string, number>();
      let wrong = 0;
      for (const r of graded) {
        const c = r.report.checks.find((x) => x.id === def.id);
        if (!c || c.status === 'pass' || c.status === 'review') continue;
        wrong++;
        const a = normaliseAnswer(r.answers[key] ?? '(no answer)');
        counts.set(a, (counts.get(a) ?? 0) + 1);
      }
      if (!wrong) continue;
      const groups = [...counts.entries()].map(([answer, count]) => ({ answer, count })).sort((a, b) => b.count - a.count || cmp(a.answer, b.answer)).slice(0, 5);
      wrongAnswers.push({ key, description: sc!.answers[key]?.description ?? '', wrong, groups });
    }
    const med = median(pcts.map((p) => p.percent));
    out.push({
      id,
      title: sc?.title ?? id,
      passPercent: sc?.passPercent ?? 70,
      graded: graded.length,
      passed: graded.filter((r) => r.report.passed).length,
      medianPercent: med,
      meanPercent: pcts.length ? Math.round((pcts.reduce((s, p) => s + p.percent, 0) / pcts.length) * 10) / 10 : null,
      distribution,
      passedByBand,
      activity,
      checks,
      wrongAnswers,
      typical: pickTypical(id, sc, pcts, med),
    });
  }
  const flaggedKinds = new Set(['tampered', 'wrong-learner', 'not-on-roster', 'duplicate', 'unsigned']);
  return {
    title,
    totals: {
      submissions: results.length,
      graded: kept.filter((r) => r.report.gradable).length,
      ungradable: allKept.filter((r) => !r.report.gradable).length,
      missing: outcome.rows.filter((r) => r.status === 'missing').length,
      passed: kept.filter((r) => r.report.gradable && r.report.passed).length,
      flagged: new Set(outcome.problems.filter((p) => flaggedKinds.has(p.kind)).map((p) => p.file ?? `${p.learner}/${p.scenario}`)).size,
      setApart: setApart.length,
      pendingReview: extras.review?.items.filter((i) => !i.decided).length ?? 0,
    },
    scenarios: out,
    problems: outcome.problems,
    rows,
    setApart,
    ...(extras.review ? { review: extras.review } : {}),
  };
}
