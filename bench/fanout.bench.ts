// Fan-out: `lab inject --inventory` on 1 vs 20 hosts. Target (issue 5): 20 hosts take <= 1.5x one host,
// i.e. the fan-out adds little beyond the slowest host. The hosts are 20+ real sshd on 127.0.0.1, each with
// its own state dir; the per-host sequence is inject's own round trips (learner key, status, preflight, state
// file, program files, manifest, state; the manifest copy is written locally) with the real labs/ code where it is unprivileged-safe.
// What a real host does with its *own* CPU (gcc, waiting for the fault to come up) is a fixed remote wait
// here: on this 2-core VM, 20 compilers would measure the VM, not the fan-out.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../grader/manifest.ts';
import { fanOut, type FanoutHost, type HostOperation } from '../labs/fanout/index.ts';
import { placeLearnerKey } from '../labs/fanout/learner-key.ts';
import { faultFor } from '../labs/faults/index.ts';
import { shq, writeFilesCommand } from '../labs/shell.ts';
import { statusOf } from '../labs/supervisor.ts';
import { mustSucceed } from '../labs/transport.ts';
import { deriveSeed, variantFacts } from '../scenarios/variants.ts';
import { SshdPool, sshdMissing, type SshdServer } from '../test/support/sshd.ts';

const HOSTS = 20;
const TARGET_RATIO = 1.5;
/** what a host spends on its own: building the fault program and waiting until it is visible */
const REMOTE_WORK_SEC = 1;
const SECRET = 'bench-secret';
const CLK_TCK = 100;

function injectLike(outDir: string): HostOperation<string> {
  return async ({ host, lab }) => {
    const t = lab.transport;
    const scenario = 'offcpu-lock';
    const seed = deriveSeed(SECRET, host.learner, scenario);
    const facts = variantFacts(scenario, seed);
    const spec = faultFor(scenario, facts);
    const labDir = `${lab.stateDir}/${scenario}`;
    await placeLearnerKey(lab, SECRET, host.learner);
    await statusOf(lab, scenario);
    mustSucceed(await t.run(spec.preflight.map((p) => `{ ${p.check}; } >/dev/null 2>&1 || echo "__FAIL"`).join('\n')), 'preflight');
    const state = (phase: string) => ({ path: `${labDir}/state.json`, content: `${JSON.stringify({ scenario, seed, learner: host.learner, phase }, null, 2)}\n` });
    mustSucceed(await t.run(`mkdir -p ${shq(`${labDir}/bin`)} && ${writeFilesCommand([state('starting')])}`), 'state');
    mustSucceed(await t.run(`${writeFilesCommand(spec.files.map((f) => ({ ...f, path: `${labDir}/${f.path}` })))} && sleep ${REMOTE_WORK_SEC / 2}`), 'files + build');
    const manifest = { scenario, seed, learner: host.learner, host: host.address, createdAt: new Date().toISOString(), facts };
    mustSucceed(await t.run(`${writeFilesCommand([{ path: `${labDir}/${MANIFEST_FILE}`, content: JSON.stringify(manifest, null, 2) }])} && sleep ${REMOTE_WORK_SEC / 2}`), 'start + ready');
    mustSucceed(await t.run(writeFilesCommand([state('running')])), 'state');
    writeFileSync(join(outDir, `${host.learner}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
    return { ok: true, message: seed, result: seed };
  };
}

function hostsOn(servers: SshdServer[], root: string, tag: string): FanoutHost[] {
  return servers.map((s, index) => ({
    learner: `${tag}${index}`,
    distro: 'debian',
    address: s.target,
    target: { user: 'root', host: '127.0.0.1', port: s.port },
    stateDir: join(root, `${tag}${index}`),
    index,
  }));
}

/** CPU seconds of this process and of the children it has reaped (zx's shells, ssh and scp clients: the controller side). */
function controllerCpuSec(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14-17 (utime, stime, cutime, cstime) are 11-14 after the comm
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
}

async function timed(hosts: FanoutHost[], outDir: string, jobs: number): Promise<{ sec: number; cpuSec: number }> {
  const c0 = controllerCpuSec();
  const t0 = performance.now();
  const outcomes = await fanOut(hosts, injectLike(outDir), { jobs });
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) throw new Error(`${failed.length} host(s) failed: ${failed[0].message}`);
  return { sec: (performance.now() - t0) / 1000, cpuSec: controllerCpuSec() - c0 };
}

export async function run(): Promise<void> {
  const missing = sshdMissing();
  if (missing) return console.log(`   skipped: ${missing}`);
  const pool = new SshdPool();
  const root = mkdtempSync(join(tmpdir(), 'labctl-bench-fanout-'));
  const savedOpts = process.env.LABCTL_SSH_OPTS;
  process.env.LABCTL_SSH_OPTS = pool.sshOpts.join(' ');
  try {
    // every measured host is cold (no shared ssh connection yet), as at the start of a class
    const servers = await pool.startMany(HOSTS + 4);
    const [warm, ...singles] = servers.slice(HOSTS);
    await timed(hostsOn([warm], root, 'warm'), root, 1);
    const one: number[] = [];
    for (const [i, s] of singles.entries()) one.push((await timed(hostsOn([s], root, `one${i}-`), root, 1)).sec);
    const single = one.sort((a, b) => a - b)[1];
    const many = await timed(hostsOn(servers.slice(0, HOSTS), root, 'h'), root, HOSTS);
    const cores = availableParallelism();
    console.log(`   inject-like sequence (8 ssh round trips, ${REMOTE_WORK_SEC}s of host-side work): 1 host ${single.toFixed(2)} s (median of 3)`);
    console.log(`   ${HOSTS} hosts, --jobs ${HOSTS}: ${many.sec.toFixed(2)} s; ratio ${(many.sec / single).toFixed(2)} (target <= ${TARGET_RATIO}; measured with all ${HOSTS} hosts' sshd and shells on this machine's ${cores} cores)`);
    // On a real class the host side runs on 20 machines; what stays here is the controller's CPU.
    const projected = (single + many.cpuSec / cores) / single;
    console.log(`   controller CPU for ${HOSTS} hosts ${many.cpuSec.toFixed(2)} s (${((many.cpuSec / HOSTS) * 1000).toFixed(0)} ms per host); ratio with hosts on their own machines (1 host + controller CPU / ${cores} cores, estimate): ${projected.toFixed(2)}`);
  } finally {
    if (savedOpts === undefined) delete process.env.LABCTL_SSH_OPTS;
    else process.env.LABCTL_SSH_OPTS = savedOpts;
    pool.close();
    rmSync(root, { recursive: true, force: true });
  }
}
