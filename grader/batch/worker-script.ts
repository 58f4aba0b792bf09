import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { staleBundle } from '../../core/build-state.mjs';

/**
 * How a grading worker thread is started. Workers do not inherit tsx's hooks, and loading ~100 TypeScript
 * modules through them takes each worker seconds. So workers run the worker built at install
 * (dist/grade-worker.mjs) when it is current; in the developer loop (sources newer than the build) the
 * worker's code is bundled once per run with esbuild into one plain ES module in the temp dir. When esbuild
 * is not there or that bundle fails, workers start through a small .mjs that registers tsx first: slower to
 * start, same results.
 */

const ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));
const BOOT = new URL('./worker-boot.mjs', import.meta.url);
const BUILT = new URL('../../dist/grade-worker.mjs', import.meta.url);

export interface WorkerScript {
  url: URL;
  workerData?: unknown;
  kind: 'built' | 'bundle' | 'tsx';
  /** why the bundle could not be used, for --verbose style diagnostics */
  why?: string;
}

let cached: Promise<WorkerScript> | undefined;

async function bundle(): Promise<WorkerScript> {
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // CommonJS packages inside an ES module bundle need a real require for node: built-ins
    banner: { js: "import { createRequire as __labctlRequire } from 'node:module'; const require = __labctlRequire(import.meta.url);" },
    plugins: [
      {
        // modules that find their data next to themselves (scenarios/load.ts) keep their own location
        name: 'keep-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, async (args) => ({
            contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  const code = result.outputFiles[0].text;
  const file = join(tmpdir(), `labctl-grade-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, code);
  await rename(tmp, file);
  return { url: pathToFileURL(file), kind: 'bundle' };
}

/** The script (and data) to start a grading worker with; computed once per process. */
export function workerScript(): Promise<WorkerScript> {
  if (staleBundle() === undefined) return Promise.resolve({ url: BUILT, kind: 'built' });
  cached ??= bundle().catch((err: Error) => ({ url: BOOT, workerData: { entry: pathToFileURL(ENTRY).href }, kind: 'tsx' as const, why: err.message }));
  return cached;
}

/** For tests: the worker bundled at run time, as in the developer loop. */
export function bundledWorkerScript(): Promise<WorkerScript> {
  return bundle();
}

/** For tests: the tsx-registering start, without the bundle. */
export function tsxWorkerScript(): WorkerScript {
  return { url: BOOT, workerData: { entry: pathToFileURL(ENTRY).href }, kind: 'tsx' };
}
