#!/usr/bin/env node
// Loads the TypeScript CLI through tsx's loader in this same process, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
