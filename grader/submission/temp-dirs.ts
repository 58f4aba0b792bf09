import { rmSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/**
 * Temp folders that must not outlive the process, even when it is stopped: Ctrl-C during a grade used to
 * leave `labctl-submission-*` extraction folders behind (310 MB after one batch). While any is tracked,
 * SIGINT, SIGTERM and SIGHUP remove them and then take their usual course (the signal is raised again
 * once our handler is gone, so the exit status is the signal's). Worker threads cannot catch signals:
 * the batch gives them a tracked parent folder to extract into instead.
 */

const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  uninstall();
  // nobody else listening: the default action (terminate with the signal's status) happens now
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (installed || !isMainThread) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', removeAll);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', removeAll);
}

/** Removes every tracked folder now (synchronously: it runs from signal and exit handlers). */
export function removeAll(): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: the process is stopping
    }
  }
  live.clear();
}

/** Tracks `dir` until the returned function is called (after removing it yourself). */
export function trackTempDir(dir: string): () => void {
  live.add(dir);
  install();
  return () => {
    live.delete(dir);
    if (live.size === 0) uninstall();
  };
}

/** The folders tracked right now (tests). */
export function trackedTempDirs(): string[] {
  return [...live];
}
