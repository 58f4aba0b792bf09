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

describe('labctl self-check', () => {
  it('prints statuses and hints only: none of the lab\'s varying names, no grader messages', async () => {
    const ben = manifestFor(SECRET, 'ben', 'ghost-load');
    await writeFile(join(state, 'ghost-load', 'lab-manifest.json'), JSON.stringify(ben));
    const { dir } = await ghostLoadWork(join(tmp, 'sc'), ben);
    await writeFile(join(dir, 'answers.yaml'), 'culprit_command: sleep\nparent_process: cron\nrate_per_second: 4\nroot_cause: disk\nfix: reboot\n');
    // the full report does carry per-check messages about the answers
    const report = await gradeSubmission(dir, { scenario: 'ghost-load', manifestPath: join(state, 'ghost-load', 'lab-manifest.json') });
    const messages = report.checks.filter((c) => c.status !== 'pass').map((c) => c.message.split(': ').slice(1).join(': '));
    expect(messages.length).toBeGreaterThan(2);

    const out = await labctl(['self-check', 'ghost-load', '--dir', dir]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('[fail] Parent process (0/15, answer)');
    expect(out.stdout).toContain('hint: Take the PPID of those lines');
    expect(out.stdout).toMatch(/would not pass yet: \d+(\.\d)?\/100/);
    const secrets = [ben.facts.parent_comm, ben.facts.url, new URL(String(ben.facts.url)).port, new URL(String(ben.facts.url)).pathname, ben.facts.culprit_comm];
    for (const s of secrets) expect(out.stdout + out.stderr).not.toContain(String(s));
    for (const m of messages) expect(out.stdout).not.toContain(m);
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

  it('renderSelfCheck never prints check messages (unit)', () => {
    const sc = loadScenario('ghost-load');
    const text = renderSelfCheck(
      { scenario: 'ghost-load', score: 10, maxScore: 100, passed: false, gradable: true, captures: [], checks: [{ id: 'parent-answer', kind: 'answer', points: 0, maxPoints: 15, status: 'fail', message: 'Parent process: SECRET-NAME.sh is what your capture shows' }] },
      sc,
    );
    expect(text).not.toContain('SECRET-NAME');
    expect(text).toContain('[fail] Parent process (0/15, answer)');
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
    const file = first.match(/^bundle: (\S+) \(3 files for ana, ghost-load, signed\)$/)![1];
    const [hash, named] = second.split('  ');
    expect(named).toBe(file);
    expect(hash).toBe(createHash('sha256').update(await readFile(join(tmp, file))).digest('hex'));
    expect(file).toMatch(/^handin\/submission-ana-ghost-load-\d{8}T\d{6}Z\.tar\.gz$/);
    // and the grader verifies what submit made
    const extracted = join(tmp, 'x');
    await mkdir(extracted);
    await (await import('tar')).extract({ file: join(tmp, file), cwd: extracted });
    expect((await verifyBundle(extracted, { classSecret: SECRET })).status).toBe('verified');
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
