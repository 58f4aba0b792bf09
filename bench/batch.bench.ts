// Batch grading throughput (issue 5): 200 submissions graded with `labctl grade --batch`'s code on worker
// threads, against the same 200 graded one after another in this thread. Target: >= 50 submissions/s
// on 2 cores. The templates are the bundled examples (scenarios/*/examples/*/ with answers.yaml) when
// there are any, else signed bundles made from the real captures in test/fixtures/captures; each copy
// gets its own learner id.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create as createTar } from 'tar';
import { gradeAll, defaultJobs } from '../grader/batch/pool.ts';
import type { BatchTask } from '../grader/batch/types.ts';
import { createBundle } from '../grader/provenance/bundle.ts';
import { learnerKey } from '../grader/provenance/key.ts';
import { deriveSeed, variantFacts } from '../scenarios/variants.ts';

const N = 200;
const TARGET_PER_SEC = 50;
const SECRET = 'bench-secret';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function exampleFolders(): string[] {
  const out: string[] = [];
  for (const id of ['ghost-load', 'offcpu-lock', 'fsync-latency']) {
    const dir = join(ROOT, 'scenarios', id, 'examples');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) if (existsSync(join(dir, name, 'answers.yaml'))) out.push(join(dir, name));
  }
  return out;
}

/** One submission folder per learner: a copy of a template with `learner:` set in answers.yaml. */
async function makeSubmissions(work: string): Promise<{ tasks: BatchTask[]; source: string }> {
  const batch = join(work, 'batch');
  mkdirSync(batch, { recursive: true });
  const templates = exampleFolders();
  const tasks: BatchTask[] = [];
  for (let i = 0; i < N; i++) {
    const learner = `learner-${String(i).padStart(3, '0')}`;
    const dir = join(work, 'src', learner);
    if (templates.length) {
      cpSync(templates[i % templates.length], dir, { recursive: true });
      const answers = readFileSync(join(dir, 'answers.yaml'), 'utf8').replace(/^learner:.*\n?/m, '');
      writeFileSync(join(dir, 'answers.yaml'), `learner: ${learner}\n${answers}`);
      const file = join(batch, `${learner}.tar.gz`);
      await createTar({ gzip: true, file, cwd: dir, portable: true }, readdirSync(dir));
      tasks.push({ id: i, path: file, entry: `${learner}.tar.gz`, classSecret: SECRET });
    } else {
      const seed = deriveSeed(SECRET, learner, 'ghost-load');
      const facts = variantFacts('ghost-load', seed);
      mkdirSync(dir, { recursive: true });
      const capture = readFileSync(join(ROOT, 'test/fixtures/captures/execsnoop-libbpf-t-curlloop.txt'), 'utf8').replaceAll('http://127.0.0.1:18080/health', String(facts.url));
      writeFileSync(join(dir, 'execsnoop.txt'), capture);
      writeFileSync(join(dir, 'answers.yaml'), `culprit_command: curl\nparent_process: ${facts.parent_comm}\nrate_per_second: 4\nroot_cause: a loop spawns short-lived processes; top samples miss them\nfix: sleep longer between checks\n`);
      const manifestPath = join(work, 'src', `${learner}.json`);
      const now = new Date('2026-11-25T10:00:00Z');
      writeFileSync(manifestPath, JSON.stringify({ scenario: 'ghost-load', seed, learner, createdAt: now.toISOString(), expiresAt: now.toISOString(), facts }));
      const res = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, learner), out: batch, now });
      tasks.push({ id: i, path: res.file, entry: res.file.split('/').pop()!, classSecret: SECRET });
    }
  }
  return { tasks, source: templates.length ? `${templates.length} bundled example(s)` : 'signed bundles from test/fixtures/captures (no bundled examples yet)' };
}

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'labctl-bench-batch-'));
  try {
    const { tasks, source } = await makeSubmissions(work);
    console.log(`   ${N} submissions from ${source}`);
    await gradeAll(tasks.slice(0, 5), { jobs: 0 }); // warm-up: module loading is not grading

    let t0 = performance.now();
    const serial = await gradeAll(tasks, { jobs: 0 });
    const serialSec = (performance.now() - t0) / 1000;

    // What `labctl grade --batch` does by default (in-thread concurrency below 400 submissions)...
    t0 = performance.now();
    const pooled = await gradeAll(tasks);
    const pooledSec = (performance.now() - t0) / 1000;
    // ...and what `--jobs N` forces: worker threads, start-up included.
    const jobs = defaultJobs();
    t0 = performance.now();
    const workers = await gradeAll(tasks, { jobs });
    const workersSec = (performance.now() - t0) / 1000;

    const gradable = pooled.filter((r) => r.report.gradable).length;
    const same = [pooled, workers].every((set) => set.every((r, i) => JSON.stringify(r.report) === JSON.stringify(serial[i].report)));
    const rate = N / pooledSec;
    console.log(`   one at a time:        ${(N / serialSec).toFixed(1)} submissions/s (${(serialSec * 1000 / N).toFixed(1)} ms each)`);
    console.log(`   default (--batch):    ${rate.toFixed(1)} submissions/s (8 in flight in one thread); ratio ${(serialSec / pooledSec).toFixed(2)}x`);
    console.log(`   --jobs ${jobs} (workers):   ${(N / workersSec).toFixed(1)} submissions/s (${workersSec.toFixed(2)} s incl. worker start-up); ratio ${(serialSec / workersSec).toFixed(2)}x`);
    console.log(`   ${gradable}/${N} gradable; reports identical across the three: ${same}`);
    console.log(`   target >= ${TARGET_PER_SEC}/s on 2 cores (default path): ${rate >= TARGET_PER_SEC ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
