import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabManifest } from '../../grader/manifest.ts';
import { loadScenario } from '../../scenarios/load.ts';
import { deriveSeed, type ScenarioId } from '../../scenarios/variants.ts';
import { bpfMissing, hasCommand, skipUnlessRequired } from '../support/live.ts';

/**
 * Issue 9, live: the lab host keeps no plaintext answer key. Through the CLI, as an instructor and a
 * learner would: `lab inject --out` gives the instructor the plaintext manifest; then every file under the
 * lab state dir is read (the learner is root) and none may hold the seed, nor any varying fact outside
 * the fault's own program files (`bin/`, `www/`, `data/`, `run.sh`: what `ps` and /proc show anyway).
 * `lab check` still sees the fault and leaves nothing behind; a real capture self-checks complete against
 * the sealed manifest; `submit` -> `grade --secret` verifies and passes.
 * Run under `flock /tmp/labctl-live.lock` (faults of two runs must not see each other).
 */

const SECRET = 'live-sealed-Secret-7Rt2Kp9Wm4Zq';
const RUNTIME = /^[a-z-]+\/(bin|www|data)\/|^[a-z-]+\/run\.sh$/;

const missing = bpfMissing() ?? (['gcc', 'curl', 'python3', 'setsid'].find((c) => !hasCommand(c)) ? 'needs gcc, curl, python3, setsid' : null);

/** Every regular file under `dir`, relative, with its text. */
function walk(dir: string): { rel: string; text: string }[] {
  const out: { rel: string; text: string }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const abs = join(e.parentPath, e.name);
    if (e.isFile()) out.push({ rel: relative(dir, abs), text: readFileSync(abs, 'latin1') });
  }
  return out;
}

describe.skipIf(skipUnlessRequired(missing))('the lab host keeps no plaintext answer key (live, through the CLI)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'labctl-live-sealed-'));
  const work = mkdtempSync(join(tmpdir(), 'labctl-live-sealed-work-'));
  const env = { ...process.env, LABCTL_STATE_DIR: stateDir, LABCTL_NO_SYSTEMD: '1', NO_COLOR: '1', LABCTL_CLASS_SECRET: '' };
  const labctl = (args: string[], cwd = resolve('.')) => spawnSync(process.execPath, [resolve('bin/labctl.js'), ...args], { env, encoding: 'utf8', cwd, timeout: 300_000 });
  afterAll(() => {
    labctl(['lab', 'stop', '--purge']);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const injected: Partial<Record<ScenarioId, LabManifest>> = {};
  const inject = (id: ScenarioId): LabManifest => {
    const out = join(work, `${id}-instructor.json`);
    const r = labctl(['lab', 'inject', id, '--learner', 'ana', '--secret', SECRET, '--ttl', '10m', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    return (injected[id] = JSON.parse(readFileSync(out, 'utf8')) as LabManifest);
  };

  // one fault at a time (each stopped after its check, ghost-load last: self-check needs it running), so the
  // latency checks measure the fault rather than three faults at once
  it.each(['offcpu-lock', 'fsync-latency', 'ghost-load'] as ScenarioId[])(
    '%s: no file under the state dir names a varying fact (but the fault\'s own programs) or the seed; lab check sees it with the sealed manifest and leaves nothing behind',
    (id) => {
      const m = inject(id);
      expect(m.seed).toBe(deriveSeed(SECRET, 'ana', id));
      const scenario = loadScenario(id);
      const varying = Object.entries(scenario.facts).filter(([, f]) => f.varies && f.type !== 'number').map(([k]) => String(m.facts[k]));
      expect(varying.length).toBeGreaterThan(0);
      const files = walk(stateDir);
      expect(files.map((f) => f.rel)).toContain(`${id}/lab-manifest.json`);
      expect(files.map((f) => f.rel)).toContain(`${id}/state.json`);
      for (const f of files) {
        expect(`${f.rel}: ${f.text}`, f.rel).not.toContain(m.seed);
        if (RUNTIME.test(f.rel)) continue;
        for (const v of varying) expect(`${f.rel}\n${f.text}`, `${f.rel} names ${v}`).not.toContain(v);
      }
      // build inputs are gone once built
      expect(existsSync(join(stateDir, id, 'src'))).toBe(false);
      expect(existsSync(join(stateDir, id, 'build.log'))).toBe(false);
      expect(statSync(join(stateDir, id)).mode & 0o777).toBe(0o700);

      // lab check's capture folders are labctl-<scenario>-*; other labctl- folders are other tests' (run outside the lock)
      const captureDirs = () => readdirSync(tmpdir()).filter((n) => /^labctl-(ghost-load|offcpu-lock|fsync-latency)-/.test(n));
      const tmpBefore = captureDirs();
      const before = walk(stateDir).map((f) => f.rel).filter((r) => !r.startsWith('probe')).sort();
      const r = labctl(['lab', 'check', id, '--duration', '4s', '--json']);
      const report = JSON.parse(r.stdout) as { gradable: boolean; checks: { id: string; kind: string; status: string; message: string }[] };
      expect(report.gradable, r.stdout).toBe(true);
      // every check that compares the captures with the lab's sealed names passes (and the capture is there); the
      // others measure this shared machine (its load, other tests' execs), the same with or without the seal, so
      // they only set the exit status (sealed-grading.test.ts proves the verdicts equal on fixed captures)
      const sealedKeys = Object.entries(scenario.facts).filter(([, f]) => f.varies).map(([k]) => `{{${k}}}`);
      const bySeal = new Set(scenario.checks.filter((c) => c.rule === 'capture-present' || sealedKeys.some((k) => JSON.stringify(c.with).includes(k))).map((c) => c.id));
      const named = report.checks.filter((c) => c.kind === 'evidence' && bySeal.has(c.id));
      expect(named.length).toBeGreaterThanOrEqual(id === 'ghost-load' ? 1 : 3);
      for (const c of named) expect(c.status, `${id} ${c.id}: ${c.message}`).toBe('pass');
      expect(r.status).toBe(report.checks.every((c) => c.status === 'pass') ? 0 : 1);
      expect(captureDirs().filter((n) => !tmpBefore.includes(n))).toEqual([]);
      expect(walk(stateDir).map((f) => f.rel).filter((x) => !x.startsWith('probe')).sort()).toEqual(before);
      if (id !== 'ghost-load') expect(labctl(['lab', 'stop', id]).status).toBe(0);
    },
    300_000,
  );

  it('ghost-load: a real capture self-checks complete against the sealed manifest; submit -> grade --secret verifies and passes', () => {
    const m = injected['ghost-load']!;
    const dir = join(work, 'ana');
    // the command `labctl lab tools` tells the learner works on this host
    const tools = JSON.parse(labctl(['lab', 'tools', '--json']).stdout) as Record<string, string | null>;
    expect(tools.execsnoop).toBeTruthy();
    mkdirSync(dir, { recursive: true });
    const capture = spawnSync('sh', ['-c', `timeout -s INT 6 ${tools.execsnoop} -t > execsnoop.txt 2>&1; true`], { cwd: dir, encoding: 'utf8' });
    expect(capture.status).toBe(0);
    expect(readFileSync(join(dir, 'execsnoop.txt'), 'utf8')).toContain('curl');
    writeFileSync(
      join(dir, 'answers.yaml'),
      [
        'culprit_command: curl',
        `parent_process: ${m.facts.parent_comm}`,
        'rate_per_second: 6',
        'root_cause: a loop starts short-lived curl processes over and over; top samples and never sees them',
        'fix: add a sleep interval to the loop, or poll from one long-lived process',
        '',
      ].join('\n'),
    );
    const check = labctl(['self-check', 'ghost-load', '--dir', dir]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/captures complete/);
    expect(check.stdout).not.toContain(String(m.facts.parent_comm));

    const submit = labctl(['submit', 'ghost-load', '--dir', dir, '--out', work]);
    expect(submit.status, submit.stderr).toBe(0);
    const bundle = /^bundle: (\S+)/m.exec(submit.stdout)![1];
    const bundlePath = resolve(resolve('.'), bundle);
    const grade = labctl(['grade', bundlePath, '--secret', SECRET, '--format', 'json']);
    expect(grade.status, grade.stdout + grade.stderr).toBe(0);
    const report = JSON.parse(grade.stdout) as { passed: boolean; learner: string; notes?: string[]; checks: { id: string; status: string }[] };
    expect(report).toMatchObject({ passed: true, learner: 'ana' });
    expect(report.checks.find((c) => c.id === 'parent-answer')?.status).toBe('pass');
    expect((report.notes ?? []).join('\n')).not.toMatch(/tampered|wrong-learner|unverified/);
  }, 300_000);
});
