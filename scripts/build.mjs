// `npm run build` (also run by `npm install` through `prepare`): compiles the TypeScript into plain
// JavaScript with esbuild, so `labctl` starts without transpiling anything.
//
//   dist/labctl.mjs        the CLI (bin/labctl.js runs it); split into chunks, so a command loads only its own
//                          modules; heavy packages (CDKTF, AWS SDK, wink-nlp) stay in node_modules, imported
//                          only by the commands that use them
//   dist/grade-worker.mjs  the batch grader's worker thread (grader/batch/worker-script.ts starts it)
//   dist/labctl-host.mjs   one self-contained file for lab hosts (`lab setup` installs it as /usr/local/bin/labctl):
//                          no node_modules needed; instructor-only commands left out
//   both carry the scenarios, validated (scenarios/embedded.ts)
//   dist/snapshot/         `labctl grade`'s start-up snapshot (scripts/snapshot.mjs): the grader's code and the
//                          English language model already in the heap, for this machine's node only; bin/labctl
//                          starts grade from it when it fits, else runs dist/labctl.mjs as before
//   dist/build.json        written last: the source files the bundle came from (core/build-state.mjs compares
//                          their times with this file's to decide whether the bundle is current)
//
// Plain JavaScript on purpose: it runs at install time, before anything could transpile it.
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { atOwnLocation } from './at-own-location.mjs';
import { buildSnapshot } from './snapshot.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// `--out DIR` builds elsewhere (the tests do, to leave the checkout's dist/ alone)
const outAt = process.argv.indexOf('--out');
const DIST = outAt > 0 ? resolve(process.argv[outAt + 1]) : join(ROOT, 'dist');
const STAGE = `${DIST}.tmp-${process.pid}`;

/** Loaded from node_modules by the commands that need them (instructor machine only). */
const HEAVY = ['cdktf', '@cdktf/*', 'constructs', '@aws-sdk/*', 'wink-nlp', 'wink-eng-lite-web-model'];
/** Never bundled: esbuild carries a native binary; tsx is the from-source fallback. */
const TOOLS = ['esbuild', 'tsx'];

// CommonJS packages inside an ES module bundle need a real require for node: built-ins
const REQUIRE_BANNER = "import { createRequire as __labctlRequire } from 'node:module'; const require = __labctlRequire(import.meta.url);";

const isOurs = (path) => !path.includes(`${sep}node_modules${sep}`) && path.startsWith(ROOT);

/**
 * Our modules that find files next to themselves (`new URL('./x', import.meta.url)`) keep finding them: files
 * read whole at load time (the fault programs' C sources) are built in, and any other `import.meta.url` becomes
 * the module's own location, relative to the bundle, so a moved checkout still works.
 */
function sourceLocations(outdir) {
  return {
    name: 'source-locations',
    setup(b) {
      b.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
        if (!isOurs(args.path)) return undefined;
        let text = await readFile(args.path, 'utf8');
        const inlined = [];
        for (const m of text.matchAll(/readFileSync\(new URL\('(\.\/[^']+)', import\.meta\.url\), 'utf8'\)/g)) {
          inlined.push([m[0], JSON.stringify(await readFile(join(dirname(args.path), m[1]), 'utf8'))]);
        }
        for (const [from, to] of inlined) text = text.replace(from, to);
        const rel = relative(outdir, args.path).split(sep).join('/');
        text = atOwnLocation(text, `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        return { contents: text, loader: args.path.endsWith('.ts') ? 'ts' : 'js', watchFiles: [args.path] };
      });
    },
  };
}

/**
 * Scenario files and their validated form, built in (scripts/compile-scenarios.ts reads them with the
 * project's own loader): the CLI uses the validated form while scenario.yaml still has the same text, and the
 * lab-host file, with no scenarios/ folder beside it, reads the files from here.
 */
function embeddedScenarios() {
  const compiled = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/compile-scenarios.ts')], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return {
    name: 'embedded-scenarios',
    setup(b) {
      b.onLoad({ filter: /[\\/]scenarios[\\/]embedded\.ts$/ }, () => ({ contents: `export const EMBEDDED_SCENARIOS = ${compiled};`, loader: 'ts' }));
    },
  };
}

/**
 * zod's namespace object re-exports its 60-odd message locales, so none can be tree-shaken: about a third of
 * the CLI's start-up parse. labctl only speaks English (zod's default, which it loads itself).
 */
function zodEnglishOnly() {
  return {
    name: 'zod-english-only',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
        if (!/[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)) return undefined;
        return { path: join(args.resolveDir, '..', 'locales', 'index.js'), namespace: 'zod-locales' };
      });
      b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/** In the lab-host file, instructor-only packages become a module that explains, if it is ever reached. */
function instructorOnly() {
  const filter = /^(cdktf|constructs|@cdktf\/.+|@aws-sdk\/.+|esbuild|tsx)(\/.*)?$/;
  return {
    name: 'instructor-only',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'instructor-only' }));
      b.onLoad({ filter: /.*/, namespace: 'instructor-only' }, (args) => ({
        // CommonJS, so named imports of it build (and only fail if the command is ever run)
        contents: `module.exports = (() => { throw Object.assign(new Error(${JSON.stringify(`this command needs ${args.path}, which the lab-host build of labctl leaves out`)}), { hint: 'run it from a full install (a clone of ebpf-classroom after npm install)', exitCode: 2 }); })();`,
        loader: 'js',
      }));
    },
  };
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'external',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  absWorkingDir: ROOT,
};

const started = Date.now();
await rm(STAGE, { recursive: true, force: true });
const scenarios = embeddedScenarios();
const [cli, host] = await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: { labctl: 'cli/main.ts', 'grade-worker': 'grader/batch/worker.ts' },
    splitting: true,
    outdir: STAGE,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    external: [...HEAVY, ...TOOLS],
    banner: { js: REQUIRE_BANNER },
    plugins: [zodEnglishOnly(), scenarios, sourceLocations(DIST)],
  }),
  esbuild.build({
    ...common,
    entryPoints: ['cli/main.ts'],
    outfile: join(STAGE, 'labctl-host.mjs'),
    banner: { js: `#!/usr/bin/env node\n${REQUIRE_BANNER}` },
    plugins: [zodEnglishOnly(), scenarios, instructorOnly(), sourceLocations(DIST)],
  }),
]);

// not fatal: without it bin/labctl runs the plain bundle, as it does with another node
const snapshot = await buildSnapshot({ root: ROOT, stage: STAGE, common, plugins: [zodEnglishOnly(), scenarios, instructorOnly()] }).catch(async (err) => {
  console.warn(`labctl: no start-up snapshot (grade starts without it): ${err.message}`);
  await rm(join(STAGE, 'snapshot'), { recursive: true, force: true });
  return undefined;
});

const inputs = new Set();
for (const result of [cli, host, ...(snapshot ? [snapshot.result] : [])]) {
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = join(ROOT, input);
    if (isOurs(abs) && !input.includes(':')) inputs.add(relative(ROOT, abs).split(sep).join('/'));
  }
}
// the C sources built into the fault modules
for (const input of [...inputs]) {
  const text = await readFile(join(ROOT, input), 'utf8');
  for (const m of text.matchAll(/readFileSync\(new URL\('\.\/([^']+)', import\.meta\.url\), 'utf8'\)/g)) inputs.add(`${dirname(input)}/${m[1]}`);
}
inputs.add('scripts/build.mjs');
inputs.add('scripts/compile-scenarios.ts');
for (const id of await readdir(join(ROOT, 'scenarios'))) {
  if (await readFile(join(ROOT, 'scenarios', id, 'scenario.yaml')).catch(() => undefined)) inputs.add(`scenarios/${id}/scenario.yaml`);
}

await writeFile(join(STAGE, 'build.json'), `${JSON.stringify({ inputs: [...inputs].sort() }, null, 1)}\n`);
// swap in whole: a running labctl never sees half a build
await rm(DIST, { recursive: true, force: true });
await rename(STAGE, DIST);
await mkdir(DIST, { recursive: true });
const size = (r) => Object.entries(r.metafile.outputs).reduce((n, [file, o]) => n + (file.endsWith('.mjs') ? o.bytes : 0), 0);
console.log(`labctl: built dist/ in ${Date.now() - started} ms (cli ${Math.round(size(cli) / 1024)} KiB in chunks, lab-host file ${Math.round(size(host) / 1024)} KiB${snapshot ? `, grade snapshot ${Math.round(snapshot.blobBytes / 1048576)} MiB for node ${process.version}` : ''})`);
