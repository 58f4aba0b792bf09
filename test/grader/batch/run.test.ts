import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../grader/batch/csv.ts';
import { readRoster } from '../../../grader/batch/roster.ts';
import { runBatch, type BatchRun } from '../../../grader/batch/run.ts';
import { CLASS_SECRET, makeClassBatch, XSS } from './class-fixture.ts';

let fx: Awaited<ReturnType<typeof makeClassBatch>>;
let run: BatchRun;
let rows: Record<string, string>[];

beforeAll(async () => {
  fx = await makeClassBatch();
  run = await runBatch({ dir: fx.batch, outDir: join(fx.root, 'grades'), roster: await readRoster(fx.roster), classSecret: CLASS_SECRET, jobs: 2 });
  const csv = parseCsv(await readFile(run.files.gradebook, 'utf8'));
  rows = csv.slice(1).map((r) => Object.fromEntries(csv[0].fields.map((h, i) => [h, r.fields[i]])));
}, 120_000);
afterAll(async () => {
  await fx?.cleanup();
});

/** the learner's own row: their verified submission, or missing */
const row = (learner: string, scenario = 'ghost-load') => rows.find((r) => r.learner === learner && r.scenario === scenario && r.status !== 'unverified' && (r.provenance === 'verified' || r.provenance === 'missing'));
/** the row of one entry (unverified submissions are rows of their own) */
const entryRow = (prefix: string) => rows.find((r) => r.file.startsWith(prefix));

describe('runBatch (worker threads, real bundles)', () => {
  it('grades every entry, the broken ones included, and exits 2 because some are ungradable', () => {
    expect(run.results.map((r) => r.entry)).toEqual([
      'broken.tar.gz',
      'eve',
      'fay-offcpu',
      'submission-ana-ghost-load-20261125T094000Z.tar.gz',
      'submission-ana-ghost-load-20261125T095500Z.tar.gz',
      'submission-ben-ghost-load-20261125T094100Z.tar.gz',
      'submission-cy-ghost-load-20261125T094200Z.tar.gz',
      'truncated.tar.gz',
    ]);
    expect(run.results).toHaveLength(8);
    expect(run.exitCode).toBe(2);
  });

  it('keeps ana\'s newest bundle and reports the older one', () => {
    expect(row('ana')).toMatchObject({ file: 'submission-ana-ghost-load-20261125T095500Z.tar.gz', provenance: 'verified', status: 'graded', gradable: 'true', name: 'Ana A' });
    expect(row('ana')!.message).toContain('ignored: submission-ana-ghost-load-20261125T094000Z.tar.gz');
    expect(run.outcome.problems).toContainEqual(expect.objectContaining({ kind: 'duplicate', file: 'submission-ana-ghost-load-20261125T094000Z.tar.gz' }));
  });

  it('flags ben\'s capture from ana\'s lab and cy\'s changed byte, and still grades both', () => {
    // graded, but in rows of their own: with the class secret only a verified submission is a learner's grade
    expect(entryRow('submission-ben-')).toMatchObject({ learner: 'ben', provenance: 'wrong-learner', status: 'unverified' });
    expect(entryRow('submission-ben-')!.message).toMatch(/captured on another learner's lab/);
    expect(entryRow('submission-cy-')).toMatchObject({ learner: 'cy', provenance: 'tampered', status: 'unverified' });
    expect(entryRow('submission-cy-')!.message).toContain('execsnoop.txt: changed after `labctl submit`');
    expect(row('ben')).toMatchObject({ status: 'missing' });
    expect(row('cy')).toMatchObject({ status: 'missing' });
  });

  it('turns a non-tar gzip and a truncated archive into ungradable rows with a reason', () => {
    const broken = rows.find((r) => r.file === 'broken.tar.gz')!;
    const truncated = rows.find((r) => r.file === 'truncated.tar.gz')!;
    for (const r of [broken, truncated]) {
      expect(r).toMatchObject({ status: 'ungradable', gradable: 'false', score: '' });
      expect(r.message.length).toBeGreaterThan(10);
    }
    expect(truncated.message).toMatch(/truncated|unexpected end|TAR_BAD_ARCHIVE|not a complete|corrupt/i);
    expect(broken.message).not.toContain(fx.root);
  });

  it('applies the roster: missing learners, learners not on it, ignored files', () => {
    expect(row('dee')).toMatchObject({ status: 'missing', provenance: 'missing', file: '', name: 'Dee' });
    expect(entryRow('eve')).toMatchObject({ learner: 'eve', provenance: 'unsigned', status: 'unverified' });
    expect(entryRow('eve')!.message).toContain('not on the roster');
    // fay's honest but unsigned folder is graded, listed as unverified, and her own row stays missing
    expect(entryRow('fay-offcpu')).toMatchObject({ learner: 'fay', scenario: 'offcpu-lock', status: 'unverified', passed: 'true' });
    expect(row('fay', 'offcpu-lock')).toMatchObject({ status: 'missing' });
    expect(row('fay', 'ghost-load')).toMatchObject({ status: 'missing' });
    expect(run.outcome.problems).toContainEqual({ kind: 'ignored', file: 'notes.txt', message: 'not a submission (expected a folder or a .tar.gz)' });
  });

  it('writes a JSON and a Markdown report per kept submission, with provenance in the notes', async () => {
    const files = (await readdir(join(fx.root, 'grades', 'reports'))).sort();
    // <learner slug>-<scenario>-<8 hex of learner, scenario and entry>
    expect(files.filter((f) => f.startsWith('ana-'))).toEqual([expect.stringMatching(/^ana-ghost-load-[0-9a-f]{8}\.json$/), expect.stringMatching(/^ana-ghost-load-[0-9a-f]{8}\.md$/)]);
    expect(files.some((f) => /^fay-offcpu-lock-[0-9a-f]{8}\.md$/.test(f))).toBe(true);
    const cy = JSON.parse(await readFile(join(fx.root, 'grades', 'reports', files.find((f) => /^cy-ghost-load-[0-9a-f]{8}\.json$/.test(f))!), 'utf8'));
    expect(cy).toMatchObject({ scenario: 'ghost-load', learner: 'cy', gradable: true });
    expect(cy.notes.join('\n')).toMatch(/^provenance: tampered: /m);
  });

  it('sets flagged and off-roster bundles apart: listed, but not in the statistics', async () => {
    const html = await readFile(run.files.classReport, 'utf8');
    const apart = html.match(/<h2 id="set-apart">[\s\S]*?<\/table>/)![0];
    expect(apart).toContain('Set apart (4): not in any statistic');
    for (const [who, kind] of [['ben', 'wrong-learner'], ['cy', 'tampered'], ['eve', 'not-on-roster'], ['fay', 'unsigned']]) {
      expect(apart).toMatch(new RegExp(`>${who}(<| )[\\s\\S]*?<span class="kind ${kind}">`));
    }
    // only ana's ghost-load submission counts: eve's wrong answers are not "common wrong answers" of the class
    expect(html).toContain('1 graded, 0 passed (0%)');
    expect(html).not.toMatch(/<td>cron<\/td>/);
    expect(html).not.toContain(XSS);
  });

  it('escapes learner-supplied text in the class report', async () => {
    // without a roster or a secret eve's and fay's folders count, and eve's answers are shown
    const open = await runBatch({ dir: fx.batch, outDir: join(fx.root, 'grades-open'), jobs: 0 });
    const html = await readFile(open.files.classReport, 'utf8');
    expect(html).toContain('Most common wrong answers');
    expect(html).not.toContain(XSS);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('gives the same gradebook graded in this thread (jobs 0) as on worker threads', async () => {
    const again = await runBatch({ dir: fx.batch, outDir: join(fx.root, 'grades-0'), roster: await readRoster(fx.roster), classSecret: CLASS_SECRET, jobs: 0 });
    expect(await readFile(again.files.gradebook, 'utf8')).toBe(await readFile(run.files.gradebook, 'utf8'));
    expect(await readFile(again.files.classReport, 'utf8')).toBe(await readFile(run.files.classReport, 'utf8'));
  });
});
