import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from '../../grader/grade.ts';
import type { Facts, LabManifest } from '../../grader/manifest.ts';
import type { GradeReport } from '../../grader/report/types.ts';
import { sealManifest } from '../../grader/sealed-manifest.ts';
import { listScenarioIds, loadScenario, SCENARIOS_DIR } from '../../scenarios/load.ts';
import { DEFAULT_SEED, variantFacts, type ScenarioId } from '../../scenarios/variants.ts';
import { CAPTURES } from './provenance/learner-lab.ts';

/**
 * Self-check and `lab check` grade against the sealed manifest a lab host keeps. Their evidence verdicts
 * must be exactly those a plaintext manifest gives, on the same real captures: the right lab's and other
 * labs' (whose names the captures do not show).
 */

const work = await mkdtemp(join(tmpdir(), 'labctl-sealed-grading-'));
afterAll(() => rm(work, { recursive: true, force: true }));

const SEEDS = [DEFAULT_SEED, 'vm', 's1', 's2', 's3', 'class-ana', 'class-ben'];

function manifestOf(scenario: ScenarioId, seed: string, facts = variantFacts(scenario, seed)): LabManifest {
  return { scenario, seed, learner: 'ana', host: 'lab-ana', createdAt: '2026-11-25T09:00:00.000Z', expiresAt: '2026-11-25T10:00:00.000Z', facts };
}

let n = 0;
/** Grades `dir` twice: with the plaintext manifest and with its sealed form (no class secret). */
async function both(dir: string, m: LabManifest): Promise<{ plain: GradeReport; sealed: GradeReport }> {
  const id = ++n;
  const plainPath = join(work, `plain-${id}.json`);
  const sealedPath = join(work, `sealed-${id}.json`);
  await writeFile(plainPath, JSON.stringify(m));
  await writeFile(sealedPath, JSON.stringify(sealManifest(m, loadScenario(m.scenario))));
  return {
    plain: await gradeSubmission(dir, { scenario: m.scenario, manifestPath: plainPath }),
    sealed: await gradeSubmission(dir, { scenario: m.scenario, manifestPath: sealedPath }),
  };
}

const evidence = (r: GradeReport) => r.checks.filter((c) => c.kind === 'evidence').map((c) => ({ id: c.id, status: c.status, points: c.points, message: c.message }));

/** Submission folders made of real captures: every scenario's examples, and captures from this machine and the VM. */
async function fixtureSets(): Promise<{ name: string; scenario: ScenarioId; dir: string; recorded?: Facts }[]> {
  const out: { name: string; scenario: ScenarioId; dir: string; recorded?: Facts }[] = [];
  for (const scenario of listScenarioIds() as ScenarioId[]) {
    const root = join(SCENARIOS_DIR, scenario, 'examples');
    for (const e of await readdir(root, { withFileTypes: true })) if (e.isDirectory()) out.push({ name: `${scenario}/${e.name}`, scenario, dir: join(root, e.name) });
  }
  const set = async (name: string, scenario: ScenarioId, files: string[], answers: string, recorded: Facts) => {
    const dir = join(work, name);
    for (const f of files) await cp(join(CAPTURES, f), join(dir, f));
    await writeFile(join(dir, 'answers.yaml'), answers);
    out.push({ name, scenario, dir, recorded });
  };
  await set('vm-ghost-load', 'ghost-load', ['execsnoop-bcc-t-vm-ghostload.txt', 'tcpconnect-libbpf-t-vm.txt'], 'culprit_command: curl\nparent_process: liveness.sh\n', variantFacts('ghost-load', 'vm'));
  await set('vm-offcpu-lock', 'offcpu-lock', ['offcputime-bcc-f-vm-offcpulock.txt', 'runqlat-libbpf-m-mutex.txt'], 'process: invoiced\nhot_function: refresh_prices\n', variantFacts('offcpu-lock', 'vm'));
  await set('host-offcpu-lock', 'offcpu-lock', ['offcputime-libbpf-mutex.txt', 'runqlat-libbpf-interval-mutex.txt'], 'process: ledgerd\nhot_function: update_ledger\n', { process_comm: 'ledgerd', hot_function: 'update_ledger', threads: 4 });
  await set('host-fsync', 'fsync-latency', ['syscount-libbpf-L-fsyncapp.txt', 'biolatency-libbpf-D-dsync.txt', 'opensnoop-bpftrace-curlloop.txt'], 'process: python3\nfile: journal.log\n', { process_comm: 'python3', file_name: 'journal.log' });
  return out;
}

describe('grading against a sealed manifest (what self-check and lab check do on a lab host)', async () => {
  const sets = await fixtureSets();

  it.each(sets.map((s) => [s.name, s] as const))('%s: the same evidence verdicts as the plaintext manifest, for its own lab and six others', async (_name, s) => {
    const variants = SEEDS.map((seed) => manifestOf(s.scenario, seed));
    // the lab the captures were recorded on: its names, so the evidence can pass
    if (s.recorded) variants.push(manifestOf(s.scenario, 'recorded', { ...variantFacts(s.scenario, DEFAULT_SEED), ...s.recorded }));
    let passedSomewhere = false;
    for (const m of variants) {
      const { plain, sealed } = await both(s.dir, m);
      expect(sealed.gradable, `${s.name} seed ${m.seed}`).toBe(plain.gradable);
      expect(evidence(sealed), `${s.name} seed ${m.seed}`).toEqual(evidence(plain));
      if (evidence(plain).some((c) => c.status === 'pass')) passedSomewhere = true;
      // answers: a name that hashes alike grades as in the clear; one that matches nothing is left for review, never failed or passed blind
      for (const c of sealed.checks.filter((x) => x.kind === 'answer')) {
        const p = plain.checks.find((x) => x.id === c.id)!;
        if (c.status !== p.status) {
          expect(c.status, `${s.name} ${m.seed} ${c.id}: ${p.status} in the clear`).toBe('review');
          expect(p.status).not.toBe('pass');
        } else expect(c.points).toBe(p.points);
      }
    }
    expect(passedSomewhere, `${s.name}: no lab where any evidence passes: the comparison proves little`).toBe(true);
  });

  it('the sealed file names none of the facts it stands for', async () => {
    const m = manifestOf('offcpu-lock', 'vm');
    const text = JSON.stringify(sealManifest(m, loadScenario('offcpu-lock')));
    for (const v of [m.seed, m.facts.process_comm, m.facts.hot_function]) expect(text).not.toContain(String(v));
  });

  it('a plaintext fact is resolved from the answer when the captures lack it: a right answer passes, a wrong one goes to review', async () => {
    const s = sets.find((x) => x.name === 'vm-ghost-load')!;
    const m = manifestOf('ghost-load', 'vm');
    const { sealed } = await both(s.dir, m);
    expect(sealed.checks.find((c) => c.id === 'parent-answer')?.status).toBe('pass');
    const wrong = join(work, 'vm-ghost-load-wrong');
    await cp(s.dir, wrong, { recursive: true });
    await writeFile(join(wrong, 'answers.yaml'), `${await readFile(join(s.dir, 'answers.yaml'), 'utf8')}`.replace('liveness.sh', 'livenes.sh'));
    const r = await both(wrong, m);
    expect(r.plain.checks.find((c) => c.id === 'parent-answer')?.status).toBe('pass'); // a one-letter typo, in the clear
    const sealedCheck = r.sealed.checks.find((c) => c.id === 'parent-answer')!;
    expect(sealedCheck.status).toBe('review');
    expect(r.sealed.notes?.join('\n')).toMatch(/is sealed .*left for review/);
  });
});
