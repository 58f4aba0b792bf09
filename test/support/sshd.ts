import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, isRoot } from './live.ts';

/**
 * Real OpenSSH servers on 127.0.0.1 for transport and fan-out tests (and the fan-out bench): one key pair
 * and one host key per pool, one `sshd -D` per server on its own free port. Each server can be killed on
 * its own, with its open sessions, as a host that goes down would.
 */

/** Why sshd tests cannot run here, or null. */
export function sshdMissing(): string | null {
  if (!isRoot()) return 'needs root (sshd logs in as root)';
  if (!existsSync('/usr/sbin/sshd')) return 'needs openssh-server (/usr/sbin/sshd)';
  if (!hasCommand('ssh') || !hasCommand('ssh-keygen')) return 'needs the OpenSSH client (ssh, ssh-keygen)';
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export interface SshdServer {
  port: number;
  /** root@127.0.0.1:PORT */
  target: string;
  pid: number;
  /** SIGKILLs the listener and every session under it: the host is gone, established connections drop */
  kill(): void;
  readonly alive: boolean;
}

/** Children of `pid`, recursively, from /proc (sshd sessions setsid, so a process group kill would miss them). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) (out.push(child), walk(child));
  };
  walk(pid);
  return out;
}

/** Resolves once the port answers with an SSH banner. */
async function waitForBanner(port: number, deadlineMs: number, log: () => string): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.setTimeout(1000);
      s.once('data', (d) => (s.destroy(), res(String(d).startsWith('SSH-'))));
      s.once('error', () => res(false));
      s.once('timeout', () => (s.destroy(), res(false)));
    });
    if (ok) return;
    if (Date.now() > deadlineMs) throw new Error(`sshd on port ${port} did not come up\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class SshdPool {
  readonly dir: string;
  readonly key: string;
  /** HOME of every session */
  readonly home: string;
  /** ssh options that reach every server of the pool (LABCTL_SSH_OPTS) */
  readonly sshOpts: string[];
  private readonly servers: { child: ChildProcess; server: SshdServer }[] = [];

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'labctl-sshd-'));
    this.key = join(this.dir, 'user_key');
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(this.dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', this.key]);
    writeFileSync(join(this.dir, 'authorized_keys'), readFileSync(`${this.key}.pub`));
    chmodSync(join(this.dir, 'authorized_keys'), 0o600);
    this.home = join(this.dir, 'home');
    mkdirSync(this.home);
    // a test or bench that dies before close() must not leave sshd listeners behind
    process.once('exit', this.onExit);
    this.sshOpts = ['-i', this.key, '-o', 'IdentitiesOnly=yes', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'LogLevel=ERROR'];
  }

  /** Starts one more server; resolves when it accepts connections. */
  async start(): Promise<SshdServer> {
    const port = await freePort();
    const config = join(this.dir, `sshd_config.${port}`);
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(this.dir, 'host_key')}`,
        `PidFile ${join(this.dir, `sshd.${port}.pid`)}`,
        `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        // a fan-out opens many sessions at once; the defaults (10:30:100) would refuse some
        'MaxStartups 200',
        'MaxSessions 100',
        // sessions get an empty home: sshd makes bash source ~/.bashrc even for `ssh host cmd`, and a
        // developer's .bashrc (pyenv init, nvm...) would cost seconds per command and swamp what tests measure
        `SetEnv HOME=${this.home}`,
        'Subsystem sftp internal-sftp',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    let log = '';
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (log += String(d)));
    let alive = true;
    child.once('exit', () => (alive = false));
    const server: SshdServer = {
      port,
      target: `root@127.0.0.1:${port}`,
      pid: child.pid!,
      kill() {
        const tree = descendants(child.pid!);
        for (const p of [child.pid!, ...tree]) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        alive = false;
      },
      get alive() {
        return alive;
      },
    };
    this.servers.push({ child, server });
    await waitForBanner(port, Date.now() + 15_000, () => log);
    return server;
  }

  async startMany(n: number): Promise<SshdServer[]> {
    return Promise.all(Array.from({ length: n }, () => this.start()));
  }

  private readonly onExit = (): void => this.close();

  close(): void {
    process.removeListener('exit', this.onExit);
    for (const { server } of this.servers) if (server.alive) server.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
