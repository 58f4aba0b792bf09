import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, isRoot } from './live.ts';

/**
 * The VM lab host of `npm run test:vm` (scripts/vm/*: Debian 12, the distro's stock kernel and headers,
 * QEMU TCG, SSH on a loopback port). test/vm/global-setup.ts builds and boots it, or uses the one named by
 * LABCTL_VM_RUN (a RUN_DIR of scripts/vm/boot.sh), and hands the run directory to the tests.
 */

export const VM_HOST = 'labvm';

/** Why the VM suite cannot run here, or null. */
export function vmToolsMissing(): string | null {
  if (!isRoot()) return 'needs root (mmdebstrap --mode=root builds the image)';
  for (const c of ['qemu-system-x86_64', 'mmdebstrap', 'mkfs.ext4', 'ssh', 'ssh-keygen', 'qemu-img']) {
    if (!hasCommand(c)) return `needs ${c} (apt-get install qemu-system-x86 qemu-utils mmdebstrap e2fsprogs openssh-client)`;
  }
  return null;
}

/** Environment for labctl and ssh to reach the VM booted into `run`. */
export function vmEnv(run: string): NodeJS.ProcessEnv {
  if (!existsSync(join(run, 'ssh_config'))) throw new Error(`${run}: no ssh_config (not a scripts/vm/boot.sh run directory)`);
  return { ...process.env, LABCTL_SSH_OPTS: `-F ${join(run, 'ssh_config')}`, NO_COLOR: '1' };
}

export interface Cli {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const ROOT = new URL('../..', import.meta.url).pathname;

/** Runs the user-facing CLI (bin/labctl.js) as a user would, against the VM. */
export function labctl(run: string, args: string[], timeoutMs = 1_800_000): Promise<Cli> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/labctl.js'), ...args], { env: vmEnv(run), cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** ssh into the VM (shares the ControlMaster connection). */
export function vmSsh(run: string, cmd: string, timeoutMs = 600_000): Promise<Cli> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('ssh', ['-F', join(run, 'ssh_config'), VM_HOST, cmd], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Step timings of the VM stage, printed at the end (CI budget: see README). */
export function timing(label: string, ms: number): void {
  process.stderr.write(`[vm timing] ${label}: ${(ms / 1000).toFixed(1)} s\n`);
}

export function readRunFile(run: string, name: string): string {
  return readFileSync(join(run, name), 'utf8');
}

/**
 * Which part of the suite runs (LABCTL_VM_PHASE). `.ci/run` runs `host` (lab setup, lab probe, the
 * cloud-init seat VM: mostly BCC compiling under emulation) beside `npm test`, and `scenarios` (the faults,
 * on the host that phase set up) after it; by hand the default `all` runs both, in that order.
 */
export type VmPhase = 'host' | 'scenarios' | 'all';

export function vmPhase(): VmPhase {
  const p = process.env.LABCTL_VM_PHASE ?? 'all';
  if (p !== 'host' && p !== 'scenarios' && p !== 'all') throw new Error(`LABCTL_VM_PHASE=${p}: expected host, scenarios or all`);
  return p;
}

export const runsInPhase = (part: Exclude<VmPhase, 'all'>): boolean => vmPhase() === 'all' || vmPhase() === part;
