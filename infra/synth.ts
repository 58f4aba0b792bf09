import { App } from 'cdktf';
import { join, resolve } from 'node:path';
import type { Classroom } from './classroom-schema.ts';
import { ClassroomStack } from './classroom-stack.ts';

export const DEFAULT_OUTDIR = 'cdktf.out';

export interface SynthResult {
  /** Directory holding `cdk.tf.json`: where terraform runs. */
  stackDir: string;
  stackFile: string;
  stack: ClassroomStack;
}

/**
 * Synthesizes one classroom into `<outdir>/stacks/<name>/cdk.tf.json` (plain Terraform JSON, usable without
 * cdktf-cli). Re-synthesizing rewrites the JSON only: `.terraform/` and a local `terraform.tfstate` next to
 * it survive, so deploy and destroy keep working on the same state.
 */
export function synthClassroom(classroom: Classroom, outdir = DEFAULT_OUTDIR): SynthResult {
  const absOut = resolve(outdir);
  const app = new App({ outdir: absOut, stackTraces: false });
  const stack = new ClassroomStack(app, classroom.name, classroom);
  app.synth();
  const stackDir = join(absOut, 'stacks', classroom.name);
  return { stackDir, stackFile: join(stackDir, 'cdk.tf.json'), stack };
}
