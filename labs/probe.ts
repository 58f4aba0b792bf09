import { LabError } from './errors.ts';
import { shq } from './shell.ts';
import { candidatesFor, fatalLine, LESSON_TOOLS, withoutInterruptTracebacks, type LessonTool, type ToolCandidate, type ToolFlavor } from './tools.ts';
import type { LabHost } from './host.ts';
import { runTool } from './tool-run.ts';

/**
 * `labctl lab probe`: what this host's kernel can do and, for each lesson tool, which command actually
 * works here. Every candidate that exists is *run* briefly: a binary that is installed is not a tool
 * that works (BCC without headers, kprobe tools on a kernel without kprobes).
 */

export interface TryResult {
  command: string;
  flavor: ToolFlavor;
  ok: boolean;
  /** why it does not work, or the first output line when it does */
  detail: string;
  /** seconds until it was ready (or failed): BCC compiles for a while on slow hosts */
  readySec?: number;
}

export interface ToolProbe {
  tool: LessonTool;
  /** the command a learner should run, null when nothing works */
  command: string | null;
  flavor: ToolFlavor | null;
  tried: TryResult[];
  /** candidates not installed on the host */
  missing: string[];
}

export interface ProbeResult {
  host: string;
  probedAt: string;
  kernel: string;
  bpf: boolean;
  btf: boolean;
  kprobes: boolean;
  /** a bpftrace kprobe one-liner attaches and fires */
  bpftraceKprobes: boolean;
  headers: boolean;
  tracefs: boolean;
  debugfs: boolean;
  root: boolean;
  dataDir: string;
  fsType: string;
  tools: ToolProbe[];
}

export const PROBE_CACHE = 'probe.json';

const FACTS_SCRIPT = (dataDir: string) => `
d=${shq(dataDir)}; while [ ! -e "$d" ]; do d=$(dirname "$d"); done
echo "kernel=$(uname -r)"
echo "uid=$(id -u)"
test -e /sys/kernel/btf/vmlinux && echo btf=1
test -d "/lib/modules/$(uname -r)/build" && echo headers=1
grep -qs ' /sys/kernel/tracing tracefs ' /proc/mounts && echo tracefs=1
grep -qs ' /sys/kernel/debug debugfs ' /proc/mounts && echo debugfs=1
{ test -e /sys/kernel/tracing/kprobe_events || test -e /sys/kernel/debug/tracing/kprobe_events; } && echo kprobe_events=1
grep -qs ' register_kprobe$' /proc/kallsyms && echo kprobe_sym=1
{ zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null; } | grep -q '^CONFIG_KPROBES=y' && echo kprobe_config=1
fs=$(findmnt -n -o FSTYPE -T "$d" 2>/dev/null | head -1); [ -n "$fs" ] || fs=$(stat -f -c %T "$d" 2>/dev/null)
echo "fs=$fs"
if command -v bpftrace >/dev/null 2>&1; then
  timeout 60 bpftrace -e 'BEGIN { exit(); }' >/dev/null 2>&1 && echo bpf=1
  # bpftrace kprobe one-liners (kprobe:vfs_fsync* and the like): vfs_read fires at once on any host
  timeout 120 bpftrace -e 'kprobe:vfs_read { exit(); }' >/dev/null 2>&1 && echo bpftrace_kprobe=1
elif command -v bpftool >/dev/null 2>&1; then
  bpftool prog list >/dev/null 2>&1 && echo bpf=1
elif [ -e /proc/sys/kernel/unprivileged_bpf_disabled ] && [ "$(id -u)" = 0 ]; then
  echo bpf=1
fi
`;

/** Parses FACTS_SCRIPT output. */
export function parseHostFacts(text: string): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return kv;
}

/** stat -f says "ext2/ext3" for ext4; findmnt is exact, this is the fallback's best guess. */
export function normaliseFsType(fs: string): string {
  return fs === 'ext2/ext3' ? 'ext4' : fs || 'unknown';
}

/**
 * Runs a candidate until it is ready (see tool-run.ts), then stops it. A tool that is still starting
 * (BCC compiling against the headers for a minute on a slow VM) is waited for, not failed: only an error
 * line, an exit before it was ready, or silence for the whole budget count against it.
 */
async function tryCandidate(host: LabHost, c: ToolCandidate): Promise<TryResult> {
  const run = await runTool((cmd, o) => host.transport.run(cmd, o), c.command, { readySec: c.readySec, holdSec: 0 });
  // ready, then our Ctrl-C: a KeyboardInterrupt traceback is the interrupt's, not the tool's
  const stderr = run.ready && run.stopped ? withoutInterruptTracebacks(run.stderr) : run.stderr;
  const out = `${stderr}\n${run.stdout}`;
  const fatal = fatalLine(out);
  const firstLine = out.split('\n').map((l) => l.trim()).find((l) => l && !/RLIMIT_MEMLOCK|failed to get syms/.test(l)) ?? '';
  const base = { command: c.command, flavor: c.flavor, readySec: run.waitedSec };
  if (fatal) return { ...base, ok: false, detail: fatal.slice(0, 160) };
  if (!run.ready) {
    const why = run.stopped || run.exitCode === null ? `no output within ${c.readySec}s` : `exit ${run.exitCode}`;
    return { ...base, ok: false, detail: `${why}${firstLine ? `: ${firstLine.slice(0, 140)}` : ''}` };
  }
  // ready and then stopped by us: whatever the exit code of the interrupt, it worked
  return { ...base, ok: true, detail: (firstLine || `attached its probes (${run.ready})`).slice(0, 160) };
}

async function probeTool(host: LabHost, tool: LessonTool, fsType: string, present: Set<string>): Promise<ToolProbe> {
  const out: ToolProbe = { tool, command: null, flavor: null, tried: [], missing: [] };
  for (const c of candidatesFor(tool, fsType)) {
    if (!present.has(c.needs)) {
      out.missing.push(c.command.length > 60 ? `${c.command.slice(0, 57)}...` : c.command);
      continue;
    }
    const r = await tryCandidate(host, c);
    out.tried.push(r);
    if (r.ok) {
      out.command = c.command;
      out.flavor = c.flavor;
      break;
    }
  }
  return out;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export interface ProbeOptions {
  tools?: readonly LessonTool[];
  /** ignore the cache */
  refresh?: boolean;
  /** parallel tries; BPF programs of different tools load fine side by side */
  concurrency?: number;
}

export function dataDirOf(stateDir: string): string {
  return `${stateDir}/fsync-latency/data`;
}

export async function probeHost(host: LabHost, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const t = host.transport;
  if (!opts.refresh && !opts.tools) {
    const cached = await readProbeCache(host);
    if (cached) return cached;
  }
  const dataDir = dataDirOf(host.stateDir);
  const factsRes = await t.run(FACTS_SCRIPT(dataDir), { timeoutMs: 240_000 });
  const kv = parseHostFacts(factsRes.stdout);
  if (!kv.kernel) throw new LabError(`${t.describe()}: cannot read basic host facts (${factsRes.stderr.trim().slice(0, 200)})`, 'is this a Linux host with a POSIX shell?');
  const fsType = normaliseFsType(kv.fs ?? '');
  const tools = opts.tools ?? LESSON_TOOLS;
  const candidates = tools.flatMap((tool) => candidatesFor(tool, fsType));
  const needs = [...new Set(candidates.map((c) => c.needs))];
  // one round trip to learn which candidates are installed
  const ls = await t.run(needs.map((n) => (n.startsWith('/') ? `test -e ${shq(n)} && echo ${shq(n)}` : `command -v ${shq(n)} >/dev/null 2>&1 && echo ${shq(n)}`)).join('; ') + '; true');
  const present = new Set(ls.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
  const probes = await mapLimit([...tools], opts.concurrency ?? 4, (tool) => probeTool(host, tool, fsType, present));
  const result: ProbeResult = {
    host: t.describe(),
    probedAt: new Date().toISOString(),
    kernel: kv.kernel,
    bpf: kv.bpf === '1',
    btf: kv.btf === '1',
    kprobes: kv.kprobe_events === '1' || kv.kprobe_sym === '1' || kv.kprobe_config === '1',
    bpftraceKprobes: kv.bpftrace_kprobe === '1',
    headers: kv.headers === '1',
    tracefs: kv.tracefs === '1',
    debugfs: kv.debugfs === '1',
    root: kv.uid === '0',
    dataDir,
    fsType,
    tools: probes,
  };
  if (!opts.tools) await writeProbeCache(host, result);
  return result;
}

export async function readProbeCache(host: LabHost): Promise<ProbeResult | null> {
  const res = await host.transport.run(`cat ${shq(`${host.stateDir}/${PROBE_CACHE}`)} 2>/dev/null; echo; echo "__KERNEL=$(uname -r)"`);
  const kernel = /__KERNEL=(.*)/.exec(res.stdout)?.[1]?.trim();
  const json = res.stdout.split('__KERNEL=')[0].trim();
  if (!json) return null;
  try {
    const cached = JSON.parse(json) as ProbeResult;
    // a new kernel or new packages change what works: trust the cache for a day on the same kernel
    const fresh = Date.now() - Date.parse(cached.probedAt) < 24 * 3600_000;
    return cached.kernel === kernel && fresh && Array.isArray(cached.tools) ? cached : null;
  } catch {
    return null;
  }
}

async function writeProbeCache(host: LabHost, result: ProbeResult): Promise<void> {
  const mk = await host.transport.run(`mkdir -p ${shq(host.stateDir)}`);
  if (mk.ok) await host.transport.writeText(`${host.stateDir}/${PROBE_CACHE}`, `${JSON.stringify(result, null, 2)}\n`);
}

export async function clearProbeCache(host: LabHost): Promise<void> {
  await host.transport.run(`rm -f ${shq(`${host.stateDir}/${PROBE_CACHE}`)}`);
}

export function workingCommand(probe: ProbeResult, tool: LessonTool): { command: string; flavor: ToolFlavor } | null {
  const p = probe.tools.find((x) => x.tool === tool);
  return p?.command && p.flavor ? { command: p.command, flavor: p.flavor } : null;
}

const yes = (b: boolean) => (b ? 'yes' : 'no');

export function renderProbe(p: ProbeResult): string {
  const lines = [
    `host      ${p.host}`,
    `kernel    ${p.kernel}   root: ${yes(p.root)}`,
    `bpf ${yes(p.bpf)}   btf ${yes(p.btf)}   kprobes ${yes(p.kprobes)} (bpftrace: ${yes(p.bpftraceKprobes ?? false)})   headers ${yes(p.headers)}   tracefs ${yes(p.tracefs)}   debugfs ${yes(p.debugfs)}`,
    `data dir  ${p.dataDir} (${p.fsType})`,
    '',
  ];
  const w = Math.max(...p.tools.map((t) => t.tool.length), 4);
  lines.push(`${'TOOL'.padEnd(w)}  ${'FLAVOR'.padEnd(8)}  COMMAND / WHY NOT`);
  for (const t of p.tools) {
    if (t.command) lines.push(`${t.tool.padEnd(w)}  ${(t.flavor ?? '').padEnd(8)}  ${short(t.command)}`);
    else {
      const why = t.tried.length ? t.tried.map((r) => `${short(r.command, 40)}: ${r.detail}`).join('; ') : 'not installed';
      lines.push(`${t.tool.padEnd(w)}  ${'-'.padEnd(8)}  none works (${why.slice(0, 200)})`);
    }
  }
  return lines.join('\n');
}

function short(cmd: string, n = 90): string {
  return cmd.length > n ? `${cmd.slice(0, n - 3)}...` : cmd;
}
