// `labctl grade`'s start-up snapshot, built by scripts/build.mjs into dist/snapshot/:
//
//   labctl-snapshot.cjs  cli/snapshot.ts and everything `grade` runs, one CommonJS file (a snapshot's entry may
//                        only require node's built-ins)
//   labctl.blob          `node --build-snapshot` of it: the heap with the grader's code evaluated and the English
//                        language model loaded. Only the node binary that built it can start from it.
//   node                 that node binary's path (what bin/labctl compares with the `node` it would run), its
//                        version and the V8 flags the blob needs
//
// Plain JavaScript on purpose: it runs at install time, before anything could transpile it.
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { atOwnLocation } from './at-own-location.mjs';

/**
 * V8 flags the blob is built with; bin/labctl must start it with the same ones. Without rehashing, the strings
 * and tables in the heap keep the hash seed chosen (at random) when this blob was built, instead of all being
 * hashed again at every start: that is most of the language model's 90 000 words, and a third of the start.
 */
export const SNAPSHOT_FLAGS = ['--no-rehash-snapshot'];

/** The command groups the snapshot serves (bin/labctl sends only these to it); the others are left out. */
const SERVED = ['grade'];

/**
 * `import.meta.url` does not exist in CommonJS: each module gets its own source file's URL. The snapshot is
 * evaluated once, so these paths are the checkout's at build time; cli/snapshot.ts declines to run from a
 * checkout that has moved since.
 */
function ownSourceLocation() {
  return {
    name: 'own-source-location',
    setup(b) {
      b.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const text = atOwnLocation(await readFile(args.path, 'utf8'), JSON.stringify(pathToFileURL(args.path).href));
        return { contents: text, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/**
 * picocolors decides once, when it is loaded, whether to colour (NO_COLOR, FORCE_COLOR, a terminal): in the
 * snapshot that would be the build's decision. Here it decides again when the snapshot starts, for this run.
 */
function coloursPerRun() {
  return {
    name: 'colours-per-run',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]picocolors[\\/]picocolors\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        return {
          loader: 'js',
          contents: `const load = () => { const module = { exports: {} }; (function (module, exports) { ${source}\n })(module, module.exports); return module.exports; };
const pc = load();
const { startupSnapshot } = require('node:v8');
if (startupSnapshot.isBuildingSnapshot()) startupSnapshot.addDeserializeCallback(() => Object.assign(pc, load()));
module.exports = pc;`,
        };
      });
    },
  };
}

/**
 * wink's English model keeps the parsed JSON it was read from (and the JSON text itself sits in the bundle's
 * source) beside the model made from it: half the heap the snapshot would carry and every run deserialize.
 * Here the JSON is read from node_modules when the model is made, once, at build time, and then let go.
 */
function modelJsonNotKept() {
  return {
    name: 'model-json-not-kept',
    setup(b) {
      b.onLoad({ filter: /[\\/]wink-eng-lite-web-model[\\/]dist[\\/]read-core-model\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const json = join(args.path, '..', 'languages', 'cur', 'models', 'eng-core-web-model.json');
        const kept = 'const originalModel=require("./languages/cur/models/eng-core-web-model.json")';
        const copy = 'JSON.parse(JSON.stringify(originalModel))';
        if (!source.includes(kept) || !source.includes(copy)) throw new Error(`${args.path}: not the wink model reader this build knows (read-core-model.js changed)`);
        return {
          loader: 'js',
          contents: source.replace(kept, 'const originalModel=null').replace(copy, `JSON.parse(require("node:fs").readFileSync(${JSON.stringify(json)}, "utf8"))`),
        };
      });
    },
  };
}

/** Command groups the snapshot does not serve: left out of it (bin/labctl never sends them here). */
function servedGroupsOnly(root) {
  const commands = join(root, 'cli', 'commands');
  return {
    name: 'served-groups-only',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.ts$/ }, (args) => {
        if (args.importer !== join(root, 'cli', 'groups.ts')) return undefined;
        const name = args.path.slice('./commands/'.length, -'.ts'.length);
        return SERVED.includes(name) ? { path: join(commands, `${name}.ts`) } : { path: name, namespace: 'not-in-snapshot' };
      });
      b.onLoad({ filter: /.*/, namespace: 'not-in-snapshot' }, (args) => ({
        contents: `throw Object.assign(new Error(${JSON.stringify(`labctl's start-up snapshot has no ${args.path} commands`)}), { hint: 'run bin/labctl.js', exitCode: 2 });`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Builds the snapshot into `<stage>/snapshot/`. `plugins` are build.mjs's (English-only zod, the embedded
 * scenarios, instructor-only packages left out). Resolves with the esbuild result and the blob's size.
 */
export async function buildSnapshot({ root, stage, common, plugins }) {
  const dir = join(stage, 'snapshot');
  await mkdir(dir, { recursive: true });
  const entry = join(dir, 'labctl-snapshot.cjs');
  const blob = join(dir, 'labctl.blob');
  const result = await esbuild.build({
    ...common,
    sourcemap: false,
    entryPoints: [join(root, 'cli', 'snapshot.ts')],
    format: 'cjs',
    outfile: entry,
    plugins: [...plugins, servedGroupsOnly(root), coloursPerRun(), modelJsonNotKept(), ownSourceLocation()],
  });
  // its own folder as working directory, and no colour settings: nothing of the build's shell may matter.
  // A build that hangs is given up on (build.mjs goes on without a snapshot), not waited for by `npm install`.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  await promisify(execFile)(process.execPath, [...SNAPSHOT_FLAGS, '--snapshot-blob', blob, '--build-snapshot', entry], { cwd: dir, env, maxBuffer: 16 << 20, timeout: 300_000, killSignal: 'SIGKILL' });
  await writeFile(join(dir, 'node'), `${process.execPath}\n${process.version} ${SNAPSHOT_FLAGS.join(' ')}\n`);
  return { result, blobBytes: (await stat(blob)).size };
}
