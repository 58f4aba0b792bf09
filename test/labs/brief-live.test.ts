import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labHost } from '../../labs/host.ts';
import { injectFault, stopFault } from '../../labs/supervisor.ts';
import type { ScenarioId } from '../../scenarios/variants.ts';
import { runBrief } from '../support/brief-runner.ts';
import { bpfMissing, hasCommand, skipUnlessRequired } from '../support/live.ts';

/**
 * Live: the learner-brief commands written for a host like this one (Debian, no kprobes, no kernel
 * headers: the kprobe-less fallbacks, libbpf tracepoint tools, sysstat, procps) run verbatim while the
 * fault runs; none may fail or print nothing. The VM suite (npm run test:vm) runs the rest.
 */

const missing = bpfMissing() ?? (hasCommand('sudo') ? null : 'needs sudo (the briefs say `sudo ...`)') ?? (hasCommand('iostat') ? null : 'needs sysstat (iostat, pidstat, mpstat; labctl lab setup installs it)');

describe.skipIf(skipUnlessRequired(missing))('learner-brief commands on this host (live)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'labctl-brief-'));
  const work = mkdtempSync(join(tmpdir(), 'labctl-brief-work-'));
  const host = labHost({ stateDir });
  process.env.LABCTL_NO_SYSTEMD = '1';
  afterAll(async () => {
    await stopFault(host).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  for (const id of ['ghost-load', 'offcpu-lock', 'fsync-latency'] as ScenarioId[]) {
    it(`${id}: every command for this kind of host runs and prints something`, async () => {
      const r = await injectFault(host, { scenario: id, seed: 'brief-live', ttlSec: 600 });
      try {
        const pid = r.state.pids.service;
        const ppid = r.state.pids.loop;
        const runs = await runBrief(host.transport, id, { os: 'debian', headers: false, kprobes: false }, join(work, id), { pid, ppid });
        expect(runs.length).toBeGreaterThan(1);
        expect(runs.filter((x) => x.problem).map((x) => `README.md:${x.cmd.line} \`${x.ran}\`: ${x.problem}`)).toEqual([]);
      } finally {
        await stopFault(host, id);
      }
    }, 600_000);
  }
});
