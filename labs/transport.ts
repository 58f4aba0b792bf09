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
  const p = $({ nothrow: true, quiet: true, input: opts.input ?? '', timeout: opts.timeoutMs, timeoutSignal: 'SIGKILL' })`${args}`;
  const started = Date.now();
  const out = await p;
  // LABCTL_DEBUG=1 shows every host command and its duration: the first thing to look at when a lab misbehaves
  if (process.env.LABCTL_DEBUG) process.stderr.write(`[labctl] ${Date.now() - started}ms exit=${out.exitCode} ${args.join(' ').replace(/\s+/g, ' ').slice(0, 160)}\n`);
  const timedOut = out.signal === 'SIGKILL' && opts.timeoutMs !== undefined;
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr, ok: out.exitCode === 0, timedOut };
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

export class SshTransport implements Transport {
  readonly remote = true;
  private readonly target: SshTarget;
  private readonly extra: string[];
  private readonly connectTimeout: number;
  private rootMode?: Promise<'root' | 'sudo'>;

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
    return ['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${this.connectTimeout}`, ...this.extra, ...muxOptions()];
  }

  describe(): string {
    return `ssh ${this.dest()}${this.target.port ? `:${this.target.port}` : ''}`;
  }

  /** Runs without sudo; turns ssh's own failures (exit 255) into a LabError with a hint. */
  private async raw(cmd: string, opts?: RunOptions): Promise<RunResult> {
    const port = this.target.port ? ['-p', String(this.target.port)] : [];
    const res = await exec(['ssh', ...this.common(), ...port, this.dest(), '--', cmd], opts);
    if (res.exitCode === 255) throw sshError(res.stderr, this.describe());
    return res;
  }

  private mode(): Promise<'root' | 'sudo'> {
    this.rootMode ??= (async () => {
      const id = await this.raw('id -u', { timeoutMs: (this.connectTimeout + 20) * 1000 });
      if (id.stdout.trim() === '0') return 'root';
      const sudo = await this.raw('sudo -n true');
      if (!sudo.ok) {
        throw new LabError(
          `${this.describe()}: sudo refused for the login user (${sudo.stderr.trim().split('\n')[0] || `exit ${sudo.exitCode}`})`,
          'labctl needs root on the lab host: log in as root, or give the user passwordless sudo (e.g. "USER ALL=(ALL) NOPASSWD:ALL" in /etc/sudoers.d/labctl)',
        );
      }
      return 'sudo';
    })();
    this.rootMode.catch(() => (this.rootMode = undefined));
    return this.rootMode;
  }

  async isRoot(): Promise<boolean> {
    await this.mode();
    return true;
  }

  async run(cmd: string, opts?: RunOptions): Promise<RunResult> {
    const mode = await this.mode();
    const inner = mode === 'root' ? `sh -c ${shq(cmd)}` : `sudo -n sh -c ${shq(cmd)}`;
    // ssh exits 255 on its own failures, and so does bpftrace when a probe cannot attach: a command's 255
    // travels as 254 plus a marker line on stderr, so raw() never mistakes it for the connection failing
    const res = await this.raw(`sh -c ${shq(`${inner}; rc=$?; if [ $rc -eq 255 ]; then echo ${RC255_MARKER} >&2; exit 254; fi; exit $rc`)}`, opts);
    if (res.exitCode === 254 && res.stderr.endsWith(`${RC255_MARKER}\n`)) {
      return { ...res, exitCode: 255, stderr: res.stderr.slice(0, -(RC255_MARKER.length + 1)) };
    }
    return res;
  }

  private async scp(from: string, to: string): Promise<RunResult> {
    const port = this.target.port ? ['-P', String(this.target.port)] : [];
    const res = await exec(['scp', '-q', ...this.common(), ...port, from, to]);
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

function splitOpts(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}

function sshError(stderr: string, where: string): LabError {
  const line = stderr.trim().split('\n').filter((l) => !/^Warning: Permanently added/.test(l)).pop() ?? '';
  if (/Permission denied|Too many authentication failures|no mutual signature/i.test(stderr)) {
    return new LabError(`${where}: authentication failed (${line})`, 'check the key: `ssh-add -l`, IdentityFile in ~/.ssh/config, or LABCTL_SSH_OPTS="-i KEY"; labctl uses BatchMode, so password logins cannot work');
  }
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) {
    return new LabError(`${where}: host key verification failed`, 'connect once with `ssh HOST` to accept the host key, or fix ~/.ssh/known_hosts');
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
