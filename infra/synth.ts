import { App } from 'cdktf';
import { join, resolve } from 'node:path';
import { durationMinutes, type Classroom } from './classroom-schema.ts';
import { ClassroomStack } from './classroom-stack.ts';

export const DEFAULT_OUTDIR = 'cdktf.out';

export interface SynthResult {
  /** Directory holding `cdk.tf.json`: where terraform runs. */
  stackDir: string;
  stackFile: string;
  stack: ClassroomStack;
  expiresAt: Date;
}

/** A class that starts now ends `ttl` later, on the minute (so the schedule and the VMs agree to the second). */
export function expiryFromNow(c: Classroom, now = new Date()): Date {
  const end = now.getTime() + durationMinutes(c.ttl) * 60_000;
  return new Date(Math.ceil(end / 60_000) * 60_000);
}

/**
 * Synthesizes one classroom into `<outdir>/stacks/<name>/cdk.tf.json` (plain Terraform JSON, usable without
 * cdktf-cli). `expiresAt` defaults to now + ttl; deploy passes the recorded expiry of a running class.
 */
export function synthClassroom(classroom: Classroom, outdir = DEFAULT_OUTDIR, opts: { expiresAt?: Date } = {}): SynthResult {
  const absOut = resolve(outdir);
  const expiresAt = opts.expiresAt ?? expiryFromNow(classroom);
  const app = new App({ outdir: absOut, stackTraces: false });
  const stack = new ClassroomStack(app, classroom.name, classroom, { expiresAt });
  app.synth();
  const stackDir = join(absOut, 'stacks', classroom.name);
  return { stackDir, stackFile: join(stackDir, 'cdk.tf.json'), stack, expiresAt };
}
