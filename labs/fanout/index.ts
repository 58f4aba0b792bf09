/**
 * Fan-out: one `labctl lab` command on every host of a classroom inventory, in parallel, with retries
 * for transient SSH failures, live progress and a per-host summary. Data flows inventory -> hosts ->
 * engine (run.ts) -> outcomes -> summary; the view (progress.ts) only listens.
 */
import type { FanoutHost } from './inventory.ts';
import { listrProgress, plainProgress, wantsLiveView, type ProgressView } from './progress.ts';
import { DEFAULT_JOBS, fanOut, type FanoutOptions, type HostOperation, type HostOutcome } from './run.ts';

export { loadInventory, parseInventory, selectHosts, type FanoutHost, type FanoutInventory } from './inventory.ts';
export { fanOut, DEFAULT_JOBS, DEFAULT_RETRIES, type HostOperation, type HostOutcome, type HostEvent } from './run.ts';
export { isTransientSshFailure, backoffMs, withRetry } from './retry.ts';
export { mapLimit } from './pool.ts';
export { renderSummary, renderReadiness, outcomesJson } from './summary.ts';
export { classSecretFrom, requireClassSecret, placeLearnerKey } from './learner-key.ts';

export interface ViewOptions {
  /** 'live' (listr2 rows), 'plain' (timestamped lines), 'none'; default: live in a terminal, plain otherwise */
  view?: 'live' | 'plain' | 'none';
}

/** `fanOut` with the progress view on stderr. */
export async function fanOutWithProgress<T>(hosts: FanoutHost[], op: HostOperation<T>, o: FanoutOptions & ViewOptions = {}): Promise<HostOutcome<T>[]> {
  const kind = o.view ?? (wantsLiveView() ? 'live' : 'plain');
  const view: ProgressView | null =
    kind === 'live' ? listrProgress(hosts, o.jobs ?? DEFAULT_JOBS) : kind === 'plain' ? plainProgress((l) => process.stderr.write(l)) : null;
  const outcomes = await fanOut(hosts, op, {
    ...o,
    onEvent: (e) => {
      view?.onEvent(e);
      o.onEvent?.(e);
    },
  });
  await view?.close();
  return outcomes;
}
