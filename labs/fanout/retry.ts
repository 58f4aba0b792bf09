/**
 * Which failures a fan-out retries: only SSH failing to reach or keep a connection (exit 255 from ssh,
 * which labs/transport.ts turns into "host unreachable (...)" / "ssh failed (...)" errors). A VM still
 * booting refuses connections, a busy NAT resets them: worth another try. Authentication, host keys,
 * sudo, a command that fails or times out: the same again next time, so never retried.
 */

const SSH_ORIGIN = /: (?:host unreachable|ssh failed) \(/;
const TRANSIENT =
  /Connection refused|Connection reset|Connection timed out|timed out during banner exchange|Operation timed out|Connection closed|closed by remote host|kex_exchange_identification|Broken pipe|No route to host|Network is unreachable|server not responding|Timeout, server/i;
const PERMANENT = /authentication failed|Permission denied|host key verification|Could not resolve hostname|sudo refused/i;

export function isTransientSshFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  if (!SSH_ORIGIN.test(message)) return false;
  const firstLine = message.split('\n')[0];
  return TRANSIENT.test(firstLine) && !PERMANENT.test(firstLine);
}

export interface BackoffOptions {
  /** first wait, ms */
  baseMs: number;
  /** no wait longer than this, ms */
  maxMs: number;
  /** 0..1: spreads retries of many hosts that failed together (a NAT or bastion hiccup) */
  jitter?: number;
  random?: () => number;
}

/** Wait before retry number `retry` (1-based): base * 2^(retry-1), capped, +-jitter. */
export function backoffMs(retry: number, o: BackoffOptions): number {
  const plain = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, retry - 1));
  const j = o.jitter ?? 0;
  if (!j) return plain;
  const r = (o.random ?? Math.random)();
  return Math.round(plain * (1 - j + 2 * j * r));
}

export interface RetryOptions extends BackoffOptions {
  /** retries after the first attempt */
  retries: number;
  isTransient?: (err: unknown) => boolean;
  /** told before each wait */
  onRetry?: (info: { retry: number; of: number; delayMs: number; error: unknown }) => void;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type RetryOutcome<T> = { ok: true; value: T; attempts: number } | { ok: false; error: unknown; attempts: number };

/** Runs `fn(attempt)` until it resolves, throws something not transient, or the retries run out. Never throws. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<RetryOutcome<T>> {
  const transient = o.isTransient ?? isTransientSshFailure;
  const sleep = o.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt };
    } catch (error) {
      if (attempt > o.retries || !transient(error)) return { ok: false, error, attempts: attempt };
      const delayMs = backoffMs(attempt, o);
      o.onRetry?.({ retry: attempt, of: o.retries, delayMs, error });
      await sleep(delayMs);
    }
  }
}
