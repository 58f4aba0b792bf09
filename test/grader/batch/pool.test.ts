import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeAll } from '../../../grader/batch/pool.ts';
import type { BatchTask } from '../../../grader/batch/types.ts';
import { bundledWorkerScript, tsxWorkerScript, workerScript } from '../../../grader/batch/worker-script.ts';
import { staleBundle } from '../../../core/build-state.mjs';
import { ghostLoadWork, manifestFor } from '../provenance/learner-lab.ts';

let tmp: string;
let tasks: BatchTask[];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'labctl-pool-'));
  tasks = [];
  for (const [i, learner] of ['ana', 'ben', 'cy', 'dee', 'eve'].entries()) {
    const m = manifestFor('pool-secret', learner, 'ghost-load');
    const { dir } = await ghostLoadWork(tmp, m);
    await writeFile(join(dir, 'lab-manifest.json'), JSON.stringify(m));
    tasks.push({ id: 100 + i, path: dir, entry: `work-${learner}` });
  }
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const summary = (rs: Awaited<ReturnType<typeof gradeAll>>) => rs.map((r) => [r.id, r.learner, r.report.gradable, r.report.score]);

describe('gradeAll', () => {
  it('grades on worker threads, in task order, the same as in this thread', async () => {
    const script = await workerScript();
    // the worker built at install when current, else bundled for this run
    expect(script.kind).toBe(staleBundle() === undefined ? 'built' : 'bundle');
    const seen: number[] = [];
    const pooled = await gradeAll(tasks, { jobs: 2, onResult: (_r, done) => seen.push(done) });
    const inline = await gradeAll(tasks, { jobs: 0 });
    expect(summary(pooled)).toEqual(summary(inline));
    expect(pooled.map((r) => r.learner)).toEqual(['ana', 'ben', 'cy', 'dee', 'eve']);
    expect(pooled.every((r) => r.report.gradable)).toBe(true);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('by default grades a small batch in this thread, several in flight, with the same results in task order', async () => {
    const seen: number[] = [];
    const concurrent = await gradeAll(tasks, { onResult: (_r, done) => seen.push(done) });
    const inline = await gradeAll(tasks, { jobs: 0 });
    expect(summary(concurrent)).toEqual(summary(inline));
    expect(concurrent.map((r) => JSON.stringify(r.report))).toEqual(inline.map((r) => JSON.stringify(r.report)));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs workers bundled at run time (the developer loop: sources newer than the build)', async () => {
    const script = await bundledWorkerScript();
    expect(script.kind).toBe('bundle');
    const pooled = await gradeAll(tasks.slice(0, 2), { jobs: 1, script });
    expect(pooled.map((r) => [r.learner, r.report.gradable])).toEqual([
      ['ana', true],
      ['ben', true],
    ]);
  });

  it('also runs workers started through tsx (the fallback without esbuild)', async () => {
    const pooled = await gradeAll(tasks.slice(0, 2), { jobs: 1, script: tsxWorkerScript() });
    expect(pooled.map((r) => [r.learner, r.report.gradable])).toEqual([
      ['ana', true],
      ['ben', true],
    ]);
  });

  it('turns a worker crash into an ungradable result for its tasks and carries on with new workers', async () => {
    const crashy = join(tmp, 'crashy.mjs');
    await writeFile(crashy, "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage({ ready: true });\nparentPort.on('message', () => { throw new Error('boom in worker'); });\n");
    const rs = await gradeAll(tasks.slice(0, 3), { jobs: 1, script: { url: pathToFileURL(crashy), kind: 'tsx' } });
    expect(rs).toHaveLength(3);
    for (const r of rs) {
      expect(r.report.gradable).toBe(false);
      expect(r.report.notes?.[0]).toMatch(/the grader crashed on it: .*boom in worker/);
    }
  });

  it('gives up with an error when workers cannot even start', async () => {
    const broken = join(tmp, 'broken.mjs');
    await writeFile(broken, 'throw new Error("cannot start");\n');
    await expect(gradeAll(tasks, { jobs: 1, script: { url: pathToFileURL(broken), kind: 'tsx' } })).rejects.toThrow(/grading workers keep failing: cannot start/);
  });
});
