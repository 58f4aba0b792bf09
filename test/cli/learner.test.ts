import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hintStateFile, nextHint, renderSelfCheck } from '../../cli/commands/learner.ts';
import { gradeSubmission } from '../../grader/grade.ts';
import { learnerKey } from '../../grader/provenance/key.ts';
import { verifyBundle } from '../../grader/provenance/verify.ts';
import { gradeOne } from '../../grader/batch/grade-one.ts';
import { loadScenario } from '../../scenarios/load.ts';
import { ghostLoadWork, manifestFor } from '../grader/provenance/learner-lab.ts';

const BIN = fileURLToPath(new URL('../../bin/labctl.js', import.meta.url));
const SECRET = 'learner-cli-secret';
let tmp: string;
let state: string;

function labctl(args: string[], cwd = tmp): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, LABCTL_STATE_DIR: state, NO_COLOR: '1' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'labctl-learner-'));
  state = join(tmp, 'state');
  await mkdir(join(state, 'ghost-load'), { recursive: true });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('labctl hint', () => {
  it('shows the next hint on each call, remembers the level, and --level picks one', async () => {
    const hints = loadScenario('ghost-load').hints;
    expect(hints.length).toBeGreaterThanOrEqual(3);
    const first = await labctl(['hint', 'ghost-load']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`hint 1/${hints.length}: ${hints[0]}`);
    expect(first.stdout).toContain('again for the next one');
    expect((await labctl(['hint', 'ghost-load'])).stdout).toContain(`hint 2/${hints.length}: ${hints[1]}`);
    expect(JSON.parse(await readFile(join(state, 'hints', 'ghost-load.json'), 'utf8'))).toEqual({ level: 2 });
    expect((await labctl(['hint', 'ghost-load', '--level', '1'])).stdout).toContain(`hint 1/${hints.length}`);
    const bad = await labctl(['hint', 'ghost-load', '--level', '99']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--level 99: ghost-load has hints 1 to ${hints.length}`);
  });

  it('stops at the last hint and starts over with --reset (module API)', async () => {
    const env = { ...process.env, LABCTL_STATE_DIR: join(tmp, 'state-api') };
    const sc = loadScenario('offcpu-lock');
    const seen: number[] = [];
    for (let i = 0; i < sc.hints.length + 2; i++) seen.push((await nextHint(sc, { env })).level);
    expect(seen).toEqual([...sc.hints.map((_, i) => i + 1), sc.hints.length, sc.hints.length]);
    expect((await nextHint(sc, { env, reset: true })).level).toBe(1);
    expect(hintStateFile('offcpu-lock', env)).toBe(join(tmp, 'state-api', 'hints', 'offcpu-lock.json'));
  });
});

/** Every value of the lab's facts marked `varies` (per learner), and the parts of a URL a learner could quote. */
function varyingValues(scenario: string, facts: Record<string, string | number | boolean>): string[] {
  const sc = loadScenario(scenario);
  const out: string[] = [];
  for (const [k, def] of Object.entries(sc.facts)) {
    if (!def.varies) continue;
    const v = String(facts[k]);
    out.push(v);
    if (/^https?:/.test(v)) out.push(new URL(v).port, new URL(v).pathname);
  }
  return out.filter((v) => v.length > 2);
}

describe('labctl self-check', () => {
  it('shows the captures in full, answers only as given or not: none of the lab\'s varying names, no grader answer messages', async () => {
    const ben = manifestFor(SECRET, 'ben', 'ghost-load');
    await writeFile(join(state, 'ghost-load', 'lab-manifest.json'), JSON.stringify(ben));
    const { dir } = await ghostLoadWork(join(tmp, 'sc'), ben);
    await writeFile(join(dir, 'answers.yaml'), 'culprit_command: sleep\nparent_process: cron\nrate_per_second: 4\nroot_cause: disk\nfix:\n');
    // the full report does carry per-check messages about the answers
    const report = await gradeSubmission(dir, { scenario: 'ghost-load', manifestPath: join(state, 'ghost-load', 'lab-manifest.json') });
    const answerMessages = report.checks.filter((c) => c.kind === 'answer').map((c) => c.message.split(': ').slice(1).join(': '));
    expect(answerMessages.filter((m) => m.length > 3).length).toBeGreaterThan(2);

    const out = await labctl(['self-check', 'ghost-load', '--dir', dir]);
    // in this capture curl is only third (the loop's sh and sleep tie with it, other parents add more); `fix`
    // has no answer yet
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('[fail] The capture shows one command dominating execs (0/15)\n    the incident\'s command accounts for 20 of 130 execs (15%, rank 3): not enough to explain the load\n    hint: Capture while the load is high');
    expect(out.stdout).toContain('[pass] The capture shows the exec rate (10/10)\n    the incident\'s command runs 4.2 times per second over 4.7 s of capture, faster than any other command in it');
    expect(out.stdout).toContain('[pass] The capture shows one parent starting them (10/10)\n    PPID ');
    const answers = out.stdout.split('Your answers (checked when you submit)\n')[1].split('\n').slice(0, 5);
    expect(answers).toEqual([
      '[done] Culprit command (culprit_command: answered)',
      '[done] Parent process (parent_process: answered)',
      '[done] Rate per second (rate_per_second: answered)',
      '[done] Root cause (root_cause: answered)',
      '[todo] Fix (fix: not answered yet)',
    ]);
    expect(out.stdout).toContain('captures not complete yet: 30/45 evidence points; 4 of 5 answers given');
    expect(out.stdout).not.toContain('would');
    for (const s of [...varyingValues('ghost-load', ben.facts), ben.facts.culprit_comm]) expect(out.stdout + out.stderr).not.toContain(String(s));
    for (const m of answerMessages) if (m.length > 3) expect(out.stdout).not.toContain(m);
  });

  it('counts every run in the lab state dir and says so', async () => {
    const work = join(tmp, 'sc');
    const before = JSON.parse(await readFile(join(state, 'self-checks', 'ghost-load.json'), 'utf8')).count as number;
    const out = await labctl(['self-check', 'ghost-load', '--dir', work]);
    expect(out.stdout).toContain(`self-check ${before + 1} for ghost-load: the count goes into your submission`);
    expect(JSON.parse(await readFile(join(state, 'self-checks', 'ghost-load.json'), 'utf8'))).toEqual({ count: before + 1 });
  });

  it('says when it falls back to the default variant, and what is missing when ungradable', async () => {
    const empty = join(tmp, 'empty-work');
    await mkdir(empty);
    await writeFile(join(empty, 'notes.md'), 'nothing captured yet\n');
    const out = await labctl(['self-check', 'offcpu-lock', '--dir', empty]);
    expect(out.code).toBe(2);
    expect(out.stdout).toMatch(/no lab manifest found .*default variant/);
    expect(out.stdout).toContain('not gradable yet:');
    expect(out.stdout).toMatch(/answers\.yaml/);
  });

  it('never prints an answer check\'s message; with answer feedback opted in, status and misconception feedback only (unit)', () => {
    const sc = loadScenario('ghost-load');
    const report = {
      scenario: 'ghost-load',
      score: 10,
      maxScore: 100,
      passed: false,
      gradable: true,
      captures: [],
      checks: [
        {
          id: 'parent-answer',
          kind: 'answer' as const,
          points: 0,
          maxPoints: 15,
          status: 'fail' as const,
          message: 'Parent process: SECRET-NAME.sh is what your capture shows',
          answer: { key: 'parent_process', answer: 'cron', asserted: [], rejected: [], missing: [], contradiction: 'PPID 7 is SECRET-NAME.sh' },
        },
        {
          id: 'fix-answer',
          kind: 'answer' as const,
          points: 0,
          maxPoints: 5,
          status: 'fail' as const,
          message: 'Fix: kill is not a fix',
          answer: { key: 'fix', answer: 'kill it', asserted: [], rejected: [], missing: [], misconception: { id: 'kill', feedback: 'the loop starts a new one at once' } },
        },
      ],
    };
    const quiet = renderSelfCheck(report, sc);
    expect(quiet).not.toContain('SECRET-NAME');
    expect(quiet).not.toContain('the loop starts a new one');
    expect(quiet).toContain('[done] Parent process (parent_process: answered)');
    const open = renderSelfCheck(report, { ...sc, selfCheck: { answerFeedback: true } });
    expect(open).not.toContain('SECRET-NAME');
    expect(open).toContain('[fail] Parent process (0/15)\n    hint: Take the PPID');
    expect(open).toContain('[fail] Fix (0/5)\n    the loop starts a new one at once');
    expect(open).toContain('would not pass yet: 10/100 (pass mark 70%)');
  });
});

describe('labctl submit', () => {
  it('bundles with the key from the lab state dir and prints the path and a sha256sum line', async () => {
    const ana = manifestFor(SECRET, 'ana', 'ghost-load');
    await writeFile(join(state, 'ghost-load', 'lab-manifest.json'), JSON.stringify(ana));
    await writeFile(join(state, 'learner.key'), `${learnerKey(SECRET, 'ana')}\n`);
    await chmod(join(state, 'learner.key'), 0o600);
    const { dir } = await ghostLoadWork(join(tmp, 'submit'), ana);
    const outDir = join(tmp, 'handin');
    await mkdir(outDir);
    const res = await labctl(['submit', 'ghost-load', '--dir', dir, '--out', outDir]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const [first, second] = res.stdout.trim().split('\n');
    const file = first.match(/^bundle: (\S+) \(3 files for ana, ghost-load, signed; 2 self-checks, hint level 1\)$/)![1];
    const [hash, named] = second.split('  ');
    expect(named).toBe(file);
    expect(hash).toBe(createHash('sha256').update(await readFile(join(tmp, file))).digest('hex'));
    expect(file).toMatch(/^handin\/submission-ana-ghost-load-\d{8}T\d{6}Z\.tar\.gz$/);
    // and the grader verifies what submit made
    const extracted = join(tmp, 'x');
    await mkdir(extracted);
    await (await import('tar')).extract({ file: join(tmp, file), cwd: extracted });
    expect((await verifyBundle(extracted, { classSecret: SECRET })).status).toBe('verified');
    // the help used is in the signed record, and the batch grader reads it back for the gradebook
    const graded = await gradeOne({ id: 0, path: join(tmp, file), entry: file.split('/').pop()!, classSecret: SECRET, requireDerivedSeed: false });
    expect(graded.provenance.status).toBe('verified');
    expect(graded.activity).toEqual({ selfChecks: 2, hints: 1 });
  });

  it('refuses without a learner key unless --unsigned', async () => {
    await rm(join(state, 'learner.key'));
    const { dir } = await ghostLoadWork(join(tmp, 'nokey'), manifestFor(SECRET, 'ana', 'ghost-load'));
    const res = await labctl(['submit', 'ghost-load', '--dir', dir, '--out', tmp]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('no learner key (learner.key) found');
    expect(res.stderr).toContain('--unsigned');
    const unsigned = await labctl(['submit', 'ghost-load', '--dir', dir, '--out', tmp, '--unsigned']);
    expect(unsigned.code).toBe(0);
    expect(unsigned.stdout).toContain(', unsigned)');
  });
});
