import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradeSubmission } from '../../grader/grade.ts';
import { renderJson } from '../../grader/report/index.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const EXECSNOOP = join(FIXTURES, 'captures', 'execsnoop-libbpf-t-curlloop.txt');

/** A submission folder made of real captures and the given files. */
function submission(files: Record<string, string>, captures: string[] = [EXECSNOOP]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sub-'));
  mkdirSync(join(dir, 'captures'));
  for (const c of captures) copyFileSync(c, join(dir, 'captures', c.split('/').pop()!));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ANSWERS = [
  'scenario: ghost-load',
  'culprit_command: curl',
  'parent_process: healthwatch.sh',
  'rate_per_second: 6',
  'root_cause: a script spawns curl in a tight loop; each process is short-lived so top never shows it',
  'fix: add a sleep between checks',
].join('\n');

// The fixture's loop script is healthwatch.sh polling 127.0.0.1:18080 (test/fixtures/captures/README.md).
const manifest = (facts: Record<string, unknown>) =>
  JSON.stringify({
    scenario: 'ghost-load',
    seed: 's1',
    learner: 'ana',
    createdAt: '2026-11-25T10:00:00Z',
    expiresAt: '2026-11-25T11:00:00Z',
    facts: { culprit_comm: 'curl', parent_comm: 'healthwatch.sh', url: 'http://127.0.0.1:18080/health', min_rate_per_sec: 5, ...facts },
  });

describe('gradeSubmission on a real execsnoop capture', () => {
  it('grades evidence from the capture and answers against the manifest facts', async () => {
    const report = await gradeSubmission(submission({ 'answers.yaml': ANSWERS, 'lab-manifest.json': manifest({}) }));
    expect(report.gradable).toBe(true);
    expect(report.learner).toBe('ana');
    expect(report.captures).toEqual([{ file: 'captures/execsnoop-libbpf-t-curlloop.txt', tool: 'execsnoop', flavor: 'libbpf' }]);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    // 20 curl of 130 execs in the fixture: below the 20% the scenario asks for.
    expect(byId['culprit-dominates'].message).toContain("the incident's command accounts for 20 of 130 execs (15%");
    expect(byId['culprit-dominates'].status).toBe('fail');
    expect(byId['culprit-dominates'].hint).toBeTruthy();
    expect(byId['parent-answer'].status).toBe('pass');
    expect(byId['culprit-answer'].status).toBe('pass');
    expect(byId['rate-answer'].status).toBe('pass');
    expect(report.score).toBe(report.checks.reduce((s, c) => s + c.points, 0));
    expect(report.maxScore).toBe(100);
  });

  it('uses the per-learner variant: the default variant name fails against this manifest', async () => {
    const answers = ANSWERS.replace('healthwatch.sh', 'health-check.sh');
    const report = await gradeSubmission(submission({ 'answers.yaml': answers, 'lab-manifest.json': manifest({}) }));
    expect(report.checks.find((c) => c.id === 'parent-answer')?.status).toBe('fail');
  });

  it('--manifest wins over the manifest in the submission', async () => {
    const dir = submission({ 'answers.yaml': ANSWERS, 'lab-manifest.json': manifest({ parent_comm: 'other.sh' }) });
    const outside = join(mkdtempSync(join(tmpdir(), 'man-')), 'm.json');
    writeFileSync(outside, manifest({}));
    const report = await gradeSubmission(dir, { manifestPath: outside });
    expect(report.checks.find((c) => c.id === 'parent-answer')?.status).toBe('pass');
  });

  it('is deterministic: the same input gives a byte-identical JSON report', async () => {
    const dir = submission({ 'answers.yaml': ANSWERS, 'lab-manifest.json': manifest({}) });
    expect(renderJson(await gradeSubmission(dir))).toBe(renderJson(await gradeSubmission(dir)));
  });

  it('without a manifest grades against the default variant and says so', async () => {
    const report = await gradeSubmission(submission({ 'answers.yaml': ANSWERS }));
    expect(report.notes).toContain("no lab manifest: graded against the scenario's default variant");
    expect(report.checks.find((c) => c.id === 'parent-answer')?.status).toBe('fail');
  });

  it('evidence-only grading needs no answers.yaml and has no answer checks', async () => {
    const report = await gradeSubmission(submission({}), { scenario: 'ghost-load', evidenceOnly: true });
    expect(report.gradable).toBe(true);
    expect(report.checks.every((c) => c.kind === 'evidence')).toBe(true);
    expect(report.maxScore).toBe(45);
  });
});

describe('gradeSubmission on bad input: ungradable with the file and line, never points lost silently', () => {
  it('missing answers.yaml', async () => {
    const report = await gradeSubmission(submission({}), { scenario: 'ghost-load' });
    expect(report.gradable).toBe(false);
    expect(report.score).toBe(0);
    expect(report.notes?.join('\n')).toMatch(/answers\.yaml/);
  });

  it('unknown answer keys and wrong types name the line', async () => {
    const answers = `${ANSWERS}\nculprit: curl\nfix:\n  nested: map\n`;
    const report = await gradeSubmission(submission({ 'answers.yaml': answers.replace('fix: add a sleep between checks\n', '') }));
    expect(report.gradable).toBe(false);
    expect(report.notes).toContain('answers.yaml:6: culprit: unknown answer key; expected: culprit_command, parent_process, rate_per_second, root_cause, fix');
    expect(report.notes?.some((n) => /^answers\.yaml:7: fix: must be text/.test(n))).toBe(true);
  });

  it('no recognisable capture', async () => {
    const dir = submission({ 'answers.yaml': ANSWERS, 'notes.txt': 'I looked at top and saw nothing.\n' }, []);
    const report = await gradeSubmission(dir);
    expect(report.gradable).toBe(false);
    expect(report.captures).toEqual([{ file: 'notes.txt', tool: 'unknown', flavor: 'unknown' }]);
    expect(report.notes?.join('\n')).toMatch(/no recognisable capture among 1 file/);
  });

  it('a capture of the wrong tool for the scenario', async () => {
    const dir = submission({ 'answers.yaml': ANSWERS }, [join(FIXTURES, 'captures', 'runqlat-libbpf-m-mutex.txt')]);
    const report = await gradeSubmission(dir);
    expect(report.gradable).toBe(false);
    expect(report.notes?.join('\n')).toMatch(/no execsnoop capture found \(the files seen: captures\/runqlat-libbpf-m-mutex\.txt = runqlat\)/);
  });

  it('an invalid manifest names the field', async () => {
    const bad = JSON.stringify({ ...JSON.parse(manifest({})), facts: { culprit_comm: 'curl' } });
    const report = await gradeSubmission(submission({ 'answers.yaml': ANSWERS, 'lab-manifest.json': bad }));
    expect(report.gradable).toBe(false);
    expect(report.notes).toContain('lab-manifest.json: facts.parent_comm: missing');
  });

  it('no way to tell the scenario is a user error (exit 2)', async () => {
    await expect(gradeSubmission(submission({ 'answers.yaml': 'culprit_command: curl\n' }))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('cannot tell which scenario to grade'),
    });
  });

  it('an unknown scenario lists the known ones', async () => {
    await expect(gradeSubmission(submission({ 'answers.yaml': ANSWERS }), { scenario: 'nope' })).rejects.toMatchObject({
      hint: 'known scenarios: fsync-latency, ghost-load, offcpu-lock',
    });
  });

  it('a binary file among the captures is named in the notes and not graded', async () => {
    const dir = submission({ 'answers.yaml': ANSWERS });
    writeFileSync(join(dir, 'captures', 'core.txt'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3]));
    const report = await gradeSubmission(dir);
    expect(report.gradable).toBe(true);
    expect(report.notes).toContain('captures/core.txt: not graded: not a text file');
  });
});
