import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { LabctlError } from '../core/errors.ts';

/**
 * A deployed class lives in its own folder, `<out>/classes/<name>/`: the exact Terraform JSON that was applied,
 * its local state, and `labctl-deployment.json` saying where and until when. `synth`, `validate` and `test` write
 * to `<out>/stacks/<name>/` and never touch it, and `destroy` runs terraform there on what was deployed, without
 * synthesizing again: an edited classroom.yaml (another region, a missing key file) cannot orphan running VMs.
 */

export const RECORD_FILE = 'labctl-deployment.json';
/** A destroyed class's record, kept for the history; it no longer pins the region or the name. */
export const RETIRED_RECORD_FILE = 'labctl-deployment.destroyed.json';

export interface DeploymentRecord {
  class: string;
  region: string;
  /** classroom.yaml it was deployed from (absolute), to recognise a renamed class */
  configFile: string;
  /** absolute class expiry (ISO); later deploys keep it unless --renew */
  expiresAt: string;
  deployedAt: string;
  /** where the state is: the local file in this folder, or the S3 backend */
  state: string;
}

export function classDir(outdir: string, name: string): string {
  return join(resolve(outdir), 'classes', name);
}

export function readRecord(dir: string): DeploymentRecord | null {
  const file = join(dir, RECORD_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DeploymentRecord;
  } catch (err) {
    throw new LabctlError(`${file}: not a deployment record (${(err as Error).message})`, 'it is written by labctl classroom deploy; restore it from a backup');
  }
}

/** Written before terraform applies anything, so even a half-applied class can be destroyed. Atomic. */
export function writeRecord(dir: string, record: DeploymentRecord): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, RECORD_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** After a successful destroy: the class may be deployed again anywhere, under any name. */
export function retireRecord(dir: string): void {
  renameSync(join(dir, RECORD_FILE), join(dir, RETIRED_RECORD_FILE));
}

/** Puts the synthesized stack into the class folder (the stack terraform will apply and destroy later). */
export function installStack(stackFile: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync(stackFile, join(dir, 'cdk.tf.json.tmp'));
  renameSync(join(dir, 'cdk.tf.json.tmp'), join(dir, 'cdk.tf.json'));
}

/** Other deployed classes that came from the same classroom.yaml: a renamed class. */
export function recordsFromConfig(outdir: string, configFile: string): DeploymentRecord[] {
  const root = join(resolve(outdir), 'classes');
  if (!existsSync(root)) return [];
  const abs = resolve(configFile);
  return readdirSync(root)
    .map((name) => readRecord(join(root, name)))
    .filter((r): r is DeploymentRecord => r !== null && r.configFile === abs);
}

/**
 * Why classroom.yaml can no longer drive the class it deployed, or null. A changed region would make terraform
 * look for the VMs in the wrong region and plan to create a second class; a changed name points at no state.
 */
export function identityProblem(
  current: { name: string; region: string },
  record: DeploymentRecord | null,
  renamedFrom: DeploymentRecord[],
): { message: string; hint: string } | null {
  if (record && record.region !== current.region) {
    return {
      message: `class ${record.class} was deployed to ${record.region}, but classroom.yaml now says region: ${current.region}`,
      hint: `its VMs are still running in ${record.region}: put region: ${record.region} back, or destroy the class first (labctl classroom destroy uses the recorded region)`,
    };
  }
  const other = renamedFrom.find((r) => r.class !== current.name);
  if (!record && other) {
    return {
      message: `classroom.yaml deployed class ${other.class} (${other.region}), but now names it ${current.name}`,
      hint: `the VMs of ${other.class} are still running: put name: ${other.class} back, or destroy ${other.class} first (name: ${other.class}, then labctl classroom destroy)`,
    };
  }
  return null;
}

/**
 * Only what destroy needs from classroom.yaml: the class name and region. Nothing else is validated, so a
 * learner's deleted .pub file or any later edit cannot stop a class from being destroyed.
 */
export function classIdentity(file: string): { name: string; region: string } {
  if (!existsSync(file)) throw new LabctlError(`${file}: no such file`, 'pass the classroom file the class was deployed from with -c');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const raw = doc.toJS() as { name?: unknown; region?: unknown } | null;
  if (doc.errors.length || !raw || typeof raw.name !== 'string' || typeof raw.region !== 'string') {
    throw new LabctlError(`${file}: cannot read the class name and region`, 'destroy needs only name: and region: from classroom.yaml; fix those two fields');
  }
  return { name: raw.name, region: raw.region };
}

/** Apply parallelism: terraform's default 10 makes 400 VMs take ages; EC2's RunInstances limits make 40 the useful top. */
export function applyParallelism(vms: number): number {
  return Math.min(40, Math.max(10, Math.ceil(vms / 10)));
}
