import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Live tests need root, BPF, terraform, sshd... On a laptop they skip with a reason; CI sets
 * LABCTL_REQUIRE_LIVE=1 and then a missing prerequisite is a failure, not a silent skip.
 *
 * Usage: `const why = liveSkipReason(); describe.skipIf(why)(...)` after `assertLiveOrSkip(why)`.
 */
export function mustRunLive(): boolean {
  return process.env.LABCTL_REQUIRE_LIVE === '1';
}

/** Returns `missing` unchanged so callers can `describe.skipIf(skipUnlessRequired(missing))`; throws when CI requires live tests. */
export function skipUnlessRequired(missing: string | null): string | null {
  if (missing && mustRunLive()) {
    throw new Error(`LABCTL_REQUIRE_LIVE=1 but this live test cannot run: ${missing}`);
  }
  if (missing) console.warn(`skipping live test: ${missing}`);
  return missing;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why eBPF live tests cannot run here, or null when they can. */
export function bpfMissing(): string | null {
  if (!isRoot()) return 'needs root (BPF programs)';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF (/sys/kernel/btf/vmlinux)';
  return null;
}
