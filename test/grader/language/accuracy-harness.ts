// Measures the answer grader against the labelled learner answers in test/fixtures/answers/ (see its README):
// each answer is graded alone by its scenario's check for that key, with the captures the learner had and the
// default variant's facts. Shared by test/grader/language/accuracy.test.ts and `npm run bench`.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { observe, type Observations } from '../../../grader/facts/observe.ts';
import { gradeSubmission } from '../../../grader/grade.ts';
import { parseCaptureFile } from '../../../grader/parsers/index.ts';
import type { Capture } from '../../../grader/parsers/types.ts';
import type { CheckStatus } from '../../../grader/report/types.ts';
import { runRule } from '../../../grader/rules/registry.ts';
import { loadScenario } from '../../../scenarios/load.ts';
import { defaultFacts } from '../../../scenarios/variants.ts';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const ANSWERS_DIR = join(REPO, 'test', 'fixtures', 'answers');
export const SCENARIOS = ['ghost-load', 'offcpu-lock', 'fsync-latency'];

export type Label = 'right' | 'partial' | 'wrong' | 'review';
/** main: tuned on; holdout: kept aside by the first writer; fresh: a second writer's set, never tuned on either. */
export type SetName = 'main' | 'holdout' | 'fresh';

interface Entry {
  id: string;
  text: unknown;
  label: Label;
  why: string;
  capture?: string;
}

export interface Graded {
  id: string;
  label: Label;
  status: CheckStatus;
  message: string;
  text: unknown;
}

export interface KeyAccuracy {
  scenario: string;
  key: string;
  set: SetName;
  counts: Record<Label, number>;
  /** right answers graded `pass` */
  rightAccepted: number;
  /** wrong answers graded `fail` */
  wrongRejected: number;
  /** partial answers graded `partial` */
  partialAgree: number;
  /** review answers graded `review` */
  reviewAgree: number;
  graded: Graded[];
}

export interface StuffedResult {
  scenario: string;
  id: string;
  passed: boolean;
  score: number;
  maxScore: number;
}

const obsCache = new Map<string, Observations>();

async function observationsOf(folder: string): Promise<Observations> {
  const hit = obsCache.get(folder);
  if (hit) return hit;
  const dir = join(REPO, folder);
  const captures: Capture[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (f === 'answers.yaml' || f === 'lab-manifest.json' || !statSync(join(dir, f)).isFile()) continue;
    const c = await parseCaptureFile(join(dir, f));
    if (c.tool !== 'unknown') captures.push(c);
  }
  const obs = observe(captures);
  obsCache.set(folder, obs);
  return obs;
}

function keyFiles(scenario: string, set: SetName): string[] {
  const dir = set === 'main' ? join(ANSWERS_DIR, scenario) : join(ANSWERS_DIR, scenario, set);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'stuffed.yaml')
    .sort()
    .map((f) => join(dir, f));
}

/** Grades every labelled answer of one set; per scenario and key. */
export async function measureKeys(set: SetName): Promise<KeyAccuracy[]> {
  const rows: KeyAccuracy[] = [];
  for (const scenarioId of SCENARIOS) {
    const scenario = loadScenario(scenarioId);
    const facts = defaultFacts(scenarioId);
    for (const file of keyFiles(scenarioId, set)) {
      const data = parse(readFileSync(file, 'utf8')) as { scenario: string; key: string; answers: Entry[] };
      const check = scenario.checks.find((c) => c.kind === 'answer' && c.with.key === data.key);
      if (!check) throw new Error(`${file}: scenario ${scenarioId} has no answer check for "${data.key}"`);
      const row: KeyAccuracy = {
        scenario: scenarioId,
        key: data.key,
        set,
        counts: { right: 0, partial: 0, wrong: 0, review: 0 },
        rightAccepted: 0,
        wrongRejected: 0,
        partialAgree: 0,
        reviewAgree: 0,
        graded: [],
      };
      for (const e of data.answers) {
        const obs = await observationsOf(e.capture ?? `scenarios/${scenarioId}/examples/correct`);
        const out = runRule(check, { obs, facts, answers: { [data.key]: e.text } });
        row.counts[e.label]++;
        if (e.label === 'right' && out.status === 'pass') row.rightAccepted++;
        if (e.label === 'wrong' && out.status === 'fail') row.wrongRejected++;
        if (e.label === 'partial' && out.status === 'partial') row.partialAgree++;
        if (e.label === 'review' && out.status === 'review') row.reviewAgree++;
        row.graded.push({ id: e.id, label: e.label, status: out.status, message: out.message, text: e.text });
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Grades each keyword-stuffed submission whole, with the scenario's correct captures. */
export async function measureStuffed(): Promise<StuffedResult[]> {
  const out: StuffedResult[] = [];
  const work = mkdtempSync(join(tmpdir(), 'labctl-stuffed-'));
  try {
    for (const scenario of SCENARIOS) {
      const file = join(ANSWERS_DIR, scenario, 'stuffed.yaml');
      if (!existsSync(file)) continue;
      const data = parse(readFileSync(file, 'utf8')) as { submissions: Array<{ id: string; answers: Record<string, unknown> }> };
      for (const s of data.submissions) {
        const dir = join(work, s.id);
        cpSync(join(REPO, 'scenarios', scenario, 'examples', 'correct'), dir, { recursive: true });
        writeFileSync(join(dir, 'answers.yaml'), stringify({ scenario, ...s.answers }));
        const report = await gradeSubmission(dir, { scenario });
        out.push({ scenario, id: s.id, passed: report.passed, score: report.score, maxScore: report.maxScore });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

const pct = (n: number, d: number) => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);

/** Right answers accepted and wrong answers rejected, summed over keys. */
export function pooled(rows: KeyAccuracy[]): { right: number; rightAccepted: number; wrong: number; wrongRejected: number } {
  return rows.reduce(
    (t, r) => ({ right: t.right + r.counts.right, rightAccepted: t.rightAccepted + r.rightAccepted, wrong: t.wrong + r.counts.wrong, wrongRejected: t.wrongRejected + r.wrongRejected }),
    { right: 0, rightAccepted: 0, wrong: 0, wrongRejected: 0 },
  );
}

/** The per-key table: accepted-right and rejected-wrong, main and holdout side by side (fresh, when given, below). */
export function accuracyTable(main: KeyAccuracy[], holdout: KeyAccuracy[], fresh: KeyAccuracy[] = []): string {
  const lines = [`${'scenario/key'.padEnd(30)} | ${'main: right ok  wrong rej  partial  review'.padEnd(44)} | holdout: right ok  wrong rej`];
  const total = (rows: KeyAccuracy[]) => rows.reduce((t, r) => ({ r: t.r + r.counts.right, ra: t.ra + r.rightAccepted, w: t.w + r.counts.wrong, wr: t.wr + r.wrongRejected }), { r: 0, ra: 0, w: 0, wr: 0 });
  for (const m of main) {
    const h = holdout.find((x) => x.scenario === m.scenario && x.key === m.key);
    const mainCells = `${pct(m.rightAccepted, m.counts.right)} (${m.rightAccepted}/${m.counts.right})  ${pct(m.wrongRejected, m.counts.wrong)} (${m.wrongRejected}/${m.counts.wrong})  ${m.partialAgree}/${m.counts.partial}  ${m.reviewAgree}/${m.counts.review}`;
    const holdCells = h ? `${pct(h.rightAccepted, h.counts.right)} (${h.rightAccepted}/${h.counts.right})  ${pct(h.wrongRejected, h.counts.wrong)} (${h.wrongRejected}/${h.counts.wrong})` : '-';
    lines.push(`${`${m.scenario}/${m.key}`.padEnd(30)} | ${mainCells.padEnd(44)} | ${holdCells}`);
  }
  const tm = total(main);
  const th = total(holdout);
  lines.push(`${'all keys'.padEnd(30)} | ${`${pct(tm.ra, tm.r)} (${tm.ra}/${tm.r})  ${pct(tm.wr, tm.w)} (${tm.wr}/${tm.w})`.padEnd(44)} | ${pct(th.ra, th.r)} (${th.ra}/${th.r})  ${pct(th.wr, th.w)} (${th.wr}/${th.w})`);
  if (fresh.length) {
    lines.push('', `${'fresh (second writer)'.padEnd(30)} | right ok  wrong rej`);
    for (const f of fresh) lines.push(`${`${f.scenario}/${f.key}`.padEnd(30)} | ${pct(f.rightAccepted, f.counts.right)} (${f.rightAccepted}/${f.counts.right})  ${pct(f.wrongRejected, f.counts.wrong)} (${f.wrongRejected}/${f.counts.wrong})`);
    const tf = total(fresh);
    lines.push(`${'all fresh keys'.padEnd(30)} | ${pct(tf.ra, tf.r)} (${tf.ra}/${tf.r})  ${pct(tf.wr, tf.w)} (${tf.wr}/${tf.w})`);
  }
  return lines.join('\n');
}
