import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a host keeps lab state (state files, fault programs, data, probe cache). Local: LABCTL_STATE_DIR,
 * else /var/lib/labctl as root, else ~/.local/state/labctl. Over SSH commands run as root, so
 * LABCTL_REMOTE_STATE_DIR or /var/lib/labctl.
 */
export function localStateDir(env = process.env): string {
  if (env.LABCTL_STATE_DIR) return env.LABCTL_STATE_DIR;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return root ? '/var/lib/labctl' : join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'labctl');
}

export function remoteStateDir(env = process.env): string {
  return env.LABCTL_REMOTE_STATE_DIR || '/var/lib/labctl';
}

/** In a state dir: the learner it belongs to and the address they were reached by (labs/owner.ts). */
export const OWNER_FILE = 'owner';
