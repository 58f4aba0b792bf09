// `npm run bench`: runs every bench/*.bench.ts in name order. Each prints its own ratio lines against a
// baseline measured in the same run, so numbers compare across machines. Benchmarks never fail the build.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

for (const file of files) {
  console.log(`\n== ${file.replace(/\.bench\.ts$/, '')}`);
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<void> };
    if (typeof mod.run !== 'function') throw new Error('does not export run()');
    await mod.run();
  } catch (err) {
    console.log(`   failed: ${(err as Error).message}`);
  }
}
