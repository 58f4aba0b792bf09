import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.ts';
import { shq } from './shell.ts';
import { mustSucceed, type Transport } from './transport.ts';

/**
 * `labctl lab setup`: turn a fresh Ubuntu/Debian or RHEL-family host into a lab host. The plan is a pure
 * function of the distro (unit-tested per distro); the executor runs each step's `check` first and only
 * `apply`s what is missing, so a second run changes nothing and takes about a second.
 */

export type Family = 'debian' | 'rhel';
export const SUPPORTED_DISTROS = ['ubuntu', 'debian', 'rhel', 'rocky', 'almalinux', 'fedora', 'centos'] as const;

export interface DistroInfo {
  /** os-release ID, or the supported ID it is like (ID_LIKE) */
  id: (typeof SUPPORTED_DISTROS)[number];
  /** the ID as written in os-release */
  rawId: string;
  family: Family;
  versionId: string;
  /** major version number (22 for Ubuntu 22.04, 9 for RHEL 9.4), NaN when absent (rolling) */
  major: number;
  prettyName: string;
}

/** Parses /etc/os-release (shell-style KEY=value, optionally quoted). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) v = v.slice(1, -1);
    out[m[1]] = q === '"' ? v.replace(/\\(["\\$`])/g, '$1') : v;
  }
  return out;
}

const FAMILY: Record<DistroInfo['id'], Family> = {
  ubuntu: 'debian', debian: 'debian', rhel: 'rhel', rocky: 'rhel', almalinux: 'rhel', fedora: 'rhel', centos: 'rhel',
};

export function detectDistro(osRelease: string, source = '/etc/os-release'): DistroInfo {
  const kv = parseOsRelease(osRelease);
  const rawId = (kv.ID ?? '').toLowerCase();
  const candidates = [rawId, ...(kv.ID_LIKE ?? '').toLowerCase().split(/\s+/)];
  const id = candidates.find((c): c is DistroInfo['id'] => (SUPPORTED_DISTROS as readonly string[]).includes(c));
  if (!id) {
    throw new LabError(
      `${source}: unsupported distribution ${JSON.stringify(kv.PRETTY_NAME ?? rawId) || '(no ID)'}`,
      `supported: Ubuntu, Debian, RHEL, Rocky Linux, AlmaLinux, Fedora, CentOS Stream (os-release ID one of ${SUPPORTED_DISTROS.join(', ')})`,
    );
  }
  const versionId = kv.VERSION_ID ?? '';
  return { id, rawId, family: FAMILY[id], versionId, major: Number.parseInt(versionId, 10), prettyName: kv.PRETTY_NAME ?? rawId };
}

export interface SetupStep {
  id: string;
  description: string;
  /** exit 0 = already in place, nothing to do */
  check: string;
  apply: string;
  /** best effort: failing is a warning (e.g. kernel headers a cloud kernel may not have) */
  optional?: boolean;
  /** package-manager step: retried with backoff while another apt/dnf holds the lock */
  packageManager?: boolean;
  /** a local file copied to the host before `apply` runs (apply moves it into place) */
  upload?: { from: string; to: string };
}

export interface SetupPlan {
  distro: DistroInfo;
  kernelRelease: string;
  steps: SetupStep[];
  /** where each flavor of the lesson tools lives on this distro, for messages and docs */
  toolPaths: { bcc: string; libbpf: string; bpftrace: string };
}

export const BCC_TOOLS_DIR = '/usr/share/bcc/tools';
export const PROFILE_SNIPPET = '/etc/profile.d/labctl-bcc-tools.sh';
const PROFILE_TEXT = `# labctl: BCC tools on the learner's PATH (RHEL-family installs them outside PATH)
case ":$PATH:" in *":${BCC_TOOLS_DIR}:"*) ;; *) PATH="$PATH:${BCC_TOOLS_DIR}"; export PATH ;; esac
`;

function aptPackages(pkgs: string[], id: string, description: string, optional = false): SetupStep {
  const query = `dpkg-query -W -f='\${db:Status-Status}\\n' ${pkgs.map(shq).join(' ')} 2>/dev/null`;
  return {
    id,
    description,
    check: `test "$(${query} | grep -c '^installed$')" -eq ${pkgs.length}`,
    // DPkg::Lock::Timeout makes apt itself wait a while for unattended-upgrades before we retry. The
    // package lists are refreshed only when the install cannot be done with the ones on the host (none
    // yet, or stale: a 404): `apt-get update` is minutes on a slow VM and once per setup is enough.
    apply:
      `export DEBIAN_FRONTEND=noninteractive; i() { apt-get -o DPkg::Lock::Timeout=60 install -y -q ${pkgs.map(shq).join(' ')}; }; ` +
      'i || { apt-get -o DPkg::Lock::Timeout=60 update -qq && i; }',
    optional,
    packageManager: true,
  };
}

function dnfPackages(pkgs: string[], id: string, description: string, optional = false): SetupStep {
  return {
    id,
    description,
    check: `rpm -q ${pkgs.map(shq).join(' ')} >/dev/null 2>&1`,
    apply: `dnf install -y -q ${pkgs.map(shq).join(' ')}`,
    optional,
    packageManager: true,
  };
}

function mountStep(fs: 'tracefs' | 'debugfs', dir: string): SetupStep {
  return {
    id: `mount-${fs}`,
    description: `${fs} mounted at ${dir} (tracepoint and kprobe tools need it)`,
    check: `grep -qs ' ${dir} ${fs} ' /proc/mounts`,
    apply: `mkdir -p ${dir} && mount -t ${fs} nodev ${dir}`,
  };
}

const SYSSTAT = 'sysstat (iostat, pidstat, mpstat: the briefs\' symptom checks)';

/** The self-contained learner CLI (dist/labctl-host.mjs of `npm run build`) and its content hash. */
export interface HostBundle {
  path: string;
  sha256: string;
}

export const LABCTL_BIN = '/usr/local/bin/labctl';
export const LABCTL_LIB = '/usr/local/lib/labctl';
/** Oldest Node.js the host bundle runs on (Debian 12 and Ubuntu 24.04 ship 18; Ubuntu 22.04's 12 is too old). */
export const HOST_NODE_MAJOR = 18;

/**
 * `labctl` on the lab host, so learners type `labctl hint ghost-load` there: the prebuilt bundle (no
 * node_modules) run by the distro's Node.js. Never `npx labctl` on a host: outside the repo npx fetches an
 * unrelated package of that name, and `sudo npx` would run it as root.
 */
function labctlStep(distro: DistroInfo, bundle: HostBundle): SetupStep {
  const nodeOk = `node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= ${HOST_NODE_MAJOR} ? 0 : 1)' 2>/dev/null`;
  const installNode =
    distro.family === 'debian'
      ? `{ DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 install -y -q nodejs || { apt-get -o DPkg::Lock::Timeout=60 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 install -y -q nodejs; }; }`
      : 'dnf install -y -q nodejs';
  const wrapper = `#!/bin/sh\n# labctl for learners (installed by labctl lab setup)\nexec node ${LABCTL_LIB}/labctl.mjs "$@"\n`;
  return {
    id: 'labctl',
    description: `labctl for learners at ${LABCTL_BIN} (hint, self-check, submit; the distro's Node.js ${HOST_NODE_MAJOR}+)`,
    check: `test -x ${LABCTL_BIN} && test "$(cat ${LABCTL_LIB}/labctl.sha256 2>/dev/null)" = ${bundle.sha256} && ${nodeOk}`,
    upload: { from: bundle.path, to: `${LABCTL_LIB}/labctl.mjs.new` },
    apply: [
      `{ ${nodeOk} || ${installNode}; }`,
      `{ ${nodeOk} || { echo "Node.js $(node --version 2>/dev/null || echo missing) is older than ${HOST_NODE_MAJOR}: install a newer nodejs package" >&2; exit 1; }; }`,
      `mv -f ${LABCTL_LIB}/labctl.mjs.new ${LABCTL_LIB}/labctl.mjs`,
      `chmod 644 ${LABCTL_LIB}/labctl.mjs`,
      `printf '${wrapper}' > ${LABCTL_BIN}.new && chmod 755 ${LABCTL_BIN}.new && mv -f ${LABCTL_BIN}.new ${LABCTL_BIN}`,
      `echo ${bundle.sha256} > ${LABCTL_LIB}/labctl.sha256`,
    ].join(' && '),
    optional: true,
    packageManager: true,
  };
}

/**
 * Which packages and files a host needs, as data. `kernelRelease` is `uname -r` on the host; `bundle`,
 * when given, adds the learner CLI.
 */
export function planSetup(distro: DistroInfo, kernelRelease: string, stateDir = '/var/lib/labctl', bundle?: HostBundle): SetupPlan {
  const steps: SetupStep[] = [];
  const base = ['gcc', 'curl', 'python3'];
  if (distro.family === 'debian') {
    steps.push(aptPackages([...base, 'bpfcc-tools', 'bpftrace'], 'packages', 'gcc, curl, python3, BCC tools (*-bpfcc), bpftrace'));
    steps.push(aptPackages(['sysstat'], 'sysstat', SYSSTAT));
    // libbpf-tools is packaged from Debian 12 and Ubuntu 23.04 on; older releases have only BCC/bpftrace.
    const hasLibbpfTools = distro.id === 'debian' ? distro.major >= 12 || Number.isNaN(distro.major) : distro.major >= 23;
    if (hasLibbpfTools) steps.push(aptPackages(['libbpf-tools'], 'libbpf-tools', 'libbpf-tools (CO-RE tools, no kernel headers needed)', true));
    steps.push(aptPackages([`linux-headers-${kernelRelease}`], 'kernel-headers', `kernel headers for ${kernelRelease} (BCC compiles against them)`, true));
  } else {
    steps.push(dnfPackages([...base, 'bcc-tools', 'bpftrace'], 'packages', 'gcc, curl, python3, BCC tools, bpftrace'));
    steps.push(dnfPackages(['sysstat'], 'sysstat', SYSSTAT));
    if (distro.id === 'fedora' || distro.major >= 9) {
      steps.push(dnfPackages(['libbpf-tools'], 'libbpf-tools', 'libbpf-tools (bpf-* CO-RE tools)', true));
    }
    steps.push(dnfPackages([`kernel-devel-${kernelRelease}`], 'kernel-headers', `kernel-devel for ${kernelRelease} (BCC compiles against it)`, true));
    steps.push({
      id: 'bcc-path',
      description: `${BCC_TOOLS_DIR} on login shells' PATH (${PROFILE_SNIPPET})`,
      check: `grep -qsF ${shq(BCC_TOOLS_DIR)} ${PROFILE_SNIPPET}`,
      apply: `printf '%s' ${shq(PROFILE_TEXT)} > ${PROFILE_SNIPPET} && chmod 644 ${PROFILE_SNIPPET}`,
    });
  }
  steps.push(mountStep('tracefs', '/sys/kernel/tracing'), mountStep('debugfs', '/sys/kernel/debug'));
  if (bundle) steps.push(labctlStep(distro, bundle));
  steps.push({
    id: 'state-dir',
    description: `lab state directory ${stateDir}`,
    check: `test -d ${shq(stateDir)}`,
    apply: `mkdir -p ${shq(stateDir)} && chmod 755 ${shq(stateDir)}`,
  });
  return {
    distro,
    kernelRelease,
    steps,
    toolPaths:
      distro.family === 'debian'
        ? { bcc: '/usr/sbin/<tool>-bpfcc', libbpf: '/usr/sbin/<tool>', bpftrace: '/usr/sbin/<tool>.bt' }
        : { bcc: `${BCC_TOOLS_DIR}/<tool>`, libbpf: '/usr/sbin/bpf-<tool>', bpftrace: '/usr/share/bpftrace/tools/<tool>.bt' },
  };
}

export type StepOutcome = 'already' | 'applied' | 'failed' | 'skipped-optional';
export interface StepResult {
  step: SetupStep;
  outcome: StepOutcome;
  detail?: string;
  attempts: number;
}

const LOCK_RE =
  /Could not get lock|Unable to acquire the dpkg frontend lock|dpkg was interrupted|is another process using it|Waiting for process with pid|Failed to obtain the transaction lock|another copy is running|RPM database is locked/i;

export interface ExecOptions {
  /** waits between attempts while the package manager is locked, in ms */
  lockBackoffMs?: number[];
  onStep?: (r: StepResult) => void;
}

/** Runs a plan: check, apply what is missing, re-check. Throws a LabError on the first required step that fails. */
export async function executePlan(t: Transport, plan: { steps: SetupStep[] }, opts: ExecOptions = {}): Promise<StepResult[]> {
  const backoff = opts.lockBackoffMs ?? [5_000, 10_000, 20_000, 40_000];
  const results: StepResult[] = [];
  for (const step of plan.steps) {
    let result: StepResult;
    if ((await t.run(step.check)).ok) {
      result = { step, outcome: 'already', attempts: 0 };
    } else {
      if (step.upload) {
        const dir = step.upload.to.replace(/\/[^/]+$/, '') || '/';
        mustSucceed(await t.run(`mkdir -p ${shq(dir)}`), `${t.describe()}: mkdir ${dir}`);
        await t.copyTo(step.upload.from, step.upload.to);
      }
      let attempts = 0;
      let res = await t.run(step.apply);
      attempts++;
      while (!res.ok && step.packageManager && LOCK_RE.test(res.stderr + res.stdout) && attempts <= backoff.length) {
        await new Promise((r) => setTimeout(r, backoff[attempts - 1]));
        res = await t.run(step.apply);
        attempts++;
      }
      const detail = (res.stderr || res.stdout).trim().split('\n').slice(-3).join('\n');
      if (res.ok && (await t.run(step.check)).ok) {
        result = { step, outcome: 'applied', attempts };
      } else if (step.optional) {
        result = { step, outcome: 'skipped-optional', attempts, detail: detail || 'check still fails after apply' };
      } else {
        const locked = LOCK_RE.test(res.stderr + res.stdout);
        throw new LabError(
          `${t.describe()}: setup step "${step.id}" (${step.description}) failed after ${attempts} attempt(s)${detail ? `:\n${detail}` : ''}`,
          locked
            ? 'another package manager run holds the lock (unattended-upgrades, cloud-init, dnf-automatic): wait for it to finish and run `labctl lab setup` again'
            : `run it by hand to see why: ${step.apply}`,
        );
      }
    }
    results.push(result);
    opts.onStep?.(result);
  }
  return results;
}

/** dist/labctl-host.mjs next to this checkout or install, when it has been built. */
export function findHostBundle(): HostBundle | undefined {
  const path = fileURLToPath(new URL('../dist/labctl-host.mjs', import.meta.url));
  if (!existsSync(path)) return undefined;
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

/**
 * Detects the host's distro and kernel and runs the plan. A remote lab host also gets the learner CLI
 * (`labctl` on its PATH) when the bundle is built; this machine has the repo's own.
 */
export async function setupHost(t: Transport, stateDir: string, opts: ExecOptions = {}): Promise<{ plan: SetupPlan; results: StepResult[] }> {
  const os = await t.run('cat /etc/os-release; echo; echo "__KERNEL=$(uname -r)"');
  if (!os.ok) throw new LabError(`${t.describe()}: cannot read /etc/os-release`, 'is this a Linux host?');
  const kernel = /__KERNEL=(.*)/.exec(os.stdout)?.[1]?.trim() ?? '';
  const plan = planSetup(detectDistro(os.stdout, `${t.describe()}:/etc/os-release`), kernel, stateDir, t.remote ? findHostBundle() : undefined);
  return { plan, results: await executePlan(t, plan, opts) };
}
