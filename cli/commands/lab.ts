import { writeAtomic } from '../../core/write-atomic.ts';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { MANIFEST_FILE } from '../../grader/manifest.ts';
import { renderReport } from '../../grader/report/index.ts';
import { SCENARIO_IDS, assertScenarioId, type ScenarioId } from '../../scenarios/variants.ts';
import { CAPTURE_PLAN } from '../../labs/capture.ts';
import { checkScenario } from '../../labs/check.ts';
import { formatDuration, parseDuration } from '../../labs/duration.ts';
import { LabError } from '../../labs/errors.ts';
import { labHost, type LabHost } from '../../labs/host.ts';
import { probeHost, renderProbe, type ProbeResult } from '../../labs/probe.ts';
import { resolveSeed } from '../../labs/seed.ts';
import { setupHost } from '../../labs/setup.ts';
import { claimHostFor, REPLACE_FLAG } from '../../labs/owner.ts';
import { DEFAULT_TTL_SEC, extendFaults, hasEnded, injectFault, labStatus, resetFault, stopFault, variantLabel, type LabStatus } from '../../labs/supervisor.ts';
import { DEFAULT_SEED, deriveSeed } from '../../scenarios/variants.ts';
import { classSecretFrom, DEFAULT_JOBS, DEFAULT_RETRIES, fanOutWithProgress, loadInventory, outcomesJson, placeLearnerKey, renderReadiness, renderSummary, requireClassSecret, selectHosts, type FanoutInventory, type HostOperation, type HostOutcome } from '../../labs/fanout/index.ts';
import { checkOp, extendOp, injectOp, probeOp, resetOp, setupOp, statusOp, stopOp } from '../../labs/fanout/operations.ts';
import { collectFrom, collectOp, DEFAULT_BUNDLE_ROOTS, type CollectSummary } from '../../labs/fanout/collect.ts';
import { readinessColumns, readinessMatrix, readinessOp, scheduledScenarios, type ReadinessSummary } from '../../labs/fanout/readiness.ts';

interface HostOpts {
  host?: string;
  inventory?: string;
}

/** Flags of a fan-out over an inventory. */
interface FanoutFlags extends HostOpts {
  jobs?: string;
  retries?: string;
  learner?: string[];
  distro?: string;
  json?: boolean;
}

/** One host (this machine or --host); fan-out flags without --inventory are a mistake worth saying. */
function hostFrom(o: HostOpts & Partial<FanoutFlags>, learnerIsHostOption = false): LabHost {
  if (o.inventory) {
    throw new LabError('--inventory is not supported by this command', 'run it on one host with --host USER@HOST; `labctl lab probe --inventory FILE` shows every host\'s tools');
  }
  const stray = [o.jobs && '--jobs', o.retries && '--retries', o.distro && '--distro', !learnerIsHostOption && o.learner?.length && '--learner'].filter(Boolean);
  if (stray.length) throw new LabError(`${stray.join(', ')}: only with --inventory`, 'add --inventory inventory.json to run on the whole class');
  return labHost({ host: o.host });
}

const collect = (value: string, prev: string[] = []): string[] => [...prev, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

const withHost = (cmd: Command): Command =>
  cmd
    .option('--host <user@host[:port]>', 'lab host over SSH (your ~/.ssh/config, keys and agent apply); default: this machine')
    .option('--inventory <file>', 'inventory.json of a classroom: run on every host in parallel');

/** The options of every command that fans out; `--learner` is added per command (inject has its own meaning for it). */
const withFanout = (cmd: Command, learnerHelp = 'with --inventory: only this learner\'s hosts (repeatable, or a,b,c)'): Command =>
  withHost(cmd)
    .option('--jobs <n>', `with --inventory: hosts at once (default ${DEFAULT_JOBS})`)
    .option('--retries <n>', `with --inventory: retries per host after transient SSH failures, with exponential backoff (default ${DEFAULT_RETRIES})`)
    .option('--learner <id>', learnerHelp, collect)
    .option('--distro <distro>', 'with --inventory: only hosts of this distro');

function wholeNumber(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new LabError(`bad ${flag} ${JSON.stringify(text)}: expected a whole number >= ${min}`, `e.g. ${flag} ${min === 0 ? 3 : 10}`);
  return Number(text);
}

const colorOut = () => process.stdout.isTTY === true && !process.env.NO_COLOR;

interface Fanout {
  inventory: FanoutInventory;
  run<T>(op: HostOperation<T>): Promise<HostOutcome<T>[]>;
}

async function fanoutFrom(o: FanoutFlags): Promise<Fanout> {
  if (o.host) throw new LabError('--host and --inventory together', 'one host: --host; the whole class: --inventory');
  const jobs = wholeNumber(o.jobs, '--jobs', 1);
  const retries = wholeNumber(o.retries, '--retries', 0);
  const inventory = await loadInventory(o.inventory!);
  const hosts = selectHosts(inventory, { learners: o.learner, distro: o.distro });
  if (!o.json) process.stderr.write(pc.dim(`${inventory.class}: ${hosts.length} host(s) from ${o.inventory}, ${Math.min(jobs ?? DEFAULT_JOBS, hosts.length)} at a time\n`));
  return { inventory, run: (op) => fanOutWithProgress(hosts, op, { jobs, retries }) };
}

/** The summary table (or JSON) of a fan-out; exit status 1 when any host failed. */
function finish<T>(outcomes: HostOutcome<T>[], o: FanoutFlags): void {
  print(o.json ? JSON.stringify(outcomesJson(outcomes), null, 2) : renderSummary(outcomes, { color: colorOut(), width: process.stdout.columns }));
  process.exitCode = outcomes.every((x) => x.ok) ? 0 : 1;
}

const scenarioList = SCENARIO_IDS.join(', ');

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function renderStatus(list: LabStatus[]): string {
  if (!list.length) return 'no faults on this host';
  const rows = [['SCENARIO', 'STATUS', 'VARIANT', 'PROCS', 'EXPIRES IN', 'SUPERVISOR', 'DETAILS']];
  for (const s of list) {
    const st = s.state;
    const ended = hasEnded(st);
    const expires = s.remainingSec === null || ended ? '-' : s.remainingSec > 0 ? formatDuration(s.remainingSec) : 'expired';
    // only processes alive now: a pid recorded at inject may have ended since
    const pids = st ? Object.entries(st.pids).filter(([, p]) => s.alive.includes(p)).map(([n, p]) => `${n}=${p}`).join(' ') : '';
    const details = ended
      ? `ended ${st?.endedAt ?? ''}; lab-manifest.json (sealed) kept for submit (lab stop --purge removes it)`
      : [pids, s.status === 'running' && st?.port ? `port ${st.port}` : ''].filter(Boolean).join(', ');
    rows.push([s.scenario, s.status, st ? variantLabel(st) : '?', String(s.processes), expires, st?.supervisor ?? '?', details]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** The learner-facing list: for each lesson tool, the command that works on this host. */
function renderTools(p: ProbeResult): string {
  const lines = [`Commands that work on ${p.host} (kernel ${p.kernel}); run them as root (sudo):`, ''];
  for (const t of p.tools) {
    const uses = SCENARIO_IDS.filter((id) => CAPTURE_PLAN[id].some((c) => c.tool === t.tool));
    const forWhat = uses.length ? pc.dim(`  # ${uses.join(', ')}`) : '';
    lines.push(t.command ? `  ${t.tool.padEnd(11)} ${t.command}${forWhat}` : `  ${t.tool.padEnd(11)} ${pc.dim('not available on this host')}`);
  }
  return lines.join('\n');
}

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('prepare lab hosts, inject and stop faults, check that a fault is visible')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo npx labctl lab setup
  $ sudo npx labctl lab inject ghost-load --seed s1 --ttl 30m
  $ sudo npx labctl lab status
  $ sudo npx labctl lab check ghost-load
  $ sudo npx labctl lab stop
  $ npx labctl lab inject offcpu-lock --host ubuntu@10.0.0.5 --learner alice --secret "$SECRET"

The whole class (every host of inventory.json in parallel; a per-host summary, --json, exit 1 if any host failed):
  $ npx labctl lab setup --inventory inventory.json --jobs 20
  $ LABCTL_CLASS_SECRET=... npx labctl lab inject ghost-load --inventory inventory.json --ttl 3h
  $ npx labctl lab check --all --inventory inventory.json      # readiness: every scheduled fault visible
  $ npx labctl lab extend --by 30m --inventory inventory.json             # more time, nothing restarted
  $ npx labctl lab reset ghost-load --inventory inventory.json --learner ana   # ana's lab afresh, same variant
  $ npx labctl lab collect --inventory inventory.json --out submissions/     # latest bundles -> grade --batch
  $ npx labctl lab stop --inventory inventory.json --learner ana --learner ben
  $ npx labctl lab stop --purge --inventory inventory.json                 # also the manifests and learner keys

inventory.json is \`terraform output -json inventory\`: {class, scenarios?, hosts: [{learner, distro, host, user, port?}]}.
A host may also set "stateDir" (its lab state dir, default /var/lib/labctl). One lab per host: two learners on one host are refused.
Transient SSH failures (connection refused/reset/timed out) are retried with exponential backoff; auth errors are not.
Progress goes to stderr: live rows in a terminal, timestamped lines when piped or when CI is set.`,
    );

  withFanout(lab.command('probe').description('what the kernel supports and which command works for each lesson tool'))
    .option('--json', 'print JSON')
    .option('--refresh', 'probe again instead of using the cached result')
    .action(async (o: FanoutFlags & { refresh?: boolean }) => {
      if (o.inventory) return finish(await (await fanoutFrom(o)).run(probeOp({ refresh: o.refresh })), o);
      const host = hostFrom(o);
      const p = await probeHost(host, { refresh: o.refresh });
      print(o.json ? JSON.stringify(p, null, 2) : renderProbe(p));
    });

  withHost(lab.command('tools').description('the exact tool commands that work on the host, for learners'))
    .option('--json', 'print JSON')
    .action(async (o: HostOpts & { json?: boolean }) => {
      const p = await probeHost(hostFrom(o));
      if (o.json) print(JSON.stringify(Object.fromEntries(p.tools.map((t) => [t.tool, t.command])), null, 2));
      else print(renderTools(p));
    });

  withFanout(lab.command('setup').description('install the eBPF tools, gcc, curl, python3; mount tracefs/debugfs (idempotent)'))
    .option('--json', 'with --inventory: print JSON')
    .action(async (o: FanoutFlags) => {
      if (o.inventory) return finish(await (await fanoutFrom(o)).run(setupOp()), o);
      const host = hostFrom(o);
      const { plan, results } = await setupHost(host.transport, host.stateDir, {
        onStep: (r) => {
          const mark = r.outcome === 'failed' ? pc.red('✖') : r.outcome === 'skipped-optional' ? pc.yellow('!') : pc.green('✔');
          const what = r.outcome === 'already' ? 'already in place' : r.outcome === 'applied' ? 'done' : `skipped: ${r.detail ?? ''}`;
          print(`${mark} ${r.step.description}: ${what}`);
        },
      });
      const changed = results.filter((r) => r.outcome === 'applied').length;
      print(`${plan.distro.prettyName}, kernel ${plan.kernelRelease}: ${changed ? `${changed} step(s) applied` : 'nothing to change'}`);
      print(pc.dim('next: labctl lab probe --refresh'));
    });

  withFanout(
    lab.command('inject').description(`start a fault under a TTL and write its lab manifest (${scenarioList})`),
    'learner id: one host: recorded in the manifest, derives the seed and (with the secret) writes learner.key; with --inventory: only this learner\'s hosts (repeatable)',
  )
    .argument('<scenario>', scenarioList)
    .option('--seed <seed>', 'one host: variant seed (default: derived from --learner and --secret, else "default")')
    .option('--secret <secret>', 'class secret (or env LABCTL_CLASS_SECRET / LABCTL_CLASSROOM_SECRET): derives seeds and learner keys; required with --inventory')
    .option('--ttl <duration>', 'stop by itself after this long, e.g. 90s, 15m, 2h', `${DEFAULT_TTL_SEC / 60}m`)
    .option('--out <file>', `one host: where to write your plaintext manifest (the lab host keeps a sealed one; over SSH default ./${MANIFEST_FILE})`)
    .option('--out-dir <dir>', 'with --inventory: where each host\'s manifest is copied, as <learner>-<distro>-<scenario>.json', 'manifests')
    .option(REPLACE_FLAG, 'the host holds another learner\'s lab (two inventory addresses of one machine, or a host reassigned): stop and purge it first (that learner can no longer submit from it)')
    .option('--json', 'print the state as JSON')
    .action(async (id: string, o: FanoutFlags & { seed?: string; secret?: string; ttl: string; out?: string; outDir: string; replaceOtherLearner?: boolean }) => {
      const scenario = assertScenarioId(id);
      const ttlSec = parseDuration(o.ttl);
      if (o.inventory) {
        if (o.seed) throw new LabError('--seed with --inventory', 'every learner gets their own variant, derived from the class secret: drop --seed');
        if (o.out) throw new LabError('--out with --inventory', 'each host\'s manifest goes to --out-dir DIR as <learner>-<distro>-<scenario>.json');
        const classSecret = requireClassSecret(o.secret, 'inject --inventory');
        return finish(await (await fanoutFrom(o)).run(injectOp({ scenario, classSecret, ttlSec, outDir: o.outDir, replaceOtherLearner: o.replaceOtherLearner })), o);
      }
      if ((o.learner?.length ?? 0) > 1) throw new LabError(`--learner given ${o.learner!.length} times for one host`, 'one host has one learner; several learners need --inventory');
      const learner = o.learner?.[0];
      const secret = learner ? classSecretFrom(o.secret) : o.secret;
      const seed = resolveSeed(scenario, { seed: o.seed, learner, secret });
      const host = hostFrom(o, true);
      // one lab per host: checked before the key, which would overwrite another learner's
      const replaced = learner ? await claimHostFor(host, learner, { replace: o.replaceOtherLearner }) : null;
      if (replaced && !o.json) print(`replaced learner ${replaced.learner}'s lab${replaced.labs.length ? ` (${replaced.labs.map((l) => l.scenario).join(', ')})` : ''}: stopped and purged`);
      // the key first: a lab that runs is a lab whose learner can sign a submission
      const keyPath = learner && secret ? await placeLearnerKey(host, secret, learner) : undefined;
      const r = await injectFault(host, { scenario, seed, ttlSec, learner });
      // the instructor's copy is plaintext (the host's is sealed): written here, on this machine, never on the lab host's side
      let copy: string | undefined;
      if (host.transport.remote || o.out) {
        copy = resolve(o.out ?? MANIFEST_FILE);
        await writeAtomic(copy, `${JSON.stringify(r.manifest, null, 2)}\n`);
      }
      if (o.json) return print(JSON.stringify({ ...r.state, seed, already: r.already, manifestCopy: copy, ...(keyPath ? { learnerKey: keyPath } : {}) }, null, 2));
      print(
        r.already
          ? `${scenario} (seed ${seed}) is already running on ${host.transport.describe()}: nothing started`
          : `${pc.green('✔')} ${scenario} injected on ${host.transport.describe()} (seed ${seed}, ${r.state.supervisor}); expires ${r.state.expiresAt}`,
      );
      print(`manifest: ${r.manifestPath} (sealed: names only as hashes)${copy ? `; yours, in plaintext: ${copy}` : ''}`);
      if (keyPath) print(`learner key: ${keyPath} (mode 0600; labctl submit signs with it)`);
      print(pc.dim(`check it: labctl lab check ${scenario}${o.host ? ` --host ${o.host}` : ''}    stop it: labctl lab stop ${scenario}`));
    });

  withFanout(lab.command('status').description('faults on the host: what runs and when it expires'))
    .option('--json', 'print JSON')
    .action(async (o: FanoutFlags) => {
      if (o.inventory) return finish(await (await fanoutFrom(o)).run(statusOp()), o);
      const list = await labStatus(hostFrom(o));
      print(o.json ? JSON.stringify(list, null, 2) : renderStatus(list));
    });

  withFanout(
    lab
      .command('stop')
      .description('stop one fault or all of them: returns once every process has exited; removes their files but the manifest (idempotent)'),
  )
    .argument('[scenario]', scenarioList)
    .option('--purge', 'also remove the lab manifest (and, for every fault, the learner key): the learner can no longer submit from the host')
    .option('--json', 'with --inventory: print JSON')
    .action(async (id: string | undefined, o: FanoutFlags & { purge?: boolean }) => {
      if (id !== undefined) assertScenarioId(id);
      if (o.inventory) return finish(await (await fanoutFrom(o)).run(stopOp(id, { purge: o.purge })), o);
      const host = hostFrom(o);
      const stopped = await stopFault(host, id, { purge: o.purge });
      if (!stopped.length) return print(`nothing to stop on ${host.transport.describe()}`);
      for (const s of stopped) {
        print(`${pc.green('✔')} ${s.scenario} ${o.purge ? 'purged' : 'stopped'} (${s.killed} process(es) ended, files removed${s.kept ? '; lab-manifest.json kept so the learner can still submit' : ''})`);
      }
      if (stopped.some((s) => s.kept)) print(pc.dim(`remove the manifest and learner key too: labctl lab stop${id ? ` ${id}` : ''} --purge`));
    });

  withFanout(lab.command('collect').description('fetch every learner\'s latest submitted bundle per scenario into one folder, ready for grade --batch'))
    .requiredOption('--out <dir>', 'where the bundles go, as <learner>-<distro>-<scenario>.tar.gz')
    .option('--scenario <id>', 'only this scenario (repeatable)', collect)
    .option('--from <dir>', `where to look on the hosts (repeatable; default ${DEFAULT_BUNDLE_ROOTS.join(', ')} and the lab state dir)`, collect)
    .option('--captures <dir>', 'also copy this folder from each host (the learners\' work), into <out>/.captures/<learner>-<distro>/')
    .option('--json', 'print JSON')
    .action(async (o: FanoutFlags & { out: string; scenario?: string[]; from?: string[]; captures?: string }) => {
      const opts = { outDir: o.out, roots: o.from, scenarios: o.scenario?.map(assertScenarioId), captures: o.captures };
      if (o.inventory) {
        await finishCollect(await (await fanoutFrom(o)).run(collectOp(opts)), o);
        return;
      }
      if ((o.learner?.length ?? 0) > 1) throw new LabError(`--learner given ${o.learner!.length} times for one host`, 'several learners need --inventory');
      const host = hostFrom(o, true);
      const learner = o.learner?.[0];
      const r = await collectFrom(host, { learner: learner ?? 'host', distro: 'local' }, opts, learner);
      if (o.json) return print(JSON.stringify(r, null, 2));
      for (const b of r.bundles) print(`${pc.green('✔')} ${b.scenario}: ${b.from} -> ${b.file}`);
      if (r.captures) print(`captures: ${r.captures}`);
      print(pc.dim(`grade them: labctl grade --batch ${o.out} --secret ... --out-dir grades/`));
    });

  withFanout(lab.command('extend').description('move the expiry of running faults later, without restarting them'))
    .argument('[scenario]', `${scenarioList} (default: every running fault)`)
    .requiredOption('--by <duration>', 'how much later, e.g. 30m, 1h')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, o: FanoutFlags & { by: string }) => {
      if (id !== undefined) assertScenarioId(id);
      const bySec = parseDuration(o.by, '--by');
      if (o.inventory) return finish(await (await fanoutFrom(o)).run(extendOp(id, bySec)), o);
      const host = hostFrom(o);
      const states = await extendFaults(host, id, bySec);
      if (o.json) return print(JSON.stringify(states, null, 2));
      for (const s of states) print(`${pc.green('✔')} ${s.scenario} now expires ${s.expiresAt} (in ${formatDuration(Math.round((Date.parse(s.expiresAt) - Date.now()) / 1000))})`);
    });

  withFanout(lab.command('reset').description('stop a lab and inject the same variant again (same learner and seed): a fresh start'))
    .argument('[scenario]', `${scenarioList} (default: every lab on the host, running or ended)`)
    .option('--ttl <duration>', 'TTL of the new start (default: the TTL it was injected with)')
    .option('--secret <secret>', 'class secret (or env LABCTL_CLASS_SECRET): the host keeps only a hash of the seed, so a learner\'s seed is derived again')
    .option('--seed <seed>', 'the seed the lab was injected with (labs injected with --seed)')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, o: FanoutFlags & { ttl?: string; secret?: string; seed?: string }) => {
      if (id !== undefined) assertScenarioId(id);
      const ttlSec = o.ttl === undefined ? undefined : parseDuration(o.ttl);
      const secret = o.secret || process.env.LABCTL_CLASS_SECRET || process.env.LABCTL_CLASSROOM_SECRET;
      // every seed the lab may have had; the host's hash of its seed picks the one
      const seeds = (learner: string | undefined, scenario: ScenarioId): string[] => [...(o.seed ? [o.seed] : []), ...(secret && learner ? [deriveSeed(secret, learner, scenario)] : []), DEFAULT_SEED];
      if (o.inventory) return finish(await (await fanoutFrom(o)).run(resetOp(id, { ttlSec, seeds })), o);
      const host = hostFrom(o);
      const done = await resetFault(host, id, { ttlSec, seeds });
      if (o.json) return print(JSON.stringify(done.map((d) => d.inject.state), null, 2));
      for (const d of done) print(`${pc.green('✔')} ${d.scenario} reset on ${host.transport.describe()} (seed ${d.inject.manifest.seed}); expires ${d.inject.state.expiresAt}`);
    });

  withFanout(lab.command('check').description('capture with the working tools, grade the evidence, say whether the fault is visible; --all: readiness of every scheduled fault'))
    .argument('[scenario]', scenarioList)
    .option('--all', 'readiness: every scheduled fault (--scenario, else the inventory\'s scenarios, else the faults injected on each host) on every host')
    .option('--scenario <id>', 'with --all: the faults to prove (repeatable, or a,b)', collect)
    .option('--duration <duration>', 'how long each tool traces', '5s')
    .option('--json', 'print the grade report (with --inventory/--all: the per-host results) as JSON')
    .action(async (id: string | undefined, o: FanoutFlags & { all?: boolean; scenario?: string[]; duration: string }) => {
      const durationSec = parseDuration(o.duration, '--duration');
      if (o.all) {
        if (id) throw new LabError(`both a scenario (${id}) and --all`, 'one fault: labctl lab check ID; every scheduled fault: labctl lab check --all');
        return checkAll(o, durationSec);
      }
      if (!id) throw new LabError('which fault? give a scenario or --all', `labctl lab check ${SCENARIO_IDS[0]}, or labctl lab check --all (readiness)`);
      const scenario = assertScenarioId(id);
      if (o.inventory) return finish(await (await fanoutFrom(o)).run(checkOp({ scenario, durationSec })), o);
      const host = hostFrom(o);
      const c = await checkScenario(host, scenario, { durationSec });
      if (o.json) print(renderReport(c.report, 'json'));
      else {
        print(`captures${c.capture.kept === false ? ' (not kept on the host)' : `: ${c.capture.dir}`} (${c.capture.runs.map((r) => `${r.file}: ${r.command.length > 50 ? `${r.command.slice(0, 47)}...` : r.command}`).join('; ')})`);
        for (const s of c.capture.skipped) print(pc.dim(`not captured: ${s.tool} (${s.reason})`));
        print(renderReport(c.report, 'text', { color: colorOut() }));
        print(c.visible ? `${pc.green('✔')} ${c.scenario} is visible with the tools on this host` : `${pc.red('✖')} ${c.scenario} is NOT visible: see the failed checks above`);
      }
      process.exitCode = c.visible ? 0 : 1;
    });
}

/** The fan-out summary, then where the bundles are and the next step. */
async function finishCollect(outcomes: HostOutcome<CollectSummary>[], o: FanoutFlags & { out: string }): Promise<void> {
  finish(outcomes, o);
  if (o.json) return;
  const n = outcomes.reduce((k, x) => k + (x.result?.bundles.length ?? 0), 0);
  print(`${n} bundle(s) in ${o.out}; next: labctl grade --batch ${o.out} --roster roster.csv --out-dir grades/`);
}

/** `lab check --all`: the readiness matrix, over the inventory or for the one host. */
async function checkAll(o: FanoutFlags & { scenario?: string[] }, durationSec: number): Promise<void> {
  const flagged = o.scenario?.map(assertScenarioId);
  let scheduled: ScenarioId[] | 'injected';
  let outcomes: HostOutcome<ReadinessSummary>[];
  if (o.inventory) {
    const f = await fanoutFrom(o);
    scheduled = scheduledScenarios(flagged, f.inventory.scenarios);
    outcomes = await f.run(readinessOp({ scenarios: scheduled, durationSec }));
  } else {
    scheduled = scheduledScenarios(flagged, undefined);
    const host = hostFrom(o);
    const address = host.transport.remote ? host.transport.describe().replace(/^ssh /, '') : 'local';
    const one = { learner: '-', distro: '-', address, target: { host: address }, index: 0 };
    outcomes = await fanOutWithProgress([one], readinessOp({ scenarios: scheduled, durationSec }), { labHostFor: () => host, retries: 0, view: 'none' });
  }
  const scenarios = readinessColumns(outcomes, scheduled);
  const matrix = readinessMatrix(outcomes, scenarios);
  if (o.json) {
    print(JSON.stringify(outcomesJson(matrix.map((m) => ({ ...m.outcome, result: { cells: m.cells } }))), null, 2));
  } else print(renderReadiness(matrix, scenarios, { color: colorOut() }));
  process.exitCode = matrix.every((m) => m.cells.length > 0 && m.cells.every((c) => c.state === 'ready')) ? 0 : 1;
}
