import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeAtomic } from '../../core/write-atomic.ts';
import { SCENARIO_IDS, type ScenarioId } from '../../scenarios/variants.ts';
import { LabError } from '../errors.ts';
import type { LabHost } from '../host.ts';
import { shq } from '../shell.ts';
import { mustSucceed } from '../transport.ts';
import type { FanoutHost } from './inventory.ts';
import type { HostOperation } from './run.ts';

/**
 * `labctl lab collect`: every learner's latest `labctl submit` bundle per scenario, fetched from their lab
 * host into one folder that `labctl grade --batch` reads as it is. `submit` writes
 * `submission-<learner>-<scenario>-<UTC time>.tar.gz` where the learner runs it (their home, by default),
 * so collect looks under the homes and the lab state dir unless told where.
 */

/** Where bundles are looked for on a host, besides the lab state dir. */
export const DEFAULT_BUNDLE_ROOTS = ['/home', '/root'];
const MAX_DEPTH = 4;

export interface FoundBundle {
  scenario: ScenarioId;
  /** on the lab host */
  path: string;
  mtime: number;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** The scenario a bundle name is for: `submission-<learner>-<scenario>-<time>.tar.gz` (learner ids may hold dashes). */
export function bundleScenario(name: string, learner?: string): ScenarioId | undefined {
  const m = /^submission-(.+)-(\d{8}T\d{6}Z)\.tar\.gz$/.exec(name);
  if (!m) return undefined;
  const id = SCENARIO_IDS.find((s) => m[1].endsWith(`-${s}`));
  if (!id) return undefined;
  if (learner !== undefined && m[1] !== `${learner}-${id}`) return undefined;
  return id;
}

/** The newest bundle of each scenario under `roots` on the host (the learner's, when named). */
export async function findBundles(lab: LabHost, o: { learner?: string; roots?: string[] } = {}): Promise<{ bundles: FoundBundle[]; roots: string[] }> {
  const roots = [...new Set([...(o.roots ?? DEFAULT_BUNDLE_ROOTS), lab.stateDir])];
  const pattern = o.learner ? `submission-${o.learner}-*.tar.gz` : 'submission-*.tar.gz';
  const r = await lab.transport.run(
    `for d in ${roots.map(shq).join(' ')}; do [ -d "$d" ] && find "$d" -maxdepth ${MAX_DEPTH} -type f -name ${shq(pattern)} -printf '%T@ %p\\n' 2>/dev/null; done; true`,
    { timeoutMs: 60_000 },
  );
  mustSucceed(r, `${lab.transport.describe()}: looking for bundles`);
  const latest = new Map<ScenarioId, FoundBundle>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+(?:\.\d+)?) (\/.+)$/.exec(line.trim());
    if (!m) continue;
    const scenario = bundleScenario(m[2].split('/').pop()!, o.learner);
    if (!scenario) continue;
    const found = { scenario, path: m[2], mtime: Number(m[1]) };
    const prev = latest.get(scenario);
    if (!prev || found.mtime > prev.mtime || (found.mtime === prev.mtime && found.path > prev.path)) latest.set(scenario, found);
  }
  return { bundles: SCENARIO_IDS.flatMap((id) => (latest.has(id) ? [latest.get(id)!] : [])), roots };
}

/** A file's bytes from the host, whatever the transport (binary-safe: base64 over the command's output). */
async function fetchBytes(lab: LabHost, command: string, what: string): Promise<Buffer> {
  const r = await lab.transport.run(`${command} | base64 -w0`, { timeoutMs: 120_000 });
  mustSucceed(r, `${lab.transport.describe()}: ${what}`);
  return Buffer.from(r.stdout.trim(), 'base64');
}

export interface CollectSummary {
  bundles: { scenario: ScenarioId; from: string; file: string; bytes: number }[];
  /** the captures folder copied, when asked for */
  captures?: string;
}

export interface CollectOptions {
  outDir: string;
  /** where to look on each host (default: /home, /root, and the lab state dir) */
  roots?: string[];
  /** only these scenarios */
  scenarios?: ScenarioId[];
  /** a folder on each host to copy too (the learner's captures), into <out>/.captures/<learner>-<distro>/ */
  captures?: string;
}

/** `<learner>-<distro>-<scenario>.tar.gz`: one entry per lab for `grade --batch`. */
export function bundleCopyName(host: Pick<FanoutHost, 'learner' | 'distro'>, scenario: string): string {
  return `${safe(host.learner)}-${safe(host.distro)}-${scenario}.tar.gz`;
}

export async function collectFrom(lab: LabHost, who: Pick<FanoutHost, 'learner' | 'distro'>, o: CollectOptions, learner?: string): Promise<CollectSummary> {
  const { bundles: all, roots } = await findBundles(lab, { learner, roots: o.roots });
  const bundles = o.scenarios ? all.filter((b) => o.scenarios!.includes(b.scenario)) : all;
  if (!bundles.length) {
    throw new LabError(`${lab.transport.describe()}: no bundle${learner ? ` of ${learner}` : ''} found (looked in ${roots.join(', ')})`, 'the learner hands in with `labctl submit SCENARIO` on their lab host; pass --from DIR if bundles are kept elsewhere');
  }
  const out = resolve(o.outDir);
  await mkdir(out, { recursive: true });
  const summary: CollectSummary = { bundles: [] };
  for (const b of bundles) {
    const bytes = await fetchBytes(lab, `cat ${shq(b.path)}`, `reading ${b.path}`);
    const file = join(out, bundleCopyName(who, b.scenario));
    await writeAtomic(file, bytes);
    summary.bundles.push({ scenario: b.scenario, from: b.path, file, bytes: bytes.length });
  }
  if (o.captures) {
    const bytes = await fetchBytes(lab, `tar czf - -C ${shq(o.captures)} .`, `packing ${o.captures}`);
    const dir = join(out, '.captures', `${safe(who.learner)}-${safe(who.distro)}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const tarFile = `${dir}.tar.gz`;
    await writeAtomic(tarFile, bytes);
    const { extract } = await import('tar');
    await extract({ file: tarFile, cwd: dir });
    await rm(tarFile, { force: true });
    summary.captures = dir;
  }
  return summary;
}

export function collectOp(o: CollectOptions): HostOperation<CollectSummary> {
  return async ({ host, lab, progress }) => {
    progress('looking for bundles');
    const r = await collectFrom(lab, host, o, host.learner);
    return {
      ok: true,
      message: `${r.bundles.map((b) => `${b.scenario} (${Math.max(1, Math.round(b.bytes / 1024))} KiB)`).join(', ')}${r.captures ? '; captures copied' : ''}`,
      result: r,
    };
  };
}
