// Whether the built bundle (dist/, made by `npm run build`, which `npm install` runs) may be used: it must
// exist and be newer than every source file it was built from (dist/build.json, written last by the build,
// lists them). Plain JavaScript, so `bin/labctl.js` can ask
// before anything is transpiled; the check is one stat per input (~200, a few milliseconds).
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root: this file sits in core/. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = `${ROOT}dist`;

/**
 * Why the bundle cannot be used (missing, older than a source file, forced off by LABCTL_SOURCE=1), or
 * undefined when it can.
 * @param {string} [dist] the build folder (default: dist/ of this checkout)
 * @returns {string | undefined}
 */
export function staleBundle(dist = DIST) {
  if (process.env.LABCTL_SOURCE === '1') return 'LABCTL_SOURCE=1 runs the TypeScript sources';
  let info;
  let builtMs;
  try {
    builtMs = statSync(`${dist}/build.json`).mtimeMs;
    info = JSON.parse(readFileSync(`${dist}/build.json`, 'utf8'));
  } catch {
    return `no build in ${dist} (run \`npm run build\`)`;
  }
  for (const input of info.inputs ?? []) {
    const st = statSync(ROOT + input, { throwIfNoEntry: false });
    if (!st) return `${input} is gone since the build (run \`npm run build\`)`;
    if (st.mtimeMs > builtMs) return `${input} changed since the build (run \`npm run build\`)`;
  }
  return undefined;
}
