import { shq } from './shell.ts';

/**
 * Runs a tracing tool on a host the way a patient learner does: start it, wait until it is *ready*, let
 * it trace for a while, then Ctrl-C it (again if it swallows the first, then TERM, then KILL).
 *
 * Ready means the tool printed a line on stdout (a banner or a header; bpftrace's "Attaching N probes..."
 * does not count) or has held an attached probe (a perf event or BPF link fd) for a few seconds without
 * using CPU (attaching done, waiting for Ctrl-C): folded
 * `offcputime -f` and bpftrace histograms print nothing until Ctrl-C. Nothing here depends on how fast
 * the host is: BCC compiling C for a minute on a slow VM is waited for, up to `readySec`.
 *
 * Why `timeout` launches the tool: a background job of a non-interactive shell starts with SIGINT
 * ignored, and Python (BCC) then never raises KeyboardInterrupt. `timeout` installs its own SIGINT
 * handler, so the tool it execs gets the default disposition back, and it forwards our signals.
 */

export interface ToolRunOptions {
  /** longest wait for readiness, in seconds (a hard cap; see idleSec) */
  readySec: number;
  /**
   * give up earlier when the tool has been silent and has used no CPU for this long: a tool that is
   * compiling (BCC runs clang in-process) keeps using CPU however slow or shared the host is, while a
   * stuck one does not. Default 60.
   */
  idleSec?: number;
  /** seconds to keep tracing once ready (0: stop right away, as a probe does) */
  holdSec: number;
  /**
   * run `command` as a shell command line (pipes, redirections) in this directory; a file the command
   * writes there counts as output for readiness. Ctrl-C then goes to the whole process group, as a
   * terminal sends it (timeout signals its group).
   */
  shellIn?: string;
}

export interface ToolRun {
  /** 'output' (printed a line), 'attached' (probe fds held), or '' (never ready) */
  ready: 'output' | 'attached' | '';
  /** seconds until ready (or until it exited / the budget ran out) */
  waitedSec: number;
  /** we stopped it; false when it exited on its own */
  stopped: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const END = '__LABCTL_TOOLRUN__';

/** The POSIX shell script that runs `command` (as root) with readiness, hold and a clean stop. */
export function toolRunScript(command: string, o: ToolRunOptions): string {
  const cap = o.readySec + o.holdSec + 120;
  const launch = o.shellIn
    ? `cd ${shq(o.shellIn)} && touch "$o.stamp" && timeout -s INT -k 30 ${cap} sh -c ${shq(command)}`
    : `timeout -s INT -k 30 ${cap} stdbuf -oL -eL ${command}`;
  const wroteFile = o.shellIn ? `[ -n "$(find ${shq(o.shellIn)} -type f -newer "$o.stamp" -size +0 2>/dev/null | head -1)" ]` : 'false';
  return `
o=$(mktemp) e=$(mktemp)
PYTHONUNBUFFERED=1 ${launch} </dev/null >"$o" 2>"$e" &
t=$!
# Builtins only while waiting: an execsnoop being probed sees every command this loop runs.
alive() {
  [ -e "/proc/$1/status" ] || return 1
  while read -r k v; do [ "$k" = State: ] && { [ "\${v%% *}" != Z ]; return; }; done < "/proc/$1/status"
  return 1
}
printed() {
  l1= l2=
  { read -r l1; read -r l2; } < "$o" 2>/dev/null
  case "$l1" in '' | 'Attaching '*) [ -n "$l2" ] || ${wroteFile} ;; *) true ;; esac
}
# The tool and every process under it: a brief's command runs as \`sh -c 'sudo TOOL | tee FILE'\`, and it is
# the tool deep in that tree that compiles (CPU) and holds the probes, not the shell.
tree() {
  todo="$1" all=
  while :; do
    set -- $todo
    [ $# -gt 0 ] || break
    q=$1; shift; todo="$*"
    all="$all $q"
    kids=; read -r kids < "/proc/$q/task/$q/children" 2>/dev/null
    todo="$todo $kids"
  done
  echo $all
}
attached() {
  for q in $(tree "$1"); do
    ls -l "/proc/$q/fd" 2>/dev/null | grep -qE 'anon_inode:(\[perf_event\]|bpf_link|\[bpf_link\])' && return 0
  done
  return 1
}
# CPU ticks (utime + stime) the tool's tree has used so far: progress while it is silent
cpu() {
  sum=0
  for q in $(tree "$1"); do
    line=; read -r line < "/proc/$q/stat" 2>/dev/null || continue
    set -- \${line##*) }
    sum=$(( sum + \${12:-0} + \${13:-0} ))
  done
  echo $sum
}
waited=0 ready= since= busy=0 ticks=0
while alive "$t"; do
  if printed; then ready=output; break; fi
  p=; read -r p _ < "/proc/$t/task/$t/children" 2>/dev/null
  if [ -n "$p" ]; then now=$(cpu "$p"); [ "$now" -gt "$ticks" ] && busy=$waited; ticks=$now; fi
  [ $((waited - busy)) -ge ${o.idleSec ?? 60} ] && break
  # folded stacks and histograms print nothing until Ctrl-C: look for attached probes every few seconds
  if [ $((waited % 3)) -eq 2 ]; then
    if [ -n "$p" ] && attached "$p"; then
      [ -n "$since" ] || since=$waited
      # and done: BCC attaches probe by probe (reading kallsyms between them, seconds under emulation) and
      # may still fail on the next one, so the tool must also have stopped using CPU
      if [ $((waited - since)) -ge 3 ] && [ $((waited - busy)) -ge 3 ]; then ready=attached; break; fi
    fi
  fi
  [ "$waited" -ge ${o.readySec} ] && break
  sleep 1; waited=$((waited + 1))
done
stopped=0
if alive "$t"; then
  # late errors (an attach failing after the banner) show up in the next seconds
  if [ -n "$ready" ]; then sleep ${Math.max(2, o.holdSec)}; fi
  # A patient learner's Ctrl-C: BCC detaches its probes and flushes its output as it exits, which takes tens
  # of seconds under emulation; a second Ctrl-C in the meantime kills Python before the flush (nothing saved).
  grace=60
  for sig in INT INT TERM; do
    alive "$t" || break
    stopped=1; kill -s $sig "$t" 2>/dev/null
    n=0; while alive "$t" && [ $n -lt $grace ]; do sleep 1; n=$((n + 1)); done
    grace=15
  done
  if alive "$t"; then p=; read -r p _ < "/proc/$t/task/$t/children" 2>/dev/null; [ -n "$p" ] && kill -9 "$p"; kill -9 "$t"; fi
fi
wait "$t"; code=$?
cat "$e"; [ -s "$e" ] && [ -n "$(tail -c1 "$e")" ] && echo
echo ${END}stdout
cat "$o"; [ -s "$o" ] && [ -n "$(tail -c1 "$o")" ] && echo
echo "${END}end ready=$ready waited=$waited stopped=$stopped code=$code idle=$((waited - busy))"
rm -f "$o" "$e" "$o.stamp"
`;
}

/** The transport timeout a tool run needs (the script itself never runs longer than this). */
export function toolRunTimeoutMs(o: ToolRunOptions): number {
  return (o.readySec + o.holdSec + 180) * 1000;
}

/** Parses what toolRunScript printed. A run cut short (transport timeout) comes back as never ready. */
export function parseToolRun(text: string): ToolRun {
  const mid = text.indexOf(`${END}stdout\n`);
  const endAt = text.lastIndexOf(`${END}end `);
  if (mid < 0 || endAt < mid) return { ready: '', waitedSec: 0, stopped: false, exitCode: null, stdout: '', stderr: text };
  const kv = Object.fromEntries(
    text
      .slice(endAt + END.length + 4)
      .trim()
      .split(/\s+/)
      .map((p) => p.split('=') as [string, string]),
  );
  const code = Number.parseInt(kv.code ?? '', 10);
  return {
    ready: kv.ready === 'output' || kv.ready === 'attached' ? kv.ready : '',
    waitedSec: Number.parseInt(kv.waited ?? '0', 10) || 0,
    stopped: kv.stopped === '1',
    exitCode: Number.isNaN(code) ? null : code,
    stderr: text.slice(0, mid),
    stdout: text.slice(mid + END.length + 7, endAt),
  };
}

/** Runs a tool command through a transport-like `run`. */
export async function runTool(
  run: (cmd: string, opts: { timeoutMs: number }) => Promise<{ stdout: string; stderr: string }>,
  command: string,
  o: ToolRunOptions,
): Promise<ToolRun> {
  const res = await run(toolRunScript(command, o), { timeoutMs: toolRunTimeoutMs(o) });
  const parsed = parseToolRun(res.stdout);
  if (!parsed.stdout && !parsed.ready && res.stderr) parsed.stderr += res.stderr;
  return parsed;
}
