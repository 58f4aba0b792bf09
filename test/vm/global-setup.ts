import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { timing, vmToolsMissing } from '../support/vm.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    vmRun: string;
    vmSkip: string;
    /** the image directory (scripts/vm/build-image.sh), for tests that boot a VM of their own */
    vmImage: string;
  }
}

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Builds the VM image (cached by package versions) and boots it once for the suite, unless LABCTL_VM_RUN
 * names a VM that is already up (a RUN_DIR of scripts/vm/boot.sh: what `.ci/run` and a developer use).
 */
export default function setup(project: TestProject): (() => void) | undefined {
  const missing = vmToolsMissing();
  if (missing && !process.env.LABCTL_VM_RUN) {
    project.provide('vmSkip', missing);
    project.provide('vmRun', '');
    project.provide('vmImage', '');
    return undefined;
  }
  project.provide('vmSkip', '');
  if (process.env.LABCTL_VM_RUN) {
    project.provide('vmRun', process.env.LABCTL_VM_RUN);
    project.provide('vmImage', process.env.LABCTL_VM_IMAGE ?? '');
    return undefined;
  }
  let t = Date.now();
  const image = execFileSync('bash', [join(ROOT, 'scripts/vm/build-image.sh')], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
  timing('image (build or cache)', Date.now() - t);
  project.provide('vmImage', image);
  const run = mkdtempSync(join(tmpdir(), 'labctl-vm-'));
  t = Date.now();
  execFileSync('bash', [join(ROOT, 'scripts/vm/boot.sh'), image, run], { stdio: ['ignore', 'ignore', 'inherit'] });
  timing('boot to ssh', Date.now() - t);
  project.provide('vmRun', run);
  return () => {
    execFileSync('bash', [join(ROOT, 'scripts/vm/stop.sh'), run], { stdio: 'inherit' });
  };
}
