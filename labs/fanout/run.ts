import type { LabHost } from '../host.ts';
import { remoteStateDir } from '../paths.ts';
import { SshTransport } from '../transport.ts';
import type { FanoutHost } from './inventory.ts';
import { mapLimit } from './pool.ts';
import { withRetry, type BackoffOptions } from './retry.ts';

/**
 * Runs one lab operation on every host of an inventory: at most `jobs` hosts at once, transient SSH
 * failures retried with exponential backoff, and every host's end a value (`HostOutcome`), so one
 * unreachable or failing host never stops the others. Progress is told as events; how they are shown
 * (listr2 rows, plain lines) is the caller's business.
 */

export const DEFAULT_JOBS = 10;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 15_000, jitter: 0.2 };

export type HostPhase = 'pending' | 'running' | 'retry' | 'done' | 'failed';

export interface HostEvent {
  host: FanoutHost;
  phase: HostPhase;
  /** short, one line */
  message: string;
  attempt: number;
}

/** What an operation says about its host when it did not throw; `ok: false` is a failure that retrying would not fix. */
export interface HostReport<T> {
  ok: boolean;
  message: string;
  result: T;
}

export interface HostContext {
  host: FanoutHost;
  lab: LabHost;
  attempt: number;
  /** updates the host's running message (e.g. "injecting offcpu-lock") */
  progress(message: string): void;
}

export type HostOperation<T> = (ctx: HostContext) => Promise<HostReport<T>>;

export interface HostOutcome<T> {
  host: FanoutHost;
  ok: boolean;
  attempts: number;
  /** from getting a slot to the end, retry waits included */
  durationMs: number;
  message: string;
  /** present when the operation returned (also when it reported ok: false) */
  result?: T;
  /** present when the host failed */
  error?: { message: string; hint?: string };
}

export interface FanoutOptions {
  jobs?: number;
  retries?: number;
  backoff?: BackoffOptions;
  onEvent?: (e: HostEvent) => void;
  /** how to reach a host; default OpenSSH with the host's state dir */
  labHostFor?: (h: FanoutHost) => LabHost;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Over a fan-out a host can die mid-command: keepalives make ssh notice in about a minute (exit 255,
 * retried) instead of hanging the whole class. Hosts of an inventory that `classroom deploy` wrote are
 * fresh VMs: their host key is accepted on first contact (StrictHostKeyChecking=accept-new) and checked
 * from then on, so a changed key still fails. Caller options (LABCTL_SSH_OPTS) come first and win.
 */
export function fanoutSshArgs(env = process.env, h?: Pick<FanoutHost, 'deployed'>): string[] {
  const user = (env.LABCTL_SSH_OPTS ?? '').split(/\s+/).filter(Boolean);
  return [...user, '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=4', ...(h?.deployed ? ['-o', 'StrictHostKeyChecking=accept-new'] : [])];
}

export function sshLabHost(h: FanoutHost): LabHost {
  return { transport: new SshTransport(h.target, { extraArgs: fanoutSshArgs(process.env, h) }), stateDir: h.stateDir ?? remoteStateDir() };
}

export function firstLine(text: string, max = 160): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

export async function fanOut<T>(hosts: readonly FanoutHost[], op: HostOperation<T>, o: FanoutOptions = {}): Promise<HostOutcome<T>[]> {
  const emit = o.onEvent ?? (() => undefined);
  const labHostFor = o.labHostFor ?? sshLabHost;
  for (const host of hosts) emit({ host, phase: 'pending', message: 'waiting for a slot', attempt: 0 });
  return mapLimit(hosts, o.jobs ?? DEFAULT_JOBS, async (host): Promise<HostOutcome<T>> => {
    const started = Date.now();
    const retries = o.retries ?? DEFAULT_RETRIES;
    const run = await withRetry(
      async (attempt) => {
        emit({ host, phase: 'running', message: attempt > 1 ? `attempt ${attempt}` : 'connecting', attempt });
        const ctx: HostContext = {
          host,
          lab: labHostFor(host),
          attempt,
          progress: (message) => emit({ host, phase: 'running', message: firstLine(message), attempt }),
        };
        return op(ctx);
      },
      {
        ...(o.backoff ?? DEFAULT_BACKOFF),
        retries,
        sleep: o.sleep,
        onRetry: ({ retry, of, delayMs, error }) =>
          emit({ host, phase: 'retry', message: `${retry}/${of} in ${(delayMs / 1000).toFixed(1)}s: ${firstLine(errorMessage(error))}`, attempt: retry }),
      },
    );
    const durationMs = Date.now() - started;
    if (run.ok) {
      const r = run.value;
      const outcome: HostOutcome<T> = { host, ok: r.ok, attempts: run.attempts, durationMs, message: r.message, result: r.result, ...(r.ok ? {} : { error: { message: r.message } }) };
      emit({ host, phase: r.ok ? 'done' : 'failed', message: firstLine(r.message), attempt: run.attempts });
      return outcome;
    }
    const e = run.error as { message?: string; hint?: string };
    const message = errorMessage(run.error);
    const tried = run.attempts > 1 ? ` (after ${run.attempts} attempts)` : '';
    emit({ host, phase: 'failed', message: firstLine(`${message}${tried}`), attempt: run.attempts });
    return { host, ok: false, attempts: run.attempts, durationMs, message: `${message}${tried}`, error: { message, ...(typeof e?.hint === 'string' ? { hint: e.hint } : {}) } };
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
