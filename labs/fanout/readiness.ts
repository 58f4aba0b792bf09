import { SCENARIO_IDS, type ScenarioId } from '../../scenarios/variants.ts';
import { checkScenario } from '../check.ts';
import { LabError } from '../errors.ts';
import { probeHost } from '../probe.ts';
import { labStatus, statusOf } from '../supervisor.ts';
import { bootFailed, describeBoot, readBootStatus, type BootStatus } from './boot-status.ts';
import { isTransientSshFailure } from './retry.ts';
import type { HostOperation, HostOutcome } from './run.ts';

/**
 * `labctl lab check --all`: before class, on every host, every scheduled fault must be running and
 * visible with the tools that work on that host (the DESIGN.md solve path: capture, grade evidence-only
 * against the host's own manifest). One cell per host and scenario.
 */

export type CellState = 'ready' | 'not-visible' | 'not-injected' | 'unreachable';

export interface ReadinessCell {
  scenario: ScenarioId;
  state: CellState;
  /** why it is not ready: the failed evidence checks, the fault's status, the error */
  detail: string;
  failedChecks?: { id: string; message: string }[];
  captures?: string;
}

export interface ReadinessSummary {
  cells: ReadinessCell[];
  /** the VM's record of its first boot (labctl classroom VMs); null elsewhere */
  boot?: BootStatus | null;
}

/** Scenarios to prove: `--scenario` list, else the inventory's `scenarios`, else what each host has injected. */
export function scheduledScenarios(flag: ScenarioId[] | undefined, inventory: ScenarioId[] | undefined): ScenarioId[] | 'injected' {
  if (flag?.length) return [...new Set(flag)];
  if (inventory?.length) return [...new Set(inventory)];
  return 'injected';
}

/** SSH trouble belongs to the host (retried, then "unreachable"), not to one scenario's cell. */
function isHostLevel(err: unknown): boolean {
  return isTransientSshFailure(err) || (err instanceof LabError && /: (?:host unreachable|ssh failed|authentication failed|host key verification failed|sudo refused)/.test(err.message));
}

/**
 * `scenarios`: the faults every host must have ready, or 'injected': each host's own injected faults only
 * (running or ended, not purged), so a host where one fault was injected is not "1/3 ready".
 */
export function readinessOp(o: { scenarios: ScenarioId[] | 'injected'; durationSec: number }): HostOperation<ReadinessSummary> {
  return async ({ lab, progress }) => {
    const cells: ReadinessCell[] = [];
    const statuses = o.scenarios === 'injected' ? await labStatus(lab) : undefined;
    const scenarios = statuses ? statuses.map((s) => s.scenario) : (o.scenarios as ScenarioId[]);
    if (!scenarios.length) return { ok: false, message: 'no fault injected (labctl lab inject SCENARIO)', result: { cells, boot: await readBootStatus(lab) } };
    progress('probing tools');
    const probe = await probeHost(lab);
    const boot = await readBootStatus(lab);
    for (const scenario of scenarios) {
      const st = statuses ? (statuses.find((s) => s.scenario === scenario) ?? null) : await statusOf(lab, scenario);
      if (!st || st.status !== 'running') {
        const why = !st
          ? 'no fault injected'
          : st.status === 'expired'
            ? `its fault expired at ${st.state?.expiresAt}`
            : st.status === 'stopped'
              ? `its fault was stopped at ${st.state?.endedAt}`
              : st.status === 'dead'
                ? 'its fault is no longer running'
                : 'inject did not finish';
        cells.push({ scenario, state: 'not-injected', detail: `${why} (labctl lab inject ${scenario})` });
        continue;
      }
      progress(`checking ${scenario} for ${o.durationSec}s`);
      try {
        const c = await checkScenario(lab, scenario, { durationSec: o.durationSec, probe });
        const failed = c.evidence.filter((e) => e.status !== 'pass').map((e) => ({ id: e.id, message: e.message }));
        const notes = c.report.gradable ? '' : (c.report.notes ?? []).join('; ');
        cells.push(
          c.visible
            ? { scenario, state: 'ready', detail: `${c.evidence.length} evidence checks pass`, captures: c.capture.dir }
            : {
                scenario,
                state: 'not-visible',
                detail: failed.length ? failed.map((f) => `${f.id}: ${f.message}`).join('; ') : notes || 'no evidence check ran',
                failedChecks: failed,
                captures: c.capture.dir,
              },
        );
      } catch (err) {
        if (isHostLevel(err)) throw err;
        // e.g. no tool that reveals it works on this host: the fault runs but a learner could not see it
        cells.push({ scenario, state: 'not-visible', detail: (err as Error).message.split('\n')[0] });
      }
    }
    const notReady = cells.filter((c) => c.state !== 'ready');
    const bootNote = boot && (bootFailed(boot) || boot.status !== 'ready') ? `${describeBoot(boot)}; ` : '';
    return {
      ok: notReady.length === 0 && !bootFailed(boot),
      message: bootNote + (notReady.length ? notReady.map((c) => `${c.scenario} ${c.state}`).join(', ') : `all ${cells.length} ready`),
      result: { cells, boot },
    };
  };
}

/** The matrix's columns: the scheduled scenarios, or every scenario injected on some host. */
export function readinessColumns(outcomes: HostOutcome<ReadinessSummary>[], scheduled: ScenarioId[] | 'injected'): ScenarioId[] {
  if (scheduled !== 'injected') return scheduled;
  const seen = new Set(outcomes.flatMap((o) => o.result?.cells.map((c) => c.scenario) ?? []));
  return SCENARIO_IDS.filter((id) => seen.has(id));
}

/** The host x scenario matrix, with unreachable hosts filled in. */
export function readinessMatrix(outcomes: HostOutcome<ReadinessSummary>[], scenarios: ScenarioId[]): { outcome: HostOutcome<ReadinessSummary>; cells: ReadinessCell[] }[] {
  return outcomes.map((outcome) => ({
    outcome,
    cells: outcome.result?.cells ?? scenarios.map((scenario) => ({ scenario, state: 'unreachable' as const, detail: outcome.error?.message.split('\n')[0] ?? outcome.message })),
  }));
}
