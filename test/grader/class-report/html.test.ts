import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRoster } from '../../../grader/batch/roster.ts';
import { runBatch, type BatchRun } from '../../../grader/batch/run.ts';
import { hasCommand, skipUnlessRequired } from '../../support/live.ts';
import { CLASS_SECRET, makeClassBatch } from '../batch/class-fixture.ts';
import { decodePng, PNG_SIGNATURE, pixelStats } from './png.ts';

const run$ = promisify(execFile);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? (hasCommand('chromium') ? 'chromium' : null);
const missing = skipUnlessRequired(CHROMIUM ? null : 'chromium is not installed (apt-get install -y chromium)');

let fx: Awaited<ReturnType<typeof makeClassBatch>>;
let batch: BatchRun;
let html: string;
/** the same folder without roster or secret: eve's and fay's folders count, so every chart has data */
let open: BatchRun;
let openHtml: string;
let profile: string;

beforeAll(async () => {
  fx = await makeClassBatch();
  batch = await runBatch({ dir: fx.batch, outDir: join(fx.root, 'grades'), roster: await readRoster(fx.roster), classSecret: CLASS_SECRET, jobs: 0 });
  html = await readFile(batch.files.classReport, 'utf8');
  open = await runBatch({ dir: fx.batch, outDir: join(fx.root, 'grades-open'), jobs: 0, title: 'Perf 101, autumn' });
  openHtml = await readFile(open.files.classReport, 'utf8');
  profile = await mkdtemp(join(tmpdir(), 'labctl-chromium-'));
}, 120_000);
afterAll(async () => {
  await fx?.cleanup();
  if (profile) await rm(profile, { recursive: true, force: true });
});

function chromium(args: string[]) {
  return run$(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, ...args], {
    timeout: 90_000,
    maxBuffer: 32 << 20,
  });
}

describe('class-report.html (static)', () => {
  it('is self-contained: no script, no external reference, a CSP that forbids fetching', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('shows the parts the instructor needs, for both scenarios', () => {
    for (const text of ['Score distribution', 'Pass rate per check', 'Most common wrong answers', 'A typical capture', 'Problems (', 'Gradebook', 'Review queue']) expect(openHtml).toContain(text);
    expect(openHtml).toContain('id="s-ghost-load"');
    expect(openHtml).toContain('id="s-offcpu-lock"');
    // eve's wrong answers are grouped under their keys
    expect(openHtml).toMatch(/<code>parent_process<\/code>[\s\S]*?<td>cron<\/td>/);
    // the typical offcpu-lock capture is drawn as an icicle of stacks
    expect(openHtml).toMatch(/icicle \(root on top/);
    expect(openHtml).toContain('class="frame"');
  });

  it('takes its title from the class name, never from the folder', () => {
    expect(openHtml).toContain('<title>Class report: Perf 101, autumn</title>');
    expect(html).toContain('<title>Class report</title>');
    expect(html).not.toContain('submissions</h1>');
  });

  it('links each learner to their report, and draws pass/fail by the verdict', () => {
    expect(html).toMatch(/<td><a href="reports\/ana-ghost-load-[0-9a-f]{8}\.md">ana <span class="muted">Ana A<\/span><\/a><\/td>/);
    // eve's 2-of-100-style wrong answers sit in a red (not passed) bar; ana's pass in a green one
    expect(openHtml).toMatch(/<rect class="bar fail"[^>]*><title>[0-9-]+%: 1 not passed<\/title>/);
    expect(openHtml).toMatch(/<rect class="bar pass"[^>]*><title>[0-9-]+%: 1 passed<\/title>/);
  });

  it('keeps flagged and off-roster bundles out of the statistics and the typical capture', () => {
    expect(html).toContain('Set apart (4): not in any statistic');
    // offcpu-lock's only submission (fay, unsigned while a secret was given) is set apart: no statistics for it
    expect(html).toMatch(/id="s-offcpu-lock"><h2>[^<]*<span class="muted mono">offcpu-lock<\/span><\/h2><p class="muted">No gradable submission\.<\/p>/);
    // the typical ghost-load capture is ana's, the one submission that counts
    expect(html.match(/from (\w+) \([\d.]+%, closest to the median\)/g)).toEqual([expect.stringMatching(/^from ana /)]);
  });
});

describe.skipIf(missing)('class-report.html in headless Chromium', () => {
  it('renders the SVG charts (DOM after layout)', async () => {
    const { stdout } = await chromium(['--dump-dom', `file://${open.files.classReport}`]);
    expect((stdout.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(6);
    expect((stdout.match(/class="bar"/g) ?? []).length).toBeGreaterThan(20);
    expect((stdout.match(/class="frame"/g) ?? []).length).toBeGreaterThan(5);
  });

  it('takes a screenshot that is a real, non-blank picture with the charts\' colours', async () => {
    const shot = join(fx.root, 'class-report.png');
    await chromium([`--screenshot=${shot}`, '--window-size=1200,1600', `file://${open.files.classReport}`]);
    const buf = await readFile(shot);
    expect(buf.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect((await stat(shot)).size).toBeGreaterThan(20_000);
    const png = decodePng(buf);
    expect([png.width, png.height]).toEqual([1200, 1600]);
    const s = pixelStats(png);
    expect(s.variance).toBeGreaterThan(200);
    expect(s.distinct).toBeGreaterThan(50);
    // the pass (green) and fail (red) bars are on screen
    expect(s.share((r, g, b) => g > 130 && r < 90 && b < 110)).toBeGreaterThan(0.001);
    expect(s.share((r, g, b) => r > 190 && g < 80 && b < 80)).toBeGreaterThan(0.001);
  });
});
