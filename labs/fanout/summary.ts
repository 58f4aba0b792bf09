import pc from 'picocolors';
import type { ScenarioId } from '../../scenarios/variants.ts';
import type { CellState, ReadinessCell } from './readiness.ts';
import type { HostOutcome } from './run.ts';

/** The end of a fan-out: one row per host for people, one JSON object per host for scripts. */

export interface HostJson<T> {
  learner: string;
  distro: string;
  host: string;
  ok: boolean;
  attempts: number;
  durationMs: number;
  result?: T;
  error?: { message: string; hint?: string };
}

export function outcomesJson<T>(outcomes: HostOutcome<T>[]): HostJson<T>[] {
  return outcomes.map((o) => ({
    learner: o.host.learner,
    distro: o.host.distro,
    host: o.host.address,
    ok: o.ok,
    attempts: o.attempts,
    durationMs: o.durationMs,
    ...(o.result !== undefined ? { result: o.result } : {}),
    ...(o.error ? { error: o.error } : {}),
  }));
}

export function table(rows: string[][], color?: (row: number, col: number, cell: string) => string): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r, ri) => r.map((c, i) => {
      const padded = i === r.length - 1 ? c : c.padEnd(widths[i]);
      return color ? color(ri, i, padded) : padded;
    }).join('  ').trimEnd())
    .join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function renderSummary<T>(outcomes: HostOutcome<T>[], o: { color?: boolean; width?: number } = {}): string {
  const maxMsg = Math.max(30, (o.width ?? 160) - 70);
  const rows = [['LEARNER', 'DISTRO', 'HOST', 'RESULT', 'DURATION', 'MESSAGE']];
  for (const x of outcomes) {
    const msg = x.message.split('\n')[0];
    rows.push([x.host.learner, x.host.distro, x.host.address, x.ok ? 'ok' : 'FAILED', `${seconds(x.durationMs)}${x.attempts > 1 ? ` (${x.attempts} tries)` : ''}`, msg.length > maxMsg ? `${msg.slice(0, maxMsg - 3)}...` : msg]);
  }
  const failed = outcomes.filter((x) => !x.ok).length;
  const paint = o.color ? (r: number, c: number, cell: string) => (r > 0 && c === 3 ? (cell.startsWith('ok') ? pc.green(cell) : pc.red(cell)) : cell) : undefined;
  const hints = [...new Set(outcomes.flatMap((x) => (x.error?.hint ? [x.error.hint] : [])))].map((h) => `hint: ${h}`);
  return [table(rows, paint), '', `${outcomes.length - failed}/${outcomes.length} hosts ok${failed ? `, ${failed} failed` : ''}`, ...hints].join('\n');
}

const CELL_TEXT: Record<CellState, string> = { ready: 'ready', 'not-visible': 'NOT VISIBLE', 'not-injected': 'not injected', unreachable: 'unreachable' };

/** Host x scenario: ready / not visible / not injected / unreachable, then what failed where. */
export function renderReadiness(matrix: { outcome: HostOutcome<unknown>; cells: ReadinessCell[] }[], scenarios: ScenarioId[], o: { color?: boolean } = {}): string {
  const rows = [['LEARNER', 'DISTRO', 'HOST', ...scenarios.map((s) => s.toUpperCase())]];
  for (const { outcome, cells } of matrix) {
    // '-': not scheduled on this host (check --all without a schedule proves what each host has injected)
    rows.push([outcome.host.learner, outcome.host.distro, outcome.host.address, ...scenarios.map((s) => { const c = cells.find((x) => x.scenario === s); return c ? CELL_TEXT[c.state] : '-'; })]);
  }
  const paint = o.color
    ? (r: number, c: number, cell: string) => (r === 0 || c < 3 ? cell : cell.startsWith('ready') ? pc.green(cell) : cell.startsWith('not injected') ? pc.yellow(cell) : pc.red(cell))
    : undefined;
  const details: string[] = [];
  for (const { outcome, cells } of matrix) {
    const h = outcome.host;
    // a single host checked without an inventory has no learner: its address names it
    const who = h.learner === '-' ? h.address : `${h.learner}/${h.distro}`;
    const bad = cells.filter((c) => c.state !== 'ready');
    if (outcome.result !== undefined && !cells.length) details.push(`${who}: ${outcome.message}`);
    if (outcome.result === undefined && bad.length) details.push(`${who}: unreachable: ${bad[0].detail}`);
    else for (const c of bad) details.push(`${who} ${c.scenario}: ${CELL_TEXT[c.state].toLowerCase()}: ${c.detail}`);
  }
  const total = matrix.reduce((n, m) => n + m.cells.length, 0);
  const ready = matrix.reduce((n, m) => n + m.cells.filter((c) => c.state === 'ready').length, 0);
  const readyHosts = matrix.filter((m) => m.cells.length > 0 && m.cells.every((c) => c.state === 'ready')).length;
  return [table(rows, paint), '', ...details, ...(details.length ? [''] : []), `${ready}/${total} faults ready; ${readyHosts}/${matrix.length} hosts ready for class`].join('\n');
}
