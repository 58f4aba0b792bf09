import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LabManifest } from '../../grader/manifest.ts';
import { evidenceVisible, gradeCaptures } from '../../labs/check.ts';
import { labHost } from '../../labs/host.ts';
import type { ProbeResult } from '../../labs/probe.ts';
import type { ScenarioId } from '../../scenarios/variants.ts';
import { runBrief, type BriefRun } from '../support/brief-runner.ts';
import { skipUnlessRequired } from '../support/live.ts';
import { labctl, runsInPhase, timing, VM_HOST, vmEnv, vmSsh } from '../support/vm.ts';

/**
 * The lesson on a stock distro kernel: a Debian 12 VM (kprobes, BTF, the kernel's own headers) set up,
 * probed, given each fault and checked through the user-facing CLI over SSH, with every learner-brief
 * command for Debian run verbatim while the fault runs. Nothing here asserts speed: BCC compiles for a
 * minute or more per tool under emulation, and the tools are given that time.
 */

const run = inject('vmRun');
const LEARNER = 'vm-learner';
// a class secret of the strength `labctl classroom secret` makes (>= 128 bits)
const SECRET = 'vm-class-secret-Hq7Vt2Lx9Rw4Zb6Nc3Md';
const skip = skipUnlessRequired(inject('vmSkip') || null);
const host = '--host';
const work = mkdtempSync(join(tmpdir(), 'labctl-vm-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Where the real captures of this run are kept for test/fixtures/captures (LABCTL_VM_KEEP=DIR). */
const keep = process.env.LABCTL_VM_KEEP;

function json<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${what}: not JSON:\n${text.slice(0, 2000)}`);
  }
}

function failures(runs: BriefRun[]): string[] {
  return runs.filter((r) => r.problem).map((r) => `README.md:${r.cmd.line} \`${r.ran}\`: ${r.problem}`);
}

const t = () => labHost({ host: VM_HOST }).transport;

describe.skipIf(skip)('lab host VM: Debian 12, stock kernel', () => {
  beforeAll(() => {
    Object.assign(process.env, { LABCTL_SSH_OPTS: vmEnv(run).LABCTL_SSH_OPTS });
  });

  describe.runIf(runsInPhase('host'))('set up and probed over SSH', () => {
    it('lab setup installs what the image lacks (sysstat) over SSH, puts labctl on the host; a second run changes nothing', async () => {
      const before = await vmSsh(run, 'command -v iostat; command -v /usr/sbin/execsnoop; true');
      const first = await labctl(run, ['lab', 'setup', host, VM_HOST]);
      timing('lab setup (installs)', first.ms);
      expect(first.code, first.stderr + first.stdout).toBe(0);
      const again = await labctl(run, ['lab', 'setup', host, VM_HOST]);
      timing('lab setup (again)', again.ms);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout + again.stderr).toMatch(/0 step\(s\) applied|nothing to (do|change)/i);
      const after = await vmSsh(run, 'iostat -V 2>&1 | head -1; test -x /usr/sbin/execsnoop && echo libbpf-ok; test -d /lib/modules/$(uname -r)/build && echo headers-ok; labctl --version');
      // the image is built without sysstat on purpose: this run is what put it there (apt over SSH)
      expect(before.stdout).not.toMatch(/iostat/);
      expect(after.stdout).toMatch(/^\d+\.\d+\.\d+/m);
      expect(after.stdout).toMatch(/sysstat/);
      expect(after.stdout).toContain('libbpf-ok');
      expect(after.stdout).toContain('headers-ok');
    });

    it('lab probe finds BCC, the kprobe tools and bpftrace kprobes working (BCC is waited for while it compiles)', async () => {
      const r = await labctl(run, ['lab', 'probe', '--refresh', '--json', host, VM_HOST]);
      timing('lab probe --refresh', r.ms);
      expect(r.code, r.stderr).toBe(0);
      const probe = json<ProbeResult>(r.stdout, 'lab probe --json');
      expect(probe.kernel).toMatch(/^6\.1\.0-\d+-amd64$/);
      expect(probe).toMatchObject({ bpf: true, btf: true, kprobes: true, headers: true, root: true, fsType: 'ext4', bpftraceKprobes: true });
      const by = Object.fromEntries(probe.tools.map((x) => [x.tool, x]));
      // the lesson's -bpfcc commands are what a learner on this host is told
      for (const tool of ['execsnoop', 'tcpconnect', 'offcputime', 'runqlat', 'fsslower', 'opensnoop'] as const) {
        expect(by[tool]?.flavor, `${tool}: ${JSON.stringify(by[tool]?.tried)}`).toBe('bcc');
      }
      expect(by.fsslower.command).toBe('/usr/sbin/ext4slower-bpfcc');
      for (const x of probe.tools) for (const tr of x.tried) process.stderr.write(`[vm probe] ${tr.command.slice(0, 60)}: ${tr.ok ? 'ok' : 'no'} after ${tr.readySec ?? '?'} s: ${tr.detail.slice(0, 80)}\n`);
    });
  });

  describe.runIf(runsInPhase('scenarios'))('each fault injected, checked and stopped; every brief command run', () => {
    beforeAll(async () => {
      // the scenarios phase alone (.ci/run) runs on the host the host phase set up
      const ready = await vmSsh(run, 'command -v labctl && test -s /var/lib/labctl/probe.json && echo probed');
      if (!ready.stdout.includes('probed')) throw new Error(`the VM is not set up and probed (run LABCTL_VM_PHASE=host first): ${ready.stdout}${ready.stderr}`);
    });

    // ghost-load as a class would run it (a learner id and the class secret: seed and learner key derived);
    // the others with a fixed seed, as an instructor trying a lab
    const scenarios: { id: ScenarioId; variant: string[] }[] = [
      { id: 'ghost-load', variant: ['--learner', LEARNER, '--secret', SECRET] },
      { id: 'offcpu-lock', variant: ['--seed', 'vm'] },
      { id: 'fsync-latency', variant: ['--seed', 'vm'] },
    ];

    for (const { id, variant } of scenarios) {
      describe(id, () => {
        let manifest: LabManifest;
        let briefRuns: BriefRun[] = [];
        const manifestFile = join(work, `${id}.manifest.json`);

        it('lab inject starts it', async () => {
          const r = await labctl(run, ['lab', 'inject', id, host, VM_HOST, ...variant, '--ttl', '45m', '--out', manifestFile]);
          timing(`${id}: lab inject`, r.ms);
          expect(r.code, r.stderr + r.stdout).toBe(0);
          manifest = json<LabManifest>(readFileSync(manifestFile, 'utf8'), manifestFile);
          expect(manifest.scenario).toBe(id);
          if (keep) cpSync(manifestFile, join(keep, `${id}.lab-manifest.json`));
          // a host with systemd runs the fault as a transient unit (CPU/IO limits, a backstop beyond the TTL)
          const units = await vmSsh(run, "systemctl list-units --type=service --state=running --no-legend 'labctl-*' | awk '{print $1}'");
          expect(units.stdout.trim().split('\n').filter(Boolean).length, units.stdout + units.stderr).toBeGreaterThan(0);
        });

        it('lab check sees it with the lesson tools the probe chose (BCC), and the captures grade as showing it', async () => {
          const r = await labctl(run, ['lab', 'check', id, host, VM_HOST, '--duration', '10s']);
          timing(`${id}: lab check`, r.ms);
          expect(r.code, r.stdout + r.stderr).toBe(0);
          expect(r.stdout).toContain(`${id} is visible`);
          const dir = /^captures: (\S+)/m.exec(r.stdout)?.[1];
          expect(dir).toBeTruthy();
          const report = await gradeCaptures(dir!, id, manifest);
          expect(evidenceVisible(report), JSON.stringify(report.checks, null, 1)).toBe(true);
          expect(report.captures.map((c) => c.flavor)).toContain('bcc');
          if (keep) cpSync(dir!, join(keep, `${id}-lab-check`), { recursive: true });
        });

        it('every learner-brief command for Debian runs verbatim on it and prints something', async () => {
          const facts = manifest.facts as Record<string, unknown>;
          const pgrep = async (comm: unknown) => (typeof comm === 'string' ? Number((await vmSsh(run, `pgrep -x ${comm} | head -1`)).stdout.trim()) || undefined : undefined);
          const values = { pid: await pgrep(facts.process_comm), ppid: await pgrep(facts.parent_comm) };
          const started = Date.now();
          briefRuns = await runBrief(t(), id, { os: 'debian', headers: true, kprobes: true }, `/root/brief-${id}`, values, (b) =>
            process.stderr.write(`[vm brief] ${id} README.md:${b.cmd.line} ${b.seconds.toFixed(0)} s ${b.problem ? `FAIL ${b.problem}` : 'ok'}: ${b.ran.split('\n')[0].slice(0, 90)}\n`),
          );
          timing(`${id}: brief commands (${briefRuns.length})`, Date.now() - started);
          expect(briefRuns.length).toBeGreaterThan(3);
          expect(failures(briefRuns)).toEqual([]);
        });

        it('the captures the brief commands made grade as showing the fault, per tool flavor', async () => {
          const groups = captureSets(id, briefRuns);
          expect(Object.keys(groups).length).toBeGreaterThan(0);
          const results: Record<string, boolean> = {};
          for (const [name, files] of Object.entries(groups)) {
            const dir = join(work, `${id}-${name}`);
            mkdirSync(dir, { recursive: true });
            for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
            const report = await gradeCaptures(dir, id, manifest);
            results[name] = evidenceVisible(report);
            if (!results[name]) process.stderr.write(`[vm grade] ${id}/${name}: ${JSON.stringify(report.checks.filter((c) => c.kind === 'evidence').map((c) => [c.id, c.status, c.message]))}\n`);
            if (keep) cpSync(dir, join(keep, `${id}-brief-${name}`), { recursive: true });
          }
          expect(results).toEqual(Object.fromEntries(Object.keys(groups).map((k) => [k, true])));
        });

        it.runIf(id === 'ghost-load')('a learner on the host: labctl hint, self-check, submit; the instructor collects the bundle and it grades verified and passed', async () => {
          // the learner keeps the capture of the lesson's own command (execsnoop-bpfcc) in their folder; the brief's
          // later alternatives (libbpf, bpftrace) wrote over execsnoop.txt in the brief's folder
          const dir = `/root/learner-${id}`;
          const capture = briefRuns.find((b) => b.ran.includes('execsnoop-bpfcc -t'));
          const text = capture?.files['execsnoop.txt'] ?? capture?.stdout ?? '';
          expect(text.trim(), 'the brief\'s execsnoop-bpfcc capture').not.toBe('');
          await vmSsh(run, `mkdir -p ${dir}`);
          await t().writeText(`${dir}/execsnoop.txt`, text);
          // the rate a learner reads off their own capture: curl lines over the capture's time span
          writeFileSync(join(work, 'execsnoop.txt'), text);
          const seen = json<{ summary: { byComm: Record<string, number>; durationSec: number } }[]>((await labctl(run, ['inspect', join(work, 'execsnoop.txt'), '--json'])).stdout, 'inspect --json')[0];
          const rate = (seen.summary.byComm.curl ?? 0) / seen.summary.durationSec;
          const answers = [
            'scenario: ghost-load',
            'culprit_command: curl',
            `parent_process: ${String(manifest.facts.parent_comm)}`,
            `rate_per_second: ${rate.toFixed(1)}`,
            'root_cause: >',
            '  A monitoring script starts curl over and over in a loop; each curl lives a few milliseconds, so top',
            '  never shows it, but the stream of short-lived processes keeps the load average up.',
            'fix: >',
            '  Put a sane interval (sleep) between checks or use one long-running client with keep-alive.',
          ].join('\n');
          await vmSsh(run, `cat > ${dir}/answers.yaml <<'EOF'\n${answers}\nEOF`);
          const onHost = (cmd: string) => vmSsh(run, `cd ${dir} && ${cmd}`);
          const hint = await onHost('labctl hint ghost-load');
          expect(hint.code, hint.stderr).toBe(0);
          expect(hint.stdout.trim().length).toBeGreaterThan(20);
          const check = await onHost('labctl self-check ghost-load');
          expect(check.code, check.stdout + check.stderr).toBe(0);
          expect(check.stdout).toMatch(/captures complete/);
          const submit = await onHost('labctl submit ghost-load');
          expect(submit.code, submit.stdout + submit.stderr).toBe(0);
          const out = join(work, 'collected');
          const collect = await labctl(run, ['lab', 'collect', host, VM_HOST, '--learner', LEARNER, '--scenario', id, '--out', out, '--json']);
          expect(collect.code, collect.stdout + collect.stderr).toBe(0);
          const bundles = readdirSync(out).filter((f) => f.endsWith('.tar.gz'));
          expect(bundles).toHaveLength(1);
          const graded = await labctl(run, ['grade', join(out, bundles[0]), '--secret', SECRET, '--format', 'json']);
          const report = json<{ passed: boolean; notes?: string[] }>(graded.stdout, 'grade --format json');
          expect(graded.code, graded.stdout.slice(0, 3000) + graded.stderr).toBe(0);
          expect(report.passed).toBe(true);
          expect(report.notes?.filter((n) => n.startsWith('provenance:')), graded.stdout.slice(0, 2000)).toEqual([expect.stringMatching(/^provenance: verified/)]);
        });

        it('lab stop ends every process of it; --purge leaves nothing behind', async () => {
          const r = await labctl(run, ['lab', 'stop', id, host, VM_HOST]);
          expect(r.code, r.stderr).toBe(0);
          const procs = `grep -lzs '^LABCTL_LAB=' /proc/[0-9]*/environ | grep -v "/proc/$$/"; true`;
          expect((await vmSsh(run, procs)).stdout.trim()).toBe('');
          expect((await vmSsh(run, "systemctl list-units --type=service --state=running --no-legend 'labctl-*'")).stdout.trim()).toBe('');
          // the manifest stays for `labctl submit` on the host until --purge
          const status = json<{ scenario: string; processes: number; alive: unknown[] }[]>((await labctl(run, ['lab', 'status', '--json', host, VM_HOST])).stdout, 'lab status --json');
          expect(status.filter((x) => x.scenario === id).map((x) => [x.processes, x.alive.length])).toEqual([[0, 0]]);
          const purge = await labctl(run, ['lab', 'stop', id, '--purge', host, VM_HOST]);
          expect(purge.code, purge.stderr).toBe(0);
          expect((await vmSsh(run, `${procs}; ls /var/lib/labctl/${id} 2>/dev/null; true`)).stdout.trim()).toBe('');
        });
      });
    }
  });
});

/** Which brief captures make one submission, per flavor: commands matched by a substring of what ran. */
function captureSets(id: ScenarioId, runs: BriefRun[]): Record<string, Record<string, string>> {
  const pick = (needle: string, file: string): Record<string, string> => {
    const r = runs.find((x) => x.ran.includes(needle));
    const text = r ? (r.files[file] ?? r.stdout) : '';
    if (!r || !text.trim()) throw new Error(`${id}: no capture ${file} from a brief command containing "${needle}"`);
    // a learner's file holds what the tool printed: with `| tee` that is stdout, with `>` the file
    return { [file]: text };
  };
  switch (id) {
    case 'ghost-load':
      return {
        bcc: pick('execsnoop-bpfcc -t', 'execsnoop.txt'),
        libbpf: pick('sudo execsnoop -t', 'execsnoop.txt'),
      };
    case 'offcpu-lock':
      return {
        bcc: { ...pick('offcputime-bpfcc -p', 'offcputime.txt'), ...pick('runqlat-bpfcc', 'runqlat.txt') },
        'bcc-folded': { ...pick('offcputime-bpfcc -f', 'offcputime.folded'), ...pick('runqlat-bpfcc', 'runqlat.txt') },
        libbpf: { ...pick('sudo offcputime -p', 'offcputime.txt'), ...pick('sudo runqlat 10', 'runqlat.txt') },
      };
    case 'fsync-latency':
      return {
        // biolatency-bpfcc cannot trace on 6.1 (bcc 0.26): the libbpf histogram stands in for the device
        bcc: { ...pick('ext4slower-bpfcc', 'fsslower.txt'), ...pick('sudo biolatency 10', 'biolatency.txt') },
        'libbpf-fsslower': { ...pick('fsslower -t ext4', 'fsslower.txt'), ...pick('sudo biolatency 10', 'biolatency.txt') },
        'libbpf-ext4slower': { ...pick('sudo ext4slower -m 1', 'fsslower.txt'), ...pick('sudo biolatency 10', 'biolatency.txt') },
      };
  }
}
