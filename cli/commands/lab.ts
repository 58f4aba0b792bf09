import { copyFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { MANIFEST_FILE } from '../../grader/manifest.ts';
import { renderReport } from '../../grader/report/index.ts';
import { SCENARIO_IDS, assertScenarioId } from '../../scenarios/variants.ts';
import { CAPTURE_PLAN } from '../../labs/capture.ts';
import { checkScenario } from '../../labs/check.ts';
import { formatDuration, parseDuration } from '../../labs/duration.ts';
import { LabError } from '../../labs/errors.ts';
import { labHost, type LabHost } from '../../labs/host.ts';
import { probeHost, renderProbe, type ProbeResult } from '../../labs/probe.ts';
import { resolveSeed } from '../../labs/seed.ts';
import { setupHost } from '../../labs/setup.ts';
import { DEFAULT_TTL_SEC, injectFault, labStatus, stopFault, type LabStatus } from '../../labs/supervisor.ts';

interface HostOpts {
  host?: string;
  inventory?: string;
}

function hostFrom(o: HostOpts): LabHost {
  if (o.inventory) {
    throw new LabError('--inventory is not supported yet: this version works on one host at a time', 'use --host USER@HOST (or nothing for this machine)');
  }
  return labHost({ host: o.host });
}

const withHost = (cmd: Command): Command =>
  cmd
    .option('--host <user@host[:port]>', 'lab host over SSH (your ~/.ssh/config, keys and agent apply); default: this machine')
    .option('--inventory <file>', 'inventory.json of a classroom (fan-out: not supported yet)');

const scenarioList = SCENARIO_IDS.join(', ');

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function renderStatus(list: LabStatus[]): string {
  if (!list.length) return 'no faults on this host';
  const rows = [['SCENARIO', 'STATUS', 'SEED', 'PROCS', 'EXPIRES IN', 'SUPERVISOR', 'DETAILS']];
  for (const s of list) {
    const st = s.state;
    const expires = s.remainingSec === null ? '-' : s.remainingSec > 0 ? formatDuration(s.remainingSec) : 'expired';
    const pids = st ? Object.entries(st.pids).map(([n, p]) => `${n}=${p}`).join(' ') : '';
    const details = [pids, st?.port ? `port ${st.port}` : ''].filter(Boolean).join(', ');
    rows.push([s.scenario, s.status, st?.seed ?? '?', String(s.processes), expires, st?.supervisor ?? '?', details]);
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
  $ npx labctl lab inject offcpu-lock --host ubuntu@10.0.0.5 --learner alice --secret "$SECRET"`,
    );

  withHost(lab.command('probe').description('what the kernel supports and which command works for each lesson tool'))
    .option('--json', 'print JSON')
    .option('--refresh', 'probe again instead of using the cached result')
    .action(async (o: HostOpts & { json?: boolean; refresh?: boolean }) => {
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

  withHost(lab.command('setup').description('install the eBPF tools, gcc, curl, python3; mount tracefs/debugfs (idempotent)')).action(
    async (o: HostOpts) => {
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
    },
  );

  withHost(lab.command('inject').description(`start a fault under a TTL and write its lab manifest (${scenarioList})`))
    .argument('<scenario>', scenarioList)
    .option('--seed <seed>', 'variant seed (default: derived from --learner and --secret, else "default")')
    .option('--learner <id>', 'learner id, recorded in the manifest and used to derive the seed')
    .option('--secret <secret>', 'classroom secret (or LABCTL_CLASSROOM_SECRET)')
    .option('--ttl <duration>', 'stop by itself after this long, e.g. 90s, 15m, 2h', `${DEFAULT_TTL_SEC / 60}m`)
    .option('--out <file>', `where to write the manifest copy (over SSH default ./${MANIFEST_FILE})`)
    .option('--json', 'print the state as JSON')
    .action(async (id: string, o: HostOpts & { seed?: string; learner?: string; secret?: string; ttl: string; out?: string; json?: boolean }) => {
      const scenario = assertScenarioId(id);
      const ttlSec = parseDuration(o.ttl);
      const seed = resolveSeed(scenario, o);
      const host = hostFrom(o);
      const r = await injectFault(host, { scenario, seed, ttlSec, learner: o.learner });
      let copy: string | undefined;
      if (host.transport.remote || o.out) {
        copy = resolve(o.out ?? MANIFEST_FILE);
        if (host.transport.remote) await host.transport.copyFrom(r.manifestPath, copy);
        else await copyFile(r.manifestPath, copy);
      }
      if (o.json) return print(JSON.stringify({ ...r.state, already: r.already, manifestCopy: copy }, null, 2));
      print(
        r.already
          ? `${scenario} (seed ${seed}) is already running on ${host.transport.describe()}: nothing started`
          : `${pc.green('✔')} ${scenario} injected on ${host.transport.describe()} (seed ${seed}, ${r.state.supervisor}); expires ${r.state.expiresAt}`,
      );
      print(`manifest: ${r.manifestPath}${copy ? ` (copy: ${copy})` : ''}`);
      print(pc.dim(`check it: labctl lab check ${scenario}${o.host ? ` --host ${o.host}` : ''}    stop it: labctl lab stop ${scenario}`));
    });

  withHost(lab.command('status').description('faults on the host: what runs and when it expires'))
    .option('--json', 'print JSON')
    .action(async (o: HostOpts & { json?: boolean }) => {
      const list = await labStatus(hostFrom(o));
      print(o.json ? JSON.stringify(list, null, 2) : renderStatus(list));
    });

  withHost(lab.command('stop').description('stop one fault or all of them and remove their files (idempotent)'))
    .argument('[scenario]', scenarioList)
    .action(async (id: string | undefined, o: HostOpts) => {
      const host = hostFrom(o);
      const stopped = await stopFault(host, id);
      if (!stopped.length) return print(`nothing to stop on ${host.transport.describe()}`);
      for (const s of stopped) print(`${pc.green('✔')} ${s.scenario} stopped (${s.killed} process(es) ended, files removed)`);
    });

  withHost(lab.command('check').description('capture with the working tools, grade the evidence, say whether the fault is visible'))
    .argument('<scenario>', scenarioList)
    .option('--duration <duration>', 'how long each tool traces', '5s')
    .option('--json', 'print the grade report as JSON')
    .action(async (id: string, o: HostOpts & { duration: string; json?: boolean }) => {
      const host = hostFrom(o);
      const durationSec = parseDuration(o.duration, '--duration');
      const c = await checkScenario(host, id, { durationSec });
      if (o.json) print(renderReport(c.report, 'json'));
      else {
        print(`captures: ${c.capture.dir} (${c.capture.runs.map((r) => `${r.file}: ${r.command.length > 50 ? `${r.command.slice(0, 47)}...` : r.command}`).join('; ')})`);
        for (const s of c.capture.skipped) print(pc.dim(`not captured: ${s.tool} (${s.reason})`));
        print(renderReport(c.report, 'text', { color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
        print(c.visible ? `${pc.green('✔')} ${c.scenario} is visible with the tools on this host` : `${pc.red('✖')} ${c.scenario} is NOT visible: see the failed checks above`);
      }
      process.exitCode = c.visible ? 0 : 1;
    });
}
