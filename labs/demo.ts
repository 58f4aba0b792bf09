import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkExamples, type ExampleResult } from '../scenarios/examples.ts';
import { DEFAULT_SEED, SCENARIO_IDS, type ScenarioId } from '../scenarios/variants.ts';
import { checkScenario, type CheckResultSummary } from './check.ts';
import { labHost, type LabHost } from './host.ts';
import { localStateDir } from './paths.ts';
import { probeHost, type ProbeResult } from './probe.ts';
import { injectFault, stopFault } from './supervisor.ts';
import { setupHost } from './setup.ts';

/**
 * `labctl demo`: the whole loop on this machine. With root and BPF: inject each fault (short TTL),
 * capture with what works here, grade the evidence, stop. Otherwise: grade the bundled examples and say why.
 * Demo faults live in their own state dir so they never touch an instructor's running lab.
 */

export type DemoOutcome =
  | { scenario: ScenarioId; mode: 'live'; ok: boolean; check?: CheckResultSummary; error?: string; injectMs?: number }
  | { scenario: ScenarioId; mode: 'examples'; ok: boolean; examples: ExampleResult[]; error?: string };

export interface DemoResult {
  mode: 'live' | 'examples';
  /** why the demo fell back to the bundled examples */
  reason?: string;
  probe?: ProbeResult;
  outcomes: DemoOutcome[];
}

export interface DemoOptions {
  durationSec?: number;
  scenarios?: readonly ScenarioId[];
  host?: LabHost;
  /** called before each scenario, for progress output */
  onScenario?: (id: ScenarioId, mode: 'live' | 'examples') => void;
  onOutcome?: (o: DemoOutcome) => void;
  /** as root, install the missing eBPF tools first (`labctl lab setup`); default true */
  setup?: boolean;
  onSetup?: (why: string) => void;
}

/**
 * Some flavors print the same text (libbpf-tools' syscount and BCC's, for one), so the grader may read a
 * capture's flavor as unknown; the demo knows which command it ran, and says so.
 */
export function withRunFlavors(check: CheckResultSummary): CheckResultSummary {
  const byFile = new Map(check.capture.runs.map((r) => [r.file, r.flavor]));
  const captures = check.report.captures.map((c) => {
    const ran = byFile.get(c.file.split(/[\\/]/).pop() ?? c.file);
    return c.flavor === 'unknown' && ran ? { ...c, flavor: ran } : c;
  });
  return { ...check, report: { ...check.report, captures } };
}

/** Why live faults cannot run here, or null. */
export function liveBlocker(probe: ProbeResult | null, isRoot: boolean, scenarios: readonly ScenarioId[] = SCENARIO_IDS): string | null {
  if (!isRoot) return 'not running as root: eBPF tools need root (try: sudo npx labctl demo)';
  if (!probe) return 'the host probe failed';
  if (!probe.bpf) return `BPF programs cannot be loaded on this kernel (${probe.kernel})`;
  const needs: [ScenarioId, string[]][] = [
    ['ghost-load', ['execsnoop']],
    ['offcpu-lock', ['offcputime']],
    ['fsync-latency', ['fsslower', 'syscount', 'fsync-hist']],
  ];
  const missing = needs.filter(([id, tools]) => scenarios.includes(id) && !tools.some((t) => probe.tools.find((p) => p.tool === t)?.command)).map(([id]) => id);
  return missing.length ? `no working tool for ${missing.join(', ')} (run: labctl lab setup)` : null;
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const scenarios = opts.scenarios ?? SCENARIO_IDS;
  const host = opts.host ?? labHost({ stateDir: `${localStateDir()}/demo` });
  const isRoot = await host.transport.isRoot();
  let probe: ProbeResult | null = null;
  let probeError: string | undefined;
  if (isRoot) {
    try {
      probe = await probeHost(host);
    } catch (err) {
      probeError = (err as Error).message;
    }
  }
  // A fresh root machine lacks the tools: the main job sets them up rather than settle for the examples.
  const missingTools = liveBlocker(probe, isRoot, scenarios);
  if (missingTools && probe?.bpf && opts.setup !== false) {
    opts.onSetup?.(missingTools);
    try {
      await setupHost(host.transport, host.stateDir);
      probe = await probeHost(host, { refresh: true });
    } catch (err) {
      probeError = `setup failed: ${(err as Error).message}`;
    }
  }
  const reason = liveBlocker(probe, isRoot, scenarios) ?? undefined;
  const outcomes: DemoOutcome[] = [];
  if (reason) {
    for (const scenario of scenarios) {
      opts.onScenario?.(scenario, 'examples');
      let o: DemoOutcome;
      try {
        const examples = await checkExamples(scenario);
        o = { scenario, mode: 'examples', ok: examples.length > 0 && examples.every((e) => e.ok), examples, ...(examples.length ? {} : { error: 'no bundled examples' }) };
      } catch (err) {
        o = { scenario, mode: 'examples', ok: false, examples: [], error: (err as Error).message };
      }
      outcomes.push(o);
      opts.onOutcome?.(o);
    }
    return { mode: 'examples', reason: probeError ? `${reason}: ${probeError}` : reason, outcomes };
  }
  // the captures live only as long as the demo: nothing is left in /tmp
  const captures = await mkdtemp(join(tmpdir(), 'labctl-demo-'));
  try {
    for (const scenario of scenarios) {
      opts.onScenario?.(scenario, 'live');
      let o: DemoOutcome;
      try {
        const t0 = Date.now();
        await injectFault(host, { scenario, seed: DEFAULT_SEED, ttlSec: 300 });
        const injectMs = Date.now() - t0;
        const check = await checkScenario(host, scenario, { probe: probe!, durationSec: opts.durationSec ?? 5, dir: join(captures, scenario) });
        o = { scenario, mode: 'live', ok: check.visible, check: withRunFlavors(check), injectMs };
      } catch (err) {
        o = { scenario, mode: 'live', ok: false, error: (err as Error).message };
      } finally {
        await stopFault(host, scenario, { purge: true }).catch(() => undefined);
      }
      outcomes.push(o);
      opts.onOutcome?.(o);
    }
  } finally {
    await rm(captures, { recursive: true, force: true });
  }
  return { mode: 'live', probe: probe!, outcomes };
}
