import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
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
