import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { localStateDir } from '../../labs/paths.ts';

/**
 * Lab state dirs to look in on a learner's host: the local one (LABCTL_STATE_DIR, /var/lib/labctl as
 * root, else ~/.local/state/labctl), then /var/lib/labctl, where a root `lab inject` writes even when the
 * learner runs labctl as themselves.
 */
export function labStateDirs(env = process.env): string[] {
  const dirs = [localStateDir(env)];
  if (!env.LABCTL_STATE_DIR && !dirs.includes('/var/lib/labctl')) dirs.push('/var/lib/labctl');
  return dirs;
}

/**
 * The first readable `<state dir>/<scenario>/<name>`, or with `shared`, also `<state dir>/<name>`
 * (the learner key is per learner, not per scenario). Returns the path tried list when nothing is found.
 */
export async function lookupLabFile(scenario: string, name: string, opts: { shared?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<{ path?: string; tried: string[] }> {
  const tried: string[] = [];
  for (const dir of labStateDirs(opts.env)) {
    const candidates = [join(dir, scenario, name), ...(opts.shared ? [join(dir, name)] : [])];
    for (const c of candidates) {
      tried.push(c);
      try {
        await access(c, constants.R_OK);
        return { path: c, tried };
      } catch {
        // next candidate
      }
    }
  }
  return { tried };
}
