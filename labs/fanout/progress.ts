import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { FanoutHost } from './inventory.ts';
import type { HostEvent, HostPhase } from './run.ts';

/**
 * How a fan-out shows progress, on stderr (stdout is for the summary and --json): live listr2 rows in a
 * terminal, one timestamped line per event in CI and logs.
 */

export interface ProgressView {
  onEvent(e: HostEvent): void;
  /** resolves when the view has drawn the last event */
  close(): Promise<void>;
}

export function hostLabel(h: FanoutHost): string {
  return `${h.learner}/${h.distro} ${h.address}`;
}

/** Live rows only in an interactive terminal; CI (env CI) and pipes get plain lines. */
export function wantsLiveView(stream: { isTTY?: boolean } = process.stderr, env = process.env): boolean {
  return stream.isTTY === true && !env.CI && env.TERM !== 'dumb';
}

export function plainProgress(write: (line: string) => void, now: () => Date = () => new Date()): ProgressView {
  return {
    onEvent(e) {
      // every host is pending at the start: one line for all of them says as much
      if (e.phase === 'pending') return;
      write(`${now().toISOString()} ${hostLabel(e.host)} ${e.phase}${e.message ? `${e.phase === 'retry' ? ' ' : ': '}${e.message}` : ''}\n`);
    },
    close: async () => undefined,
  };
}

interface Row {
  phase: HostPhase;
  message: string;
  listener?: () => void;
}

/**
 * listr2 draws; the fan-out engine schedules. Each row waits for its host's events; listr runs the rows
 * with the same concurrency and order as the engine, so a row shows "pending" exactly while its host
 * waits for a slot.
 */
export function listrProgress(hosts: readonly FanoutHost[], jobs: number): ProgressView {
  const rows = new Map<FanoutHost, Row>(hosts.map((h) => [h, { phase: 'pending', message: '' }]));
  const list = new Listr(
    hosts.map((host) => ({
      title: `${hostLabel(host)}  pending`,
      task: (_ctx: unknown, task: { title: string }) =>
        new Promise<void>((resolve, reject) => {
          const row = rows.get(host)!;
          const draw = () => {
            if (row.phase === 'done') {
              task.title = `${hostLabel(host)}  done: ${row.message}`;
              resolve();
            } else if (row.phase === 'failed') reject(new Error(`${hostLabel(host)}  failed: ${row.message}`));
            else if (row.phase !== 'pending') task.title = `${hostLabel(host)}  ${row.phase}${row.message ? `${row.phase === 'retry' ? ' ' : ': '}${row.message}` : ''}`;
          };
          row.listener = draw;
          draw();
        }),
    })),
    {
      concurrent: jobs,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: { logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(process.stderr, process.stdout) }) },
    },
  );
  const running = list.run().catch(() => undefined);
  return {
    onEvent(e) {
      const row = rows.get(e.host);
      if (!row || row.phase === 'done' || row.phase === 'failed') return;
      row.phase = e.phase;
      row.message = e.message;
      row.listener?.();
    },
    close: () => running.then(() => undefined),
  };
}
