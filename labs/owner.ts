import { SCENARIO_IDS, type ScenarioId } from '../scenarios/variants.ts';
import { LabError } from './errors.ts';
import type { LabHost } from './host.ts';
import { OWNER_FILE } from './paths.ts';
import { shq } from './shell.ts';
import { hasEnded, labDirOf, STATE_FILE, stopFault, type LabState } from './supervisor.ts';

/**
 * One lab per host, checked on the host itself. An inventory can name one machine twice by different
 * addresses (127.0.0.1 and localhost, two DNS names of one VM) and nothing on the instructor's side can
 * tell; but both entries reach the same state dir. The first learner's inject claims it: `<state dir>/owner`
 * holds that learner and the address they were reached by, created with O_EXCL (`set -C`), so two injects
 * running in parallel through two addresses cannot both win. `lab stop --purge` (every fault) frees it.
 * State dirs written before the owner file existed are read too: each lab's state records its learner.
 */

export const REPLACE_FLAG = '--replace-other-learner';

export interface OtherLearner {
  learner: string;
  /** the address the other learner's lab was injected through */
  address?: string;
  /** that learner's labs in the state dir (running, or ended and kept for a late submit) */
  labs: { scenario: ScenarioId; ended: boolean }[];
}

interface Claim {
  created: boolean;
  owner?: { learner: string; address?: string };
  states: { scenario: ScenarioId; state: LabState }[];
}

/** One round trip: claim the owner file if nobody has, then report who owns the state dir and what labs it holds. */
async function claim(host: LabHost, learner: string, address: string): Promise<Claim> {
  const dir = host.stateDir;
  const owner = `${dir}/${OWNER_FILE}`;
  const script = [
    `mkdir -p ${shq(dir)} || exit 1`,
    `if (set -C; printf '%s\\t%s\\n' ${shq(learner)} ${shq(address)} > ${shq(owner)}) 2>/dev/null; then echo __CREATED=1; else echo __CREATED=0; fi`,
    `echo "__OWNER=$(head -n 1 ${shq(owner)} 2>/dev/null)"`,
    ...SCENARIO_IDS.map((id) => `echo "__LAB=${id}"; cat ${shq(`${labDirOf(dir, id)}/${STATE_FILE}`)} 2>/dev/null; echo`),
  ].join('\n');
  const r = await host.transport.run(script);
  if (!r.ok) throw new LabError(`${host.transport.describe()}: cannot create the lab state dir ${dir}: ${r.stderr.trim()}`, 'is the state dir writable? (LABCTL_REMOTE_STATE_DIR / stateDir in the inventory)');
  const [head, ...labs] = r.stdout.split(/^__LAB=/m);
  const [who, where] = (/^__OWNER=(.*)$/m.exec(head)?.[1] ?? '').split('\t');
  const states: Claim['states'] = [];
  for (const part of labs) {
    const nl = part.indexOf('\n');
    try {
      const state = JSON.parse(part.slice(nl + 1)) as LabState | null;
      if (state) states.push({ scenario: part.slice(0, nl) as ScenarioId, state });
    } catch {
      // no state (never injected, purged) or a half-written one: nothing says whose it is
    }
  }
  return { created: head.includes('__CREATED=1'), ...(who ? { owner: { learner: who, ...(where ? { address: where } : {}) } } : {}), states };
}

/** The learner other than `learner` the state dir belongs to, with their labs; null when it is free or theirs. */
function otherLearner(c: Claim, learner: string): OtherLearner | null {
  const foreign = c.states.filter((s) => s.state.learner && s.state.learner !== learner);
  const name = c.owner && c.owner.learner !== learner ? c.owner.learner : foreign[0]?.state.learner;
  if (!name) return null;
  const theirs = c.states.filter((s) => s.state.learner === name);
  const address = c.owner?.learner === name ? c.owner.address : theirs.find((s) => s.state.hostLabel)?.state.hostLabel;
  return { learner: name, ...(address ? { address } : {}), labs: theirs.map((s) => ({ scenario: s.scenario, ended: hasEnded(s.state) })) };
}

/**
 * Claims the host's state dir for `learner` before their key is written or a fault started. A host that
 * belongs to another learner is refused, naming both learners and both addresses; with `replace`, the other
 * learner's labs are stopped and purged first (their manifests and key go: they can no longer submit from
 * this host). Returns the learner replaced, if any.
 */
export async function claimHostFor(host: LabHost, learner: string, opts: { replace?: boolean; address?: string } = {}): Promise<OtherLearner | null> {
  const here = opts.address ?? host.transport.describe().replace(/^ssh /, '');
  const c = await claim(host, learner, here);
  const other = otherLearner(c, learner);
  if (!other) {
    if (!c.created && c.owner?.learner !== learner) await writeOwner(host, learner, here); // a state dir from before the owner file
    return null;
  }
  if (c.created) await host.transport.run(`rm -f ${shq(`${host.stateDir}/${OWNER_FILE}`)}`); // claimed just now from an older state dir: undo
  if (!opts.replace) {
    const labs = other.labs.length ? other.labs.map((l) => `${l.scenario} (${l.ended ? 'ended, kept for a late submit' : 'running'})`).join(', ') : 'no fault yet (being injected, or only its learner key is left)';
    const via = other.address && other.address !== here ? ` (injected via ${other.address})` : '';
    throw new LabError(
      `${here}: this host already holds the lab of learner ${other.learner}${via}: ${labs}; refusing to inject a lab for learner ${learner} on the same host (state dir ${host.stateDir}): one lab per host`,
      `${via ? `${other.address} and ${here} are the same machine: ` : ''}give ${learner} a host of their own; or, once ${other.learner}'s bundle is collected, replace their lab with ${REPLACE_FLAG} (it runs \`labctl lab stop --purge\` on it first)`,
    );
  }
  await stopFault(host, undefined, { purge: true });
  await writeOwner(host, learner, here);
  return other;
}

async function writeOwner(host: LabHost, learner: string, address: string): Promise<void> {
  const owner = `${host.stateDir}/${OWNER_FILE}`;
  const r = await host.transport.run(`printf '%s\\t%s\\n' ${shq(learner)} ${shq(address)} > ${shq(`${owner}.tmp`)} && mv -f ${shq(`${owner}.tmp`)} ${shq(owner)}`);
  if (!r.ok) throw new LabError(`${host.transport.describe()}: cannot write ${owner}: ${r.stderr.trim()}`, 'is the state dir writable?');
}
