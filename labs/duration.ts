import { LabError } from './errors.ts';

const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const MAX_SEC = 7 * 86400;

/**
 * `90s`, `15m`, `2h`, `1h30m`, `1d` or plain seconds (`45`) -> seconds. Faults must always expire,
 * so zero, negative and more than 7 days are refused.
 */
export function parseDuration(text: string, what = '--ttl'): number {
  const s = String(text).trim().toLowerCase();
  let total = 0;
  if (/^\d+$/.test(s)) total = Number(s);
  else if (/^(\d+[smhd])+$/.test(s)) for (const [, n, u] of s.matchAll(/(\d+)([smhd])/g)) total += Number(n) * UNIT_SEC[u];
  else throw new LabError(`bad ${what} ${JSON.stringify(text)}: expected a duration like 90s, 15m, 2h or 1h30m`, `e.g. ${what} 30m`);
  if (total <= 0) throw new LabError(`bad ${what} ${JSON.stringify(text)}: must be longer than 0 seconds`, 'faults always expire; use at least 1s');
  if (total > MAX_SEC) throw new LabError(`bad ${what} ${JSON.stringify(text)}: longer than 7 days`, 'labs are meant to be short-lived; inject again later instead');
  return total;
}

export function formatDuration(sec: number): string {
  sec = Math.max(0, Math.round(sec));
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('');
}
