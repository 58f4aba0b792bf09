import { onCommandEnd } from '../core/command-end.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { LabError } from './errors.ts';
import { shq } from './shell.ts';

/**
 * Where lab commands run: this machine or a host reached over OpenSSH. Everything in labs/ talks to a
 * host only through this interface, so setup, probe, inject and check are the same code for both.
 * Commands are POSIX shell strings run as root (directly, or with `sudo -n` over SSH when the login
 * user is not root). Failures are values (`ok: false`), never exceptions, except for transport
 * problems (host unreachable, auth, sudo refused), which throw a LabError with a hint.
 */
export interface RunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  ok: boolean;
  /** set when the command was killed after `timeoutMs` */
  timedOut: boolean;
}

export interface RunOptions {
  /** kill the command (and, over SSH, the ssh client) after this many ms */
  timeoutMs?: number;
  /** text fed to the command's stdin */
  input?: string;
}

export interface Transport {
  run(cmd: string, opts?: RunOptions): Promise<RunResult>;
  copyTo(localPath: string, remotePath: string): Promise<void>;
  copyFrom(remotePath: string, localPath: string): Promise<void>;
  /** writes text to a file on the host (mode 0644 unless given) */
  writeText(remotePath: string, text: string, mode?: number): Promise<void>;
  readText(remotePath: string): Promise<string>;
  /** 'local' or 'ssh user@host:port', for messages */
  describe(): string;
  /** true when commands run as root on the host (directly or through sudo) */
  isRoot(): Promise<boolean>;
  readonly remote: boolean;
}

async function exec(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const p = $({ nothrow: true, quiet: true, input: opts.input ?? '', timeout: opts.timeoutMs, timeoutSignal: 'SIGKILL' })`${args}`;
  const out = await p;
  // LABCTL_DEBUG=1 shows every host command and its duration: the first thing to look at when a lab misbehaves
  if (process.env.LABCTL_DEBUG) process.stderr.write(`[labctl] ${Date.now() - started}ms exit=${out.exitCode} ${args.join(' ').replace(/\s+/g, ' ').slice(0, 160)}\n`);
  // zx kills its shell, which does not always surface as a signal (a busy machine can report exit 137 or
  // null): a failed run that lasted the whole timeout was killed by it.
  const timedOut =
    opts.timeoutMs !== undefined && out.exitCode !== 0 && (out.signal === 'SIGKILL' || Date.now() - started >= opts.timeoutMs);
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr, ok: out.exitCode === 0, timedOut };
}

/**
 * ssh/scp spawned directly, no shell in between: a remote command costs one local process, not zx's
 * machinery plus a bash plus ssh (that was ~40-70 ms of labctl's CPU per call, and a fan-out makes hundreds).
 */
function execDirect(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const finish = (exitCode: number | null, extraErr = '') => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8') + extraErr;
      if (process.env.LABCTL_DEBUG) process.stderr.write(`[labctl] ${Date.now() - started}ms exit=${exitCode} ${[file, ...args].join(' ').replace(/\s+/g, ' ').slice(0, 160)}\n`);
      resolvePromise({ exitCode, stdout, stderr, ok: exitCode === 0, timedOut });
    };
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // the command may exit without reading its input: a broken pipe here is not an error
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    child.on('error', (e) => finish(null, `${file}: ${e.message}\n`));
    child.on('close', (code) => finish(code));
    // killed at its timeout: do not wait for pipes a leftover grandchild may still hold
    child.on('exit', (code) => {
      if (!timedOut) return;
      child.stdout.destroy();
      child.stderr.destroy();
      finish(code);
    });
  });
}

/** Throws the LabError a failed command deserves; use where failure means "cannot continue". */
export function mustSucceed(res: RunResult, what: string, hint?: string): RunResult {
  if (res.ok) return res;
  const detail = (res.stderr || res.stdout).trim().split('\n').slice(-5).join('\n');
  throw new LabError(
    `${what} failed${res.timedOut ? ' (timed out)' : ` (exit ${res.exitCode})`}${detail ? `:\n${detail}` : ''}`,
    hint,
  );
}

export class LocalTransport implements Transport {
  readonly remote = false;

  run(cmd: string, opts?: RunOptions): Promise<RunResult> {
    return exec(['sh', '-c', cmd], opts);
  }

  async copyTo(localPath: string, remotePath: string): Promise<void> {
    mustSucceed(await this.run(`cp -- ${shq(localPath)} ${shq(remotePath)}`), `copying ${localPath} to ${remotePath}`);
  }

  async copyFrom(remotePath: string, localPath: string): Promise<void> {
    mustSucceed(await this.run(`cp -- ${shq(remotePath)} ${shq(localPath)}`), `copying ${remotePath} to ${localPath}`);
  }

  async writeText(remotePath: string, text: string, mode = 0o644): Promise<void> {
    await writeFile(remotePath, text, { mode });
  }

  async readText(remotePath: string): Promise<string> {
    return readFile(remotePath, 'utf8');
  }

  describe(): string {
    return 'local';
  }

  async isRoot(): Promise<boolean> {
    return typeof process.getuid === 'function' && process.getuid() === 0;
  }
}

export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
}

/** Parses `host`, `user@host`, `user@host:port`, `ssh://user@host:port` and `[v6addr]:port`. */
export function parseSshTarget(spec: string): SshTarget {
  const m = /^(?:ssh:\/\/)?(?:([^@\s/]+)@)?(\[[^\]]+\]|[^:@\s/]+)(?::(\d{1,5}))?\/?$/.exec(spec.trim());
  if (!m) throw new LabError(`bad --host ${JSON.stringify(spec)}`, 'use USER@HOST or USER@HOST:PORT (names from ~/.ssh/config work too)');
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new LabError(`bad port in --host ${spec}`, 'ports are 1-65535');
  return { user: m[1], host: m[2].replace(/^\[|\]$/g, ''), port };
}

export interface SshOptions {
  /** extra `ssh`/`scp` options, e.g. ['-i', key, '-o', 'UserKnownHostsFile=/dev/null']; default from LABCTL_SSH_OPTS */
  extraArgs?: string[];
  connectTimeoutSec?: number;
}

/**
 * OpenSSH client binaries (not a JS ssh library) so the user's ~/.ssh/config, keys, agent and
 * ProxyJump apply exactly as in their terminal. BatchMode: never hang on a password prompt.
 */
const RC255_MARKER = '__LABCTL_EXIT_255__';
const MODE_MARKER = '__LABCTL_MODE=';

export class SshTransport implements Transport {
  readonly remote = true;
  private readonly target: SshTarget;
  private readonly extra: string[];
  private readonly connectTimeout: number;
  private rootMode?: Promise<'root' | 'sudo'>;
  private knownMode?: 'root' | 'sudo';

  constructor(spec: string | SshTarget, opts: SshOptions = {}) {
    this.target = typeof spec === 'string' ? parseSshTarget(spec) : spec;
    this.extra = opts.extraArgs ?? splitOpts(process.env.LABCTL_SSH_OPTS ?? '');
    this.connectTimeout = opts.connectTimeoutSec ?? 10;
  }

  private dest(): string {
    const host = this.target.host.includes(':') ? `[${this.target.host}]` : this.target.host;
    return this.target.user ? `${this.target.user}@${host}` : host;
  }

  private common(): string[] {
    // ssh keeps the first value it sees for an option: the caller's options go before our defaults
    const mux = muxOptions();
    if (mux.length) openMasters.set(this.masterKey(), [...this.extra, ...mux, ...(this.target.port ? ['-p', String(this.target.port)] : []), this.dest()]);
    return ['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${this.connectTimeout}`, ...this.extra, ...mux];
  }

  private masterKey(): string {
    return `${this.dest()}:${this.target.port ?? 22}\0${this.extra.join(' ')}`;
  }

  describe(): string {
    return `ssh ${this.dest()}${this.target.port ? `:${this.target.port}` : ''}`;
  }

  /** Runs without sudo; turns ssh's own failures (exit 255) into a LabError with a hint. */
  private async raw(cmd: string, opts?: RunOptions): Promise<RunResult> {
    const port = this.target.port ? ['-p', String(this.target.port)] : [];
    const res = await execDirect('ssh', [...this.common(), ...port, this.dest(), '--', cmd], opts);
    if (res.exitCode === 255) throw sshError(res.stderr, this.describe());
    return res;
  }

  /** root or sudo, learnt on the first command (no round trip of its own when a command comes first) */
  private mode(): Promise<'root' | 'sudo'> {
    if (this.knownMode) return Promise.resolve(this.knownMode);
    this.rootMode ??= this.exec(':', { timeoutMs: (this.connectTimeout + 20) * 1000 }).then((res) => {
      if (!this.knownMode) mustSucceed({ ...res, ok: false }, `${this.describe()}: checking for root`);
      return this.knownMode!;
    });
    this.rootMode.catch(() => (this.rootMode = undefined));
    return this.rootMode;
  }

  async isRoot(): Promise<boolean> {
    await this.mode();
    return true;
  }

  async run(cmd: string, opts?: RunOptions): Promise<RunResult> {
    // a first contact already on its way: let it settle root vs sudo (and report a refused sudo) once
    if (!this.knownMode && this.rootMode) await this.rootMode;
    return this.exec(cmd, opts);
  }

  private async exec(cmd: string, opts?: RunOptions): Promise<RunResult> {
    const mode = this.knownMode;
    const asRoot = `sh -c ${shq(cmd)}`;
    const asSudo = `sudo -n sh -c ${shq(cmd)}`;
    // Until the mode is known, the command itself finds out: it runs as root directly, through sudo when the
    // login user has passwordless sudo, or not at all; the first stderr line says which (saves an `id -u` round trip).
    const inner =
      mode === 'root'
        ? asRoot
        : mode === 'sudo'
          ? asSudo
          : `if [ "$(id -u)" = 0 ]; then echo ${MODE_MARKER}root >&2; ${asRoot}; elif e=$(sudo -n true 2>&1 </dev/null); then echo ${MODE_MARKER}sudo >&2; ${asSudo}; else c=$?; echo "${MODE_MARKER}nosudo $c" >&2; printf '%s\n' "$e" >&2; exit 0; fi`;
    // ssh exits 255 on its own failures, and so does bpftrace when a probe cannot attach: a command's 255
    // travels as 254 plus a marker line on stderr, so raw() never mistakes it for the connection failing
    let res = await this.raw(`sh -c ${shq(`${inner}; rc=$?; if [ $rc -eq 255 ]; then echo ${RC255_MARKER} >&2; exit 254; fi; exit $rc`)}`, opts);
    if (!mode) {
      const m = new RegExp(`^${MODE_MARKER}(root|sudo|nosudo)(?: (\\d+))?\n`).exec(res.stderr);
      if (m) {
        res = { ...res, stderr: res.stderr.slice(m[0].length) };
        if (m[1] === 'nosudo') {
          throw new LabError(
            `${this.describe()}: sudo refused for the login user (${res.stderr.trim().split('\n')[0] || `exit ${m[2]}`})`,
            'labctl needs root on the lab host: log in as root, or give the user passwordless sudo (e.g. "USER ALL=(ALL) NOPASSWD:ALL" in /etc/sudoers.d/labctl)',
          );
        }
        this.knownMode = m[1] as 'root' | 'sudo';
      }
    }
    if (res.exitCode === 254 && res.stderr.endsWith(`${RC255_MARKER}\n`)) {
      return { ...res, exitCode: 255, stderr: res.stderr.slice(0, -(RC255_MARKER.length + 1)) };
    }
    return res;
  }

  private async scp(from: string, to: string): Promise<RunResult> {
    const port = this.target.port ? ['-P', String(this.target.port)] : [];
    const res = await execDirect('scp', ['-q', ...this.common(), ...port, from, to]);
    if (!res.ok && /ssh:|Connection|Permission denied|Host key/i.test(res.stderr)) throw sshError(res.stderr, this.describe());
    return res;
  }

  async copyTo(localPath: string, remotePath: string): Promise<void> {
    if ((await this.mode()) === 'root') {
      mustSucceed(await this.scp(localPath, `${this.dest()}:${remotePath}`), `scp ${localPath} to ${this.describe()}:${remotePath}`);
      return;
    }
    // scp runs as the login user: land in /tmp, then move into place as root.
    const tmp = `/tmp/labctl-upload-${randomBytes(6).toString('hex')}`;
    mustSucceed(await this.scp(localPath, `${this.dest()}:${tmp}`), `scp ${localPath} to ${this.describe()}:${tmp}`);
    mustSucceed(await this.run(`mv -f -- ${shq(tmp)} ${shq(remotePath)}`), `moving ${tmp} to ${remotePath}`);
  }

  async copyFrom(remotePath: string, localPath: string): Promise<void> {
    if ((await this.mode()) === 'root') {
      mustSucceed(await this.scp(`${this.dest()}:${remotePath}`, localPath), `scp ${this.describe()}:${remotePath} to ${localPath}`);
      return;
    }
    await writeFile(localPath, await this.readText(remotePath));
  }

  async writeText(remotePath: string, text: string, mode = 0o644): Promise<void> {
    mustSucceed(
      await this.run(`cat > ${shq(remotePath)} && chmod ${mode.toString(8)} ${shq(remotePath)}`, { input: text }),
      `writing ${this.describe()}:${remotePath}`,
    );
  }

  async readText(remotePath: string): Promise<string> {
    return mustSucceed(await this.run(`cat -- ${shq(remotePath)}`), `reading ${this.describe()}:${remotePath}`).stdout;
  }
}

/**
 * A lab command is many short ssh calls: one shared connection (ControlMaster) saves the handshake on
 * each. The sockets live in a private folder; LABCTL_SSH_MUX=0 turns this off (e.g. when ~/.ssh/config
 * already multiplexes).
 */
function muxOptions(): string[] {
  if (process.env.LABCTL_SSH_MUX === '0') return [];
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'u';
  const dir = join(tmpdir(), `labctl-ssh-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return [];
  }
  return ['-o', 'ControlMaster=auto', '-o', `ControlPath=${dir}/%C`, '-o', 'ControlPersist=60'];
}

/** ssh arguments that reach each shared connection this process may have opened. */
const openMasters = new Map<string, string[]>();
onCommandEnd(closeSshMasters);

/**
 * Ends the shared connections this process opened (`ssh -O exit`), so none lingers for ControlPersist's
 * 60 s after labctl returns. The CLI calls it once its command is done.
 */
export async function closeSshMasters(): Promise<void> {
  const all = [...openMasters.values()];
  openMasters.clear();
  await Promise.all(all.map((args) => exec(['ssh', '-O', 'exit', ...args], { timeoutMs: 5000 }).catch(() => undefined)));
}

function splitOpts(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}

function sshError(stderr: string, where: string): LabError {
  const line = stderr.trim().split('\n').filter((l) => !/^Warning: Permanently added/.test(l)).pop() ?? '';
  if (/Permission denied|Too many authentication failures|no mutual signature/i.test(stderr)) {
    return new LabError(`${where}: authentication failed (${line})`, 'check the key: `ssh-add -l`, IdentityFile in ~/.ssh/config, or LABCTL_SSH_OPTS="-i KEY"; labctl uses BatchMode, so password logins cannot work');
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) {
    return new LabError(
      `${where}: host key verification failed`,
      'a host you have not connected to before: `ssh HOST` once to check and accept its key, or LABCTL_SSH_OPTS="-o StrictHostKeyChecking=accept-new" (inventories from `labctl classroom deploy` do that by themselves); a changed key: fix ~/.ssh/known_hosts',
    );
  }
  if (/Could not resolve hostname|Connection refused|timed out|No route to host|Network is unreachable|Connection closed|Connection reset/i.test(stderr)) {
    return new LabError(`${where}: host unreachable (${line})`, 'check the address and port, that sshd runs on the host, and security groups/firewalls allow port 22');
  }
  return new LabError(`${where}: ssh failed (${line || 'exit 255'})`, 'try `ssh -v HOST` to see why');
}

/** `--host` absent: this machine; else OpenSSH to it. */
export function transportFor(host?: string, opts?: SshOptions): Transport {
  return host ? new SshTransport(host, opts) : new LocalTransport();
}
