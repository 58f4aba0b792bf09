// Lab faults: time from `inject` to the first capture that shows the fault, and the CPU the fault
// costs while it runs. Targets (issue 3): signal within 10 s, fault CPU <= 1 core.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCaptureText } from '../grader/parsers/index.ts';
import type { CaptureOf } from '../grader/parsers/types.ts';
import type { Facts } from '../grader/manifest.ts';
import { labHost } from '../labs/host.ts';
import { probeHost, workingCommand, type ProbeResult } from '../labs/probe.ts';
import { injectFault, labIdOf, stopFault } from '../labs/supervisor.ts';
import type { LessonTool } from '../labs/tools.ts';
import { SCENARIO_IDS, type ScenarioId } from '../scenarios/variants.ts';

const SIGNAL_TARGET_SEC = 10;
const CPU_TARGET_CORES = 1;
const CLK_TCK = 100;

/** The one tool per fault the bench watches, and how it recognises the fault in one short capture. */
const WATCH: Record<ScenarioId, { tool: LessonTool; args: string; seen: (text: string, facts: Facts) => boolean }> = {
  'ghost-load': {
    tool: 'execsnoop',
    args: '',
    seen: (text, f) => ((parseCaptureText(text, 'execsnoop') as CaptureOf<'execsnoop'>).summary.byComm?.curl ?? 0) > 0 && text.includes(String(f.url)),
  },
  'offcpu-lock': {
    tool: 'offcputime',
    args: '',
    seen: (text, f) => {
      const c = parseCaptureText(text, 'offcputime');
      return c.tool === 'offcputime' && c.summary.stacks.some((s) => s.frames.includes(String(f.hot_function)));
    },
  },
  'fsync-latency': { tool: 'fsync-hist', args: '', seen: (text, f) => text.includes(`@fsync_usecs[${f.process_comm}]`) },
};

/** utime+stime of the fault's processes plus what they reaped from finished children (curl, date...). */
function faultTicks(labId: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`LABCTL_LAB=${labId}`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the comm
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks;
}

async function benchOne(id: ScenarioId, probe: ProbeResult, stateDir: string): Promise<void> {
  const host = labHost({ stateDir });
  const watch = WATCH[id];
  const w = workingCommand(probe, watch.tool);
  if (!w) return console.log(`   ${id}: skipped (no working ${watch.tool} here)`);
  const t0 = Date.now();
  const r = await injectFault(host, { scenario: id, seed: 'bench', ttlSec: 300 });
  const injectSec = (Date.now() - t0) / 1000;
  let signalSec: number | null = null;
  try {
    for (let i = 0; i < 6 && signalSec === null; i++) {
      const out = await host.transport.run(`timeout -s INT -k 30 1 ${w.command} ${watch.args} </dev/null`, { timeoutMs: 60_000 });
      if (watch.seen(`${out.stderr}\n${out.stdout}`, r.manifest.facts)) signalSec = (Date.now() - t0) / 1000;
    }
    const labId = labIdOf(stateDir, id);
    const c0 = faultTicks(labId);
    const w0 = Date.now();
    await new Promise((res) => setTimeout(res, 4000));
    const cores = (faultTicks(labId) - c0) / CLK_TCK / ((Date.now() - w0) / 1000);
    const sig = signalSec === null ? 'not seen in 6 tries' : `${signalSec.toFixed(1)} s (inject ${injectSec.toFixed(1)} s)`;
    console.log(`   ${id.padEnd(14)} inject->signal ${sig}; ratio to the ${SIGNAL_TARGET_SEC} s target: ${signalSec === null ? 'n/a' : (signalSec / SIGNAL_TARGET_SEC).toFixed(2)}`);
    console.log(`   ${id.padEnd(14)} fault CPU ${cores.toFixed(3)} cores; ratio to the ${CPU_TARGET_CORES}-core target: ${(cores / CPU_TARGET_CORES).toFixed(3)}`);
  } finally {
    await stopFault(host, id, { purge: true });
  }
}

export async function run(): Promise<void> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return console.log('   skipped: needs root (eBPF tools)');
  const stateDir = mkdtempSync(join(tmpdir(), 'labctl-bench-'));
  process.env.LABCTL_NO_SYSTEMD = '1';
  try {
    const probe = await probeHost(labHost({ stateDir }), { tools: ['execsnoop', 'offcputime', 'fsync-hist'] });
    if (!probe.bpf) return console.log('   skipped: BPF programs cannot be loaded here');
    for (const id of SCENARIO_IDS) await benchOne(id, probe, stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
