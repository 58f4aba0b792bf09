#!/usr/bin/env node
// Runs the plain-JavaScript build (dist/, made by `npm install` through `prepare`, or `npm run build`). From a
// checkout whose sources changed since that build (the developer loop), or with LABCTL_SOURCE=1, it runs the
// TypeScript sources through tsx in this same process instead: slower to start, same behaviour.
import { staleBundle } from '../core/build-state.mjs';

const why = staleBundle();
if (why === undefined) {
  await import('../dist/labctl.mjs');
} else {
  if (process.env.LABCTL_DEBUG) process.stderr.write(`labctl: running from source: ${why}\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
