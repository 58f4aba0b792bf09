import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * Shape of the labelled learner answers in test/fixtures/answers/ (see its README). This test grades
 * nothing: it only keeps the set well-formed, so the accuracy test built on it reads what it expects.
 */

const REPO = join(import.meta.dirname, '..', '..');
const ROOT = join(REPO, 'test', 'fixtures', 'answers');
const SCENARIOS = ['ghost-load', 'offcpu-lock', 'fsync-latency'] as const;
// Only keys that ask for several ideas may give part credit.
const FREE_TEXT_KEYS = new Set(['root_cause', 'fix']);
const MIN_MAIN = 40;
const MIN_HOLDOUT = 10;
const MIN_FRESH = 12;
const MIN_WRONG_MAIN = 15;
const MAX_REVIEW_SHARE = 0.1;

const AnswerText = z.union([z.string().min(1), z.number(), z.array(z.string().min(1)).min(1)]);
const LabelledAnswer = z.strictObject({
  id: z.string().regex(/^[a-z]{2}-[a-z_]+-[hf]?\d{3}$/, 'id like gl-root_cause-001 (h001 in holdout/, f001 in fresh/)'),
  text: AnswerText,
  label: z.enum(['right', 'partial', 'wrong', 'review']),
  why: z.string().min(3),
  capture: z.string().regex(/^(scenarios\/[a-z-]+\/examples|test\/fixtures\/answers\/[a-z-]+\/captures)\/[A-Za-z0-9._-]+$/).optional(),
});
const KeyFile = z.strictObject({
  scenario: z.enum(SCENARIOS),
  key: z.string().min(1),
  answers: z.array(LabelledAnswer).min(1),
});
const StuffedFile = z.strictObject({
  scenario: z.enum(SCENARIOS),
  submissions: z
    .array(z.strictObject({ id: z.string().regex(/^[a-z]{2}-stuffed-\d{2}$/), why: z.string().min(3), answers: z.record(z.string(), AnswerText) }))
    .min(6),
});
type KeyFile = z.infer<typeof KeyFile>;

/** Parses one fixture file with its schema; a failure names the file and the field. */
function load<T>(file: string, schema: z.ZodType<T>): T {
  const result = schema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!result.success) {
    const where = relative(REPO, file);
    throw new Error(result.error.issues.map((i) => `${where}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  }
  return result.data;
}

function answerKeys(scenario: string): string[] {
  const doc = parse(readFileSync(join(REPO, 'scenarios', scenario, 'scenario.yaml'), 'utf8')) as { answers: Record<string, unknown> };
  return Object.keys(doc.answers);
}

const count = (file: KeyFile, label: string) => file.answers.filter((a) => a.label === label).length;

describe('labelled answer fixtures (shape only)', () => {
  const seenIds = new Map<string, string>();
  const idsOnce = (ids: string[], where: string) => {
    for (const id of ids) {
      expect(seenIds.get(id), `${where}: id ${id} also used in ${seenIds.get(id)}`).toBeUndefined();
      seenIds.set(id, where);
    }
  };

  for (const scenario of SCENARIOS) {
    describe(scenario, () => {
      const keys = answerKeys(scenario);
      const dir = join(ROOT, scenario);

      it('has a main and a holdout file for every answer key, and no file for anything else', () => {
        const main = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'stuffed.yaml');
        const holdout = readdirSync(join(dir, 'holdout')).filter((f) => f.endsWith('.yaml'));
        const expected = keys.map((k) => `${k}.yaml`).sort();
        expect(main.sort()).toEqual(expected);
        expect(holdout.sort()).toEqual(expected);
      });

      for (const key of keys) {
        it(`${key}: main and holdout parse, with enough answers and honest label shares`, () => {
          for (const [file, min] of [[join(dir, `${key}.yaml`), MIN_MAIN], [join(dir, 'holdout', `${key}.yaml`), MIN_HOLDOUT]] as const) {
            const where = relative(REPO, file);
            expect(readFileSync(file, 'utf8').startsWith('# '), `${where}: first line is a comment saying what the key asks`).toBe(true);
            const data = load(file, KeyFile);
            expect(data.scenario, `${where}: scenario`).toBe(scenario);
            expect(data.key, `${where}: key`).toBe(key);
            expect(data.answers.length, `${where}: answers`).toBeGreaterThanOrEqual(min);
            expect(count(data, 'right'), `${where}: right answers`).toBeGreaterThan(0);
            expect(count(data, 'wrong'), `${where}: wrong answers`).toBeGreaterThan(0);
            if (min === MIN_MAIN) expect(count(data, 'wrong'), `${where}: wrong answers`).toBeGreaterThanOrEqual(MIN_WRONG_MAIN);
            expect(count(data, 'review') / data.answers.length, `${where}: share of review`).toBeLessThanOrEqual(MAX_REVIEW_SHARE);
            if (!FREE_TEXT_KEYS.has(key)) expect(count(data, 'partial'), `${where}: partial on a name/number key`).toBe(0);
            for (const a of data.answers) {
              expect(a.id.startsWith(`${scenario.split('-').map((w) => w[0]).join('')}-${key}-`), `${where}: id ${a.id}`).toBe(true);
              if (a.capture) {
                // an example submission of the scenario, or a capture kept with the labelled set
                const own = [`scenarios/${scenario}/examples/`, `test/fixtures/answers/${scenario}/captures/`];
                expect(own.some((p) => a.capture!.startsWith(p)), `${where}: ${a.id}: capture of another scenario`).toBe(true);
                const folder = join(REPO, a.capture);
                expect(existsSync(folder) && statSync(folder).isDirectory(), `${where}: ${a.id}: capture folder ${a.capture}`).toBe(true);
              }
            }
            idsOnce(data.answers.map((a) => a.id), where);
          }
        });
      }

      // fresh/: a second writer's set for some keys only (see the README); same shape, checked the same way.
      const freshDir = join(dir, 'fresh');
      const freshFiles = existsSync(freshDir) ? readdirSync(freshDir).filter((f) => f.endsWith('.yaml')).sort() : [];
      for (const name of freshFiles) {
        it(`fresh/${name}: parses, answers a real key, with enough answers and honest label shares`, () => {
          const file = join(freshDir, name);
          const where = relative(REPO, file);
          expect(readFileSync(file, 'utf8').startsWith('# '), `${where}: first line is a comment saying what the key asks`).toBe(true);
          const data = load(file, KeyFile);
          expect(data.scenario, `${where}: scenario`).toBe(scenario);
          expect(keys, `${where}: key`).toContain(data.key);
          expect(name, `${where}: file name`).toBe(`${data.key}.yaml`);
          expect(data.answers.length, `${where}: answers`).toBeGreaterThanOrEqual(MIN_FRESH);
          expect(count(data, 'right'), `${where}: right answers`).toBeGreaterThan(0);
          expect(count(data, 'wrong'), `${where}: wrong answers`).toBeGreaterThan(0);
          expect(count(data, 'review') / data.answers.length, `${where}: share of review`).toBeLessThanOrEqual(MAX_REVIEW_SHARE);
          if (!FREE_TEXT_KEYS.has(data.key)) expect(count(data, 'partial'), `${where}: partial on a name/number key`).toBe(0);
          const prefix = `${scenario.split('-').map((w) => w[0]).join('')}-${data.key}-f`;
          for (const a of data.answers) expect(a.id.startsWith(prefix), `${where}: id ${a.id}`).toBe(true);
          idsOnce(data.answers.map((a) => a.id), where);
        });
      }

      it('stuffed.yaml: whole submissions answering every key', () => {
        const file = join(dir, 'stuffed.yaml');
        const data = load(file, StuffedFile);
        expect(data.scenario).toBe(scenario);
        for (const s of data.submissions) {
          expect(Object.keys(s.answers).sort(), `${relative(REPO, file)}: ${s.id}: keys`).toEqual([...keys].sort());
          expect(s.id.startsWith(`${scenario.split('-').map((w) => w[0]).join('')}-stuffed-`), `${s.id}`).toBe(true);
        }
        idsOnce(data.submissions.map((s) => s.id), relative(REPO, file));
      });
    });
  }

  it('a broken fixture is reported with its file and field', () => {
    const bad = { scenario: 'ghost-load', key: 'fix', answers: [{ id: 'gl-fix-001', text: 'x', label: 'maybe', why: 'no' }] };
    const result = KeyFile.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['answers.0.label', 'answers.0.why']);
  });
});
