import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deriveSeed, type ScenarioId } from '../../scenarios/variants.ts';
import { checkScenario } from '../check.ts';
import { formatDuration } from '../duration.ts';
import { probeHost, type ProbeResult } from '../probe.ts';
import { setupHost, type StepOutcome } from '../setup.ts';
import { extendFaults, injectFault, labStatus, resetFault, stopFault, type LabState, type LabStatus, type StopResult } from '../supervisor.ts';
import { bootFailed, describeBoot, readBootStatus, type BootStatus } from './boot-status.ts';
import type { FanoutHost } from './inventory.ts';
import { placeLearnerKey } from './learner-key.ts';
import { claimHostFor } from '../owner.ts';
import type { HostOperation } from './run.ts';

/**
 * One `HostOperation` per `labctl lab` command: the same labs/ functions the single-host commands call,
 * plus a one-line message per host for the progress view and the summary table.
 */

export interface SetupSummary {
  distro: string;
  kernel: string;
  steps: { id: string; outcome: StepOutcome; detail?: string }[];
}

export function setupOp(): HostOperation<SetupSummary> {
  return async ({ lab, progress }) => {
    const { plan, results } = await setupHost(lab.transport, lab.stateDir, { onStep: (r) => progress(`${r.step.description}: ${r.outcome}`) });
    const applied = results.filter((r) => r.outcome === 'applied').length;
    const skipped = results.filter((r) => r.outcome === 'skipped-optional').map((r) => r.step.id);
    return {
      ok: true,
      message: `${plan.distro.prettyName}, kernel ${plan.kernelRelease}: ${applied ? `${applied} step(s) applied` : 'nothing to change'}${skipped.length ? `; optional skipped: ${skipped.join(', ')}` : ''}`,
      result: { distro: plan.distro.prettyName, kernel: plan.kernelRelease, steps: results.map((r) => ({ id: r.step.id, outcome: r.outcome, ...(r.detail ? { detail: r.detail } : {}) })) },
    };
  };
}

export function probeOp(o: { refresh?: boolean } = {}): HostOperation<ProbeResult & { boot: BootStatus | null }> {
  return async ({ lab, progress }) => {
    progress(o.refresh ? 'probing kernel and tools' : 'reading probe (cached or fresh)');
    const p = await probeHost(lab, { refresh: o.refresh });
    const boot = await readBootStatus(lab);
    const working = p.tools.filter((t) => t.command);
    const missing = p.tools.filter((t) => !t.command).map((t) => t.tool);
    return {
      // a host where BPF cannot load is no lab host, whatever else it has; nor one whose first boot failed
      ok: p.bpf && p.root && !bootFailed(boot),
      message: `${boot ? `${describeBoot(boot)}; ` : ''}kernel ${p.kernel}, bpf ${p.bpf ? 'yes' : 'NO'}, kprobes ${p.kprobes ? 'yes' : 'no'}; ${working.length}/${p.tools.length} tools work${missing.length ? ` (none for ${missing.join(', ')})` : ''}`,
      result: { ...p, boot },
    };
  };
}

export function describeStatus(list: LabStatus[]): string {
  if (!list.length) return 'no faults';
  return list
    .map((s) => {
      const left = s.status === 'running' && s.remainingSec !== null ? `, ${formatDuration(s.remainingSec)} left` : '';
      return `${s.scenario} ${s.status}${left}`;
    })
    .join('; ');
}

export function statusOp(): HostOperation<LabStatus[]> {
  return async ({ lab }) => {
    const list = await labStatus(lab);
    return { ok: true, message: describeStatus(list), result: list };
  };
}

export function stopOp(scenario?: string, o: { purge?: boolean } = {}): HostOperation<StopResult[]> {
  return async ({ lab, progress }) => {
    progress(`${o.purge ? 'stopping and purging' : 'stopping'} ${scenario ?? 'every fault'}`);
    const stopped = await stopFault(lab, scenario, o);
    const message = stopped.length
      ? stopped.map((s) => `${s.scenario} ${o.purge ? 'purged' : 'stopped'} (${s.killed} process(es))${s.kept ? ', manifest kept' : ''}`).join('; ')
      : 'nothing to stop';
    return { ok: true, message, result: stopped };
  };
}

export function extendOp(scenario: string | undefined, bySec: number): HostOperation<LabState[]> {
  return async ({ lab, progress }) => {
    progress(`extending ${scenario ?? 'every running fault'} by ${formatDuration(bySec)}`);
    const states = await extendFaults(lab, scenario, bySec);
    return { ok: true, message: states.map((s) => `${s.scenario} now expires ${s.expiresAt}`).join('; '), result: states };
  };
}

export interface ResetSummary {
  scenario: ScenarioId;
  seed: string;
  expiresAt: string;
}

/** `seeds`: the candidate seeds of a host's lab (the host keeps only a hash of its seed), from its learner. */
export function resetOp(scenario: string | undefined, o: { ttlSec?: number; seeds?: (learner: string | undefined, scenario: ScenarioId) => string[] } = {}): HostOperation<ResetSummary[]> {
  return async ({ lab, progress }) => {
    progress(`resetting ${scenario ?? 'every lab'}`);
    const done = await resetFault(lab, scenario, o);
    return {
      ok: true,
      message: done.map((d) => `${d.scenario} reset (seed ${d.inject.manifest.seed}, expires ${d.inject.state.expiresAt})`).join('; '),
      result: done.map((d) => ({ scenario: d.scenario, seed: d.inject.manifest.seed, expiresAt: d.inject.state.expiresAt })),
    };
  };
}

export interface InjectSummary {
  scenario: ScenarioId;
  seed: string;
  learner: string;
  expiresAt: string;
  supervisor: string;
  already: boolean;
  /** on the lab host */
  manifestPath: string;
  keyPath: string;
  /** the local copy */
  manifestCopy: string;
}

/** `<learner>-<distro>-<scenario>.json`, with anything a file name should not hold replaced. */
export function manifestCopyName(host: FanoutHost, scenario: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(host.learner)}-${safe(host.distro)}-${scenario}.json`;
}

export function injectOp(o: { scenario: ScenarioId; classSecret: string; ttlSec: number; outDir: string; replaceOtherLearner?: boolean }): HostOperation<InjectSummary> {
  return async ({ host, lab, progress }) => {
    const seed = deriveSeed(o.classSecret, host.learner, o.scenario);
    // one lab per host, checked on the host: another inventory address may name this same machine
    const replaced = await claimHostFor(lab, host.learner, { replace: o.replaceOtherLearner, address: host.address });
    if (replaced) progress(`replaced the lab of learner ${replaced.learner}`);
    progress('writing the learner key');
    const keyPath = await placeLearnerKey(lab, o.classSecret, host.learner);
    progress(`injecting ${o.scenario} (seed ${seed})`);
    const r = await injectFault(lab, { scenario: o.scenario, seed, ttlSec: o.ttlSec, learner: host.learner, hostLabel: host.address });
    const dir = resolve(o.outDir);
    await mkdir(dir, { recursive: true });
    const copy = join(dir, manifestCopyName(host, o.scenario));
    // r.manifest is what inject wrote on the host (or read back from it), byte for byte: no extra scp round trip.
    // Written next to it, then renamed: a manifest a grader reads is whole or absent.
    const tmp = `${copy}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(r.manifest, null, 2)}\n`);
      await rename(tmp, copy);
    } finally {
      await rm(tmp, { force: true });
    }
    return {
      ok: true,
      message: `${replaced ? `replaced learner ${replaced.learner}'s lab; ` : ''}${o.scenario} ${r.already ? 'already running' : 'injected'} (seed ${seed}, expires ${r.state.expiresAt}); manifest ${copy}`,
      result: {
        scenario: o.scenario,
        seed,
        learner: host.learner,
        expiresAt: r.state.expiresAt,
        supervisor: r.state.supervisor,
        already: r.already,
        manifestPath: r.manifestPath,
        keyPath,
        manifestCopy: copy,
      },
    };
  };
}

export interface CheckSummary {
  scenario: ScenarioId;
  visible: boolean;
  captures: string;
  evidence: { id: string; status: string; message: string }[];
}

export function checkOp(o: { scenario: ScenarioId; durationSec: number }): HostOperation<CheckSummary> {
  return async ({ lab, progress }) => {
    progress(`capturing ${o.scenario} for ${o.durationSec}s`);
    const c = await checkScenario(lab, o.scenario, { durationSec: o.durationSec });
    const failed = c.evidence.filter((e) => e.status !== 'pass');
    return {
      ok: c.visible,
      message: c.visible ? `${o.scenario} visible (${c.evidence.length} evidence checks pass)` : `${o.scenario} NOT visible: ${failed.map((e) => `${e.id}: ${e.message}`).join('; ') || 'no evidence check ran'}`,
      result: { scenario: o.scenario, visible: c.visible, captures: c.capture.dir, evidence: c.evidence.map((e) => ({ id: e.id, status: e.status, message: e.message })) },
    };
  };
}
