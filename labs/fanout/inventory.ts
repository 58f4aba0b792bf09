import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { findJsonSyntaxError } from '../../grader/submission/json-position.ts';
import { InventoryHostSchema, InventorySchema } from '../../infra/inventory.ts';
import { SCENARIO_IDS, type ScenarioId } from '../../scenarios/variants.ts';
import { LabError } from '../errors.ts';
import type { SshTarget } from '../transport.ts';

/**
 * Reads `inventory.json` (infra/inventory.ts: `terraform output -json inventory`) for a fan-out. One
 * addition of labctl's own, for hand-written inventories: `stateDir` per host, the lab state dir on that
 * host (default LABCTL_REMOTE_STATE_DIR or /var/lib/labctl). Several "hosts" that are one machine (tests,
 * a classroom on one big VM) need it so they never share faults, manifests or learner keys.
 */

const FanoutHostSchema = InventoryHostSchema.extend({
  stateDir: z.string().regex(/^\/\S*$/, 'an absolute path without spaces').optional(),
});

const FanoutInventorySchema = InventorySchema.extend({
  scenarios: z.array(z.enum(SCENARIO_IDS)).optional(),
  hosts: z.array(FanoutHostSchema).min(1, 'the inventory lists no hosts'),
});

export interface FanoutHost {
  learner: string;
  distro: string;
  /** how it is shown and how ssh reaches it: user@host or user@host:port ([v6] in brackets) */
  address: string;
  target: SshTarget;
  stateDir?: string;
  /** written by `labctl classroom deploy` (it has an instanceId): a fresh VM whose host key nobody has seen yet */
  deployed?: boolean;
  /** position in the inventory file, for messages */
  index: number;
}

export interface FanoutInventory {
  file: string;
  class: string;
  scenarios?: ScenarioId[];
  hosts: FanoutHost[];
}

export function hostAddress(t: SshTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.user ? `${t.user}@` : ''}${host}${t.port ? `:${t.port}` : ''}`;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(top level)';
}

/** Validates inventory JSON text; every problem names the file and the field (or the line for bad JSON). */
export function parseInventory(text: string, file: string): FanoutInventory {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const at = findJsonSyntaxError(text);
    throw new LabError(
      at ? `${file}:${at.line}:${at.column}: not valid JSON (expected ${at.expected}, found ${at.found})` : `${file}: not valid JSON (${(err as Error).message})`,
      'write it with `terraform -chdir=cdktf.out/stacks/<class> output -json inventory > inventory.json`',
    );
  }
  // `terraform output -json` without the output name wraps every output as {name: {value, type, sensitive}}
  const wrapped = (data as { inventory?: { value?: unknown } } | null)?.inventory;
  if (wrapped && typeof wrapped === 'object' && 'value' in wrapped) data = wrapped.value;
  const parsed = FanoutInventorySchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${file}: ${fieldPath(i.path)}: ${i.message}`);
    throw new LabError(problems.join('\n'), 'each host needs {learner, distro, host, user} and optionally port and stateDir (infra/inventory.ts)');
  }
  const seen = new Map<string, number>();
  const hosts = parsed.data.hosts.map((h, index): FanoutHost => {
    const key = `${h.learner}\0${h.distro}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new LabError(`${file}: hosts[${index}]: learner ${h.learner} has a second ${h.distro} host (first at hosts[${first}])`, 'one host per learner and distro: their manifests would overwrite each other');
    }
    seen.set(key, index);
    if (/[@\s/]/.test(h.host) || /[@:\s/]/.test(h.user)) throw new LabError(`${file}: hosts[${index}]: bad host/user ${JSON.stringify(`${h.user}@${h.host}`)}`, 'host is an IP, a name or an instance id; user a login name; the port goes in "port"');
    const target: SshTarget = { user: h.user, host: h.host.replace(/^\[|\]$/g, ''), ...(h.port ? { port: h.port } : {}) };
    return { learner: h.learner, distro: h.distro, address: hostAddress(target), target, ...(h.stateDir ? { stateDir: h.stateDir } : {}), ...(h.instanceId ? { deployed: true } : {}), index };
  });
  refuseSharedHosts(hosts, file);
  return { file, class: parsed.data.class, ...(parsed.data.scenarios ? { scenarios: parsed.data.scenarios } : {}), hosts };
}

/**
 * One lab per host: two learners on one machine cannot have labs of their own, whatever their state dirs,
 * because every eBPF tool sees every process on a kernel: each would capture (and be graded on) the other's
 * fault too. Entries are the same machine when they have the same address and SSH port.
 */
function refuseSharedHosts(hosts: FanoutHost[], file: string): void {
  const byMachine = new Map<string, FanoutHost>();
  for (const h of hosts) {
    const key = `${h.target.host.toLowerCase()}:${h.target.port ?? 22}`;
    const first = byMachine.get(key);
    if (first && first.learner !== h.learner) {
      throw new LabError(
        `${file}: hosts[${first.index}] (learner ${first.learner}) and hosts[${h.index}] (learner ${h.learner}) are the same host ${h.target.host}${h.target.port ? `:${h.target.port}` : ''}: one lab per host`,
        'every eBPF tool sees every process on a kernel, so each learner would capture the other\'s fault: give each learner their own VM (`labctl classroom deploy` does), or run their labs one after another',
      );
    }
    byMachine.set(key, first ?? h);
  }
}

export async function loadInventory(file: string): Promise<FanoutInventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LabError(`cannot read inventory ${file}: ${code ?? (err as Error).message}`, 'terraform -chdir=cdktf.out/stacks/<class> output -json inventory > inventory.json');
  }
  return parseInventory(text, file);
}

export interface HostFilter {
  learners?: string[];
  distro?: string;
}

/** The hosts `--learner` / `--distro` select; selecting nothing is an error that lists what there is. */
export function selectHosts(inv: FanoutInventory, f: HostFilter): FanoutHost[] {
  const learners = f.learners?.length ? new Set(f.learners) : null;
  if (learners) {
    const unknown = [...learners].filter((l) => !inv.hosts.some((h) => h.learner === l));
    if (unknown.length) throw new LabError(`${inv.file}: no host for learner ${unknown.join(', ')}`, `learners in it: ${[...new Set(inv.hosts.map((h) => h.learner))].join(', ')}`);
  }
  const out = inv.hosts.filter((h) => (!learners || learners.has(h.learner)) && (!f.distro || h.distro === f.distro));
  if (!out.length) throw new LabError(`${inv.file}: no host matches --distro ${f.distro}${learners ? ` for ${[...learners].join(', ')}` : ''}`, `distros in it: ${[...new Set(inv.hosts.map((h) => h.distro))].join(', ')}`);
  return out;
}
