import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Help } from 'commander';
import { staleBundle } from '../core/build-state.mjs';
import { GROUPS, newProgram, registerGroups } from '../cli/groups.ts';
import { learnerKey } from '../grader/provenance/key.ts';
import { verifyBundle } from '../grader/provenance/verify.ts';
import { loadScenario } from '../scenarios/load.ts';
import { ghostLoadWork, manifestFor } from './grader/provenance/learner-lab.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let tmp: string;
let dist: string;

function run(file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { cwd: opts.cwd, env: { PATH: process.env.PATH, HOME: tmp, NO_COLOR: '1', ...opts.env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'labctl-build-'));
  // inside the checkout, as dist/ is: the CLI bundle loads its heavy packages from node_modules above it
  dist = await mkdtemp(join(ROOT, '.build-test-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', dist], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  await rm(dist, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('lists the sources it was built from, and the bundle counts as current until one is newer', async () => {
    const info = JSON.parse(await readFile(join(dist, 'build.json'), 'utf8')) as { inputs: string[] };
    for (const f of ['cli/main.ts', 'grader/grade.ts', 'labs/faults/offcpu-lock.c', 'scenarios/ghost-load/scenario.yaml', 'scripts/build.mjs']) expect(info.inputs).toContain(f);
    expect(info.inputs.some((f) => f.includes('node_modules'))).toBe(false);
    expect(staleBundle(dist)).toBeUndefined();
    const old = new Date(Date.now() - 400 * 24 * 3600 * 1000);
    await utimes(join(dist, 'build.json'), old, old);
    expect(staleBundle(dist)).toMatch(/changed since the build \(run `npm run build`\)$/);
    expect(staleBundle(join(tmp, 'nowhere'))).toMatch(/^no build in /);
  });

  it('runs the CLI from the bundle: same grade as from source', async () => {
    const example = join(ROOT, 'scenarios/ghost-load/examples/correct');
    const built = await run(join(dist, 'labctl.mjs'), ['grade', example, '--format', 'json'], { cwd: tmp });
    const source = await run(join(ROOT, 'bin/labctl.js'), ['grade', example, '--format', 'json'], { cwd: tmp, env: { LABCTL_SOURCE: '1' } });
    expect(built.code).toBe(0);
    expect(built.stdout).toBe(source.stdout);
    expect(JSON.parse(built.stdout).passed).toBe(true);
  });

  it('the help lists every command as the commands themselves describe it', async () => {
    const program = newProgram();
    await registerGroups(program, Object.keys(GROUPS));
    const help = new Help();
    const real = Object.fromEntries(program.commands.map((c) => [c.name(), { term: help.subcommandTerm(c), summary: c.description() }]));
    expect(Object.fromEntries(Object.entries(GROUPS).map(([n, g]) => [n, { term: g.term, summary: g.summary }]))).toEqual(real);
    const out = await run(join(dist, 'labctl.mjs'), ['--help'], { cwd: tmp });
    for (const g of Object.values(GROUPS)) expect(out.stdout).toContain(g.term);
    expect(out.stdout).toContain('help [command]');
  });
});

describe('the lab-host file (dist/labctl-host.mjs)', () => {
  let host: string;
  let state: string;
  const SECRET = 'host-bundle-secret';
  beforeAll(async () => {
    // alone in a folder, far from the checkout and any node_modules, as on a lab host
    host = join(tmp, 'usr-local-bin', 'labctl');
    await mkdir(join(tmp, 'usr-local-bin'));
    await copyFile(join(dist, 'labctl-host.mjs'), host);
    state = join(tmp, 'state');
    await mkdir(join(state, 'ghost-load'), { recursive: true });
  });

  it('starts with a shebang and carries the scenarios: hint works without scenarios/ or node_modules', async () => {
    expect((await readFile(host, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const out = await run(host, ['hint', 'ghost-load'], { cwd: tmp, env: { LABCTL_STATE_DIR: state } });
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain(`hint 1/${loadScenario('ghost-load').hints.length}: ${loadScenario('ghost-load').hints[0]}`);
    const list = await run(host, ['scenarios', 'list'], { cwd: tmp });
    for (const id of ['fsync-latency', 'ghost-load', 'offcpu-lock']) expect(list.stdout).toContain(id);
  });

  it('self-check and submit work, and the bundle it signs verifies', async () => {
    const ana = manifestFor(SECRET, 'ana', 'ghost-load');
    await writeFile(join(state, 'ghost-load', 'lab-manifest.json'), JSON.stringify(ana));
    await writeFile(join(state, 'learner.key'), `${learnerKey(SECRET, 'ana')}\n`);
    const { dir } = await ghostLoadWork(join(tmp, 'work'), ana);
    const env = { LABCTL_STATE_DIR: state };
    const check = await run(host, ['self-check', 'ghost-load', '--dir', dir], { cwd: tmp, env });
    const fromSource = await run(join(ROOT, 'bin/labctl.js'), ['self-check', 'ghost-load', '--dir', dir], { cwd: tmp, env: { ...env, LABCTL_SOURCE: '1' } });
    expect(check.stderr).toBe('');
    expect(check.stdout).toMatch(/^self-check: Ghost load/);
    // each run is counted (the count goes into the submission): the first says 1, the second 2
    const uncounted = (t: string) => t.replace(/self-check \d+ for/, 'self-check N for');
    expect([check.code, uncounted(check.stdout)]).toEqual([fromSource.code, uncounted(fromSource.stdout)]);
    const sub = await run(host, ['submit', 'ghost-load', '--dir', dir, '--out', join(tmp, 'handin')], { cwd: tmp, env: { ...env } });
    expect(sub.stderr).toBe('');
    const file = sub.stdout.match(/^bundle: (\S+) /)![1];
    const x = join(tmp, 'x');
    await mkdir(x);
    await (await import('tar')).extract({ file: join(tmp, file), cwd: x });
    expect((await verifyBundle(x, { classSecret: SECRET })).status).toBe('verified');
  });

  it('lab status and lab tools run; instructor-only commands say what is missing', async () => {
    const status = await run(host, ['lab', 'status'], { cwd: tmp, env: { LABCTL_STATE_DIR: state } });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const tools = await run(host, ['lab', 'tools'], { cwd: tmp, env: { LABCTL_STATE_DIR: state } });
    expect(tools.stderr).not.toMatch(/bug in labctl|Cannot find (module|package)/);
    const classroom = await run(host, ['classroom', 'cost', '-c', 'x.yaml'], { cwd: tmp });
    expect(classroom.code).toBe(2);
    expect(classroom.stderr).toMatch(/this command needs \S+, which the lab-host build of labctl leaves out/);
  });
});

describe('scenarios built in', () => {
  it('carry exactly what the loader validates from scenario.yaml', async () => {
    const { readScenarioDir, SCENARIOS_DIR, listScenarioIds } = await import('../scenarios/load.ts');
    const compiled = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/compile-scenarios.ts')], { cwd: ROOT, encoding: 'utf8' })) as Record<string, { 'scenario.yaml': string; scenario?: unknown }>;
    expect(Object.keys(compiled).sort()).toEqual(listScenarioIds());
    for (const id of listScenarioIds()) {
      expect(compiled[id]['scenario.yaml']).toBe(await readFile(join(SCENARIOS_DIR, id, 'scenario.yaml'), 'utf8'));
      expect(compiled[id].scenario).toEqual(readScenarioDir(join(SCENARIOS_DIR, id)).scenario);
    }
  });
});

/** Every example submission folder of every scenario. */
function exampleSubmissions(): string[] {
  const out: string[] = [];
  for (const id of readdirSync(join(ROOT, 'scenarios'))) {
    const examples = join(ROOT, 'scenarios', id, 'examples');
    if (!existsSync(join(ROOT, 'scenarios', id, 'scenario.yaml')) || !existsSync(examples)) continue;
    for (const ex of readdirSync(examples)) if (statSync(join(examples, ex)).isDirectory()) out.push(join(examples, ex));
  }
  return out;
}

/** Runs jobs `n` at a time (the machine has two cores; one process per grade). */
async function pooled<T>(jobs: (() => Promise<T>)[], n = 3): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  }));
  return out;
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('the grade start-up snapshot (dist/snapshot)', () => {
  let blob: string;
  /** `labctl grade ...` started from the snapshot, as bin/labctl starts it */
  const fromSnapshot = (args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; root?: string }) => run('--no-rehash-snapshot', ['--snapshot-blob', blob, opts.root ?? ROOT, 'grade', ...args], opts);
  const plain = (args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) => run(join(dist, 'labctl.mjs'), ['grade', ...args], opts);

  beforeAll(async () => {
    blob = join(dist, 'snapshot', 'labctl.blob');
    // the first test of this file made the build look older than its sources
    await utimes(join(dist, 'build.json'), new Date(), new Date());
  });

  it('is built for the node that built it, and the launcher is told which one', async () => {
    expect(existsSync(blob)).toBe(true);
    expect(await readFile(join(dist, 'snapshot', 'node'), 'utf8')).toBe(`${process.execPath}\n${process.version} --no-rehash-snapshot\n`);
    const started = await fromSnapshot(['--help'], { cwd: tmp, env: { LABCTL_DEBUG: '1' } });
    expect(started.stderr).toBe('labctl: starting from the snapshot\n');
    expect(started.stdout).toContain('Usage: labctl grade [options] [submission]');
  });

  it('grades every example submission exactly as the plain bundle does: output, errors, exit code', async () => {
    const cases = exampleSubmissions().flatMap((ex) => ['text', 'json'].map((format) => [ex, '--format', format]));
    cases.push(...['markdown', 'junit'].map((format) => [join(ROOT, 'scenarios/offcpu-lock/examples/partial'), '--format', format]));
    expect(cases.length).toBeGreaterThanOrEqual(28);
    const results = await pooled(cases.map((args) => async () => ({ args, snap: await fromSnapshot(args, { cwd: tmp }), plain: await plain(args, { cwd: tmp }) })));
    for (const r of results) expect(r.snap, r.args.join(' ')).toEqual(r.plain);
    // not all alike: passes, fails and their reasons went through it
    expect(new Set(results.map((r) => r.plain.code))).toEqual(new Set([0, 1]));
  }, 600_000);

  it('grades submissions it never saw alike: new answer words, a .tar.gz, an ungradable folder, a missing path', async () => {
    const fresh = join(tmp, 'fresh');
    await cp(join(ROOT, 'scenarios/ghost-load/examples/correct'), fresh, { recursive: true });
    const answers = await readFile(join(fresh, 'answers.yaml'), 'utf8');
    await writeFile(
      join(fresh, 'answers.yaml'),
      answers.replace(/root_cause: >[\s\S]*?(?=\nfix:)/, 'root_cause: >\n  Kubelet-style watchdog zqx spawns curl again and again; each exits quickly, so sampling tools miss them but the load average climbs.'),
    );
    const archive = join(tmp, 'partial.tar.gz');
    await (await import('tar')).create({ gzip: true, file: archive, cwd: join(ROOT, 'scenarios/offcpu-lock/examples/partial') }, readdirSync(join(ROOT, 'scenarios/offcpu-lock/examples/partial')));
    const empty = join(tmp, 'empty-submission');
    await mkdir(empty);
    for (const args of [[fresh], [fresh, '--format', 'json'], [archive], [empty], [join(tmp, 'no-such-thing')], ['--scenario', 'nope', fresh]]) {
      const snap = await fromSnapshot(args, { cwd: tmp });
      expect(snap, args.join(' ')).toEqual(await plain(args, { cwd: tmp }));
    }
    expect((await fromSnapshot([empty], { cwd: tmp })).code).toBe(2);
  }, 120_000);

  it.skipIf(!hasScript)('on a terminal too: colours are decided by the run, not by the build', async () => {
    // `script` gives the command a terminal; the snapshot was built without one
    const onTty = (cmd: string) => execFileSync('script', ['-qec', cmd, '/dev/null'], { cwd: tmp, env: { PATH: process.env.PATH, HOME: tmp, TERM: 'xterm' }, encoding: 'utf8' }).toString();
    const sh = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const ex = join(ROOT, 'scenarios/ghost-load/examples/correct');
    const snap = onTty(`${sh(process.execPath)} --no-rehash-snapshot --snapshot-blob ${sh(blob)} ${sh(ROOT)} grade ${sh(ex)}; ${sh(process.execPath)} --no-rehash-snapshot --snapshot-blob ${sh(blob)} ${sh(ROOT)} grade /no/such/submission; true`);
    const plainOut = onTty(`${sh(process.execPath)} ${sh(join(dist, 'labctl.mjs'))} grade ${sh(ex)}; ${sh(process.execPath)} ${sh(join(dist, 'labctl.mjs'))} grade /no/such/submission; true`);
    expect(snap).toContain('\x1b[31merror:\x1b[39m');
    expect(snap).toBe(plainOut);
  }, 60_000);

  it('runs the plain way, same result, from a moved checkout or when a source is newer than the build', async () => {
    const ex = join(ROOT, 'scenarios/ghost-load/examples/wrong');
    const expected = await plain([ex], { cwd: tmp });
    // a checkout somewhere else: its bin/ (here a link to this one's) runs the command
    const moved = join(tmp, 'moved-checkout');
    await mkdir(moved);
    await symlink(join(ROOT, 'bin'), join(moved, 'bin'));
    const fromMoved = await fromSnapshot([ex], { cwd: tmp, root: moved, env: { LABCTL_DEBUG: '1' } });
    expect(fromMoved.stderr).toMatch(new RegExp(`^labctl: not starting from the snapshot: built for ${ROOT}, run from ${moved}\\n`));
    expect([fromMoved.code, fromMoved.stdout]).toEqual([expected.code, expected.stdout]);
    const old = new Date(Date.now() - 400 * 24 * 3600 * 1000);
    await utimes(join(dist, 'build.json'), old, old);
    try {
      const stale = await fromSnapshot([ex], { cwd: tmp, env: { LABCTL_DEBUG: '1' } });
      expect(stale.stderr).toMatch(/^labctl: not starting from the snapshot: \S+ changed since the build/);
      expect([stale.code, stale.stdout]).toEqual([expected.code, expected.stdout]);
    } finally {
      await utimes(join(dist, 'build.json'), new Date(), new Date());
    }
  }, 120_000);
});

describe('bin/labctl, the launcher npm links', () => {
  const launcher = join(ROOT, 'bin/labctl');
  const launch = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(launcher, args, { cwd: tmp, env: { PATH: process.env.PATH, HOME: tmp, NO_COLOR: '1', LABCTL_DEBUG: '1', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  const ex = join(ROOT, 'scenarios/offcpu-lock/examples/correct');
  // what this checkout's own build holds decides which way grade starts; both ways are checked
  const snapshotHere = existsSync(join(ROOT, 'dist/snapshot/labctl.blob')) && staleBundle() === undefined;

  it('is what package.json links as labctl, and runs every other command through bin/labctl.js', async () => {
    expect(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).bin).toEqual({ labctl: 'bin/labctl' });
    const help = await launch(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: labctl');
    expect(help.stderr).toBe('');
  });

  it(snapshotHere ? 'grade starts from the snapshot, and not with grade --batch or LABCTL_SOURCE=1' : 'with no current snapshot in dist/, grade says so and runs the plain way', async () => {
    const plainRun = await run(join(ROOT, 'bin/labctl.js'), ['grade', ex], { cwd: tmp });
    const r = await launch(['grade', ex]);
    expect([r.code, r.stdout]).toEqual([plainRun.code, plainRun.stdout]);
    expect(r.stderr).toMatch(snapshotHere ? /^labctl: starting from the snapshot\n$/ : /^labctl: not starting from the snapshot: /);
    if (!snapshotHere) return;
    expect((await launch(['grade', '--batch', join(tmp, 'none')])).stderr).toMatch(/^labctl: not starting from the snapshot: grade --batch starts worker threads\n/);
    expect((await launch(['grade', ex], { LABCTL_SOURCE: '1' })).stderr).toMatch(/^labctl: not starting from the snapshot: LABCTL_SOURCE=1\n/);
  }, 120_000);

  it.skipIf(!snapshotHere)('another node first on PATH: grade runs the plain way with it, same result', async () => {
    const bin = join(tmp, 'other-node');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'node'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} "$@"\n`, { mode: 0o755 });
    const r = await launch(['grade', ex], { PATH: `${bin}:${process.env.PATH}` });
    expect(r.stderr).toMatch(new RegExp(`^labctl: not starting from the snapshot: node on PATH \\(${bin}/node\\) is not ${process.execPath}, which built it\\n`));
    const plainRun = await run(join(ROOT, 'bin/labctl.js'), ['grade', ex], { cwd: tmp });
    expect([r.code, r.stdout]).toEqual([plainRun.code, plainRun.stdout]);
  }, 60_000);
});
