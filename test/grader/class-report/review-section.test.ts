import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleBatch } from '../../../grader/batch/assemble.ts';
import { buildReviewQueue } from '../../../grader/batch/review-queue.ts';
import { renderClassReport } from '../../../grader/class-report/html.ts';
import { summarizeClass } from '../../../grader/class-report/summary.ts';
import { loadScenario } from '../../../scenarios/load.ts';
import { hasCommand, skipUnlessRequired } from '../../support/live.ts';
import { reviewClass } from '../batch/review-class.ts';
import { decodePng, PNG_SIGNATURE, pixelStats } from './png.ts';

const run$ = promisify(execFile);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? (hasCommand('chromium') ? 'chromium' : null);
const missing = skipUnlessRequired(CHROMIUM ? null : 'chromium is not installed (apt-get install -y chromium)');

let dir: string;
let html: string;
/** the class report with only its review section in <main>: same head, same CSS */
let page: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labctl-review-html-'));
  const { results, kept, reportOf } = reviewClass();
  const review = buildReviewQueue(results, kept, reportOf);
  const summary = summarizeClass(results, assembleBatch(results), { 'ghost-load': loadScenario('ghost-load') }, 'Class report: Perf 101', { review, reportOf });
  html = renderClassReport(summary);
  const section = html.match(/<section class="review-queue">[\s\S]*?<\/section>/)![0];
  page = html.replace(/<main>[\s\S]*<\/main>/, `<main>\n${section}\n</main>`);
  await writeFile(join(dir, 'review.html'), page);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the review section of class-report.html', () => {
  it('sits between the scenario sections and the gradebook, and the tiles count what is pending', () => {
    expect(html.indexOf('id="review"')).toBeGreaterThan(html.indexOf('id="s-ghost-load"'));
    expect(html.indexOf('id="review"')).toBeLessThan(html.indexOf('<h2>Gradebook</h2>'));
    expect(html).toContain('<div class="tile bad"><b>4</b>pending review</div>');
    // the gradebook shows self-checks, hints and the points a person set
    expect(html).toMatch(/<td><a href="reports\/fay-ghost-load-1a2b3c\.md">fay<\/a><\/td><td>ghost-load<\/td><td class="num">90\/100<\/td><td class="num">90<\/td><td><span class="pass">passed<\/span><\/td><td class="num">10<\/td><td class="num">5<\/td><td class="num">2<\/td>/);
    expect(html).toMatch(/<td><a href="reports\/ana-ghost-load-1a2b3c\.md">ana<\/a><\/td>.*?<span class="pass">passed<\/span> <span class="review-status">10 pending review<\/span>/);
    expect(html).toContain('Help used (6 of 6 bundles record it): 2.5 self-checks on average; 4 learners used hints.');
  });
});

describe.skipIf(missing)('the review section in headless Chromium', () => {
  const chromium = (args: string[]) =>
    run$(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`, ...args], {
      timeout: 90_000,
      maxBuffer: 32 << 20,
    });

  it('lays out one row per answer group, learner text escaped (DOM after layout)', async () => {
    const { stdout } = await chromium(['--dump-dom', `file://${join(dir, 'review.html')}`]);
    expect((stdout.match(/<tr id="g-[0-9a-f]{8}"/g) ?? []).length).toBe(4);
    expect((stdout.match(/class="snippet"/g) ?? []).length).toBe(3);
    expect(stdout).not.toContain('<b>it is CPU</b>');
  });

  it('takes a screenshot with the table, the pending (blue) decisions and the copy-paste lines', async () => {
    const shot = join(dir, 'review.png');
    await chromium([`--screenshot=${shot}`, '--window-size=1100,700', `file://${join(dir, 'review.html')}`]);
    const buf = await readFile(shot);
    expect(buf.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const png = decodePng(buf);
    expect([png.width, png.height]).toEqual([1100, 700]);
    const s = pixelStats(png);
    // text on white: real contrast, anti-aliased glyphs
    expect(s.variance).toBeGreaterThan(200);
    expect(s.distinct).toBeGreaterThan(50);
    // table header and snippet backgrounds (#f1f3f5)
    expect(s.share((r, g, b) => r === 0xf1 && g === 0xf3 && b === 0xf5)).toBeGreaterThan(0.01);
    // the pending decisions and links in blue (#1864ab and its anti-aliased shades)
    expect(s.share((r, g, b) => b > 120 && b - r > 60 && g < 140)).toBeGreaterThan(0.0005);
    // the decided group in green (#2f9e44)
    expect(s.share((r, g, b) => g > 120 && g - r > 50 && g - b > 40)).toBeGreaterThan(0.0002);
  });
});
