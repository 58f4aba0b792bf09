import { answerText } from '../rules/match.ts';
import type { Observations } from './observe.ts';

/**
 * Every name a sealed fact could be, taken from what the learner already holds: the comms, files,
 * stack frames, script names and exec arguments their captures show, and the words of their answers.
 * The rules compare facts with exactly these names (comm tables, file base names, frame symbols), so a
 * sealed fact resolved from them is the value the rules would have matched. Pure.
 */

/** More would only come from hostile input; the first ones are the captures' own names. */
const MAX_CANDIDATES = 50_000;

const baseName = (p: string) => p.split('/').filter(Boolean).pop() ?? p;

/** `update_inventory+0x1c`, `update_inventory (/opt/x)`, `orderd;worker;take_lock` -> bare symbols. */
function frameSymbols(frame: string): string[] {
  return frame
    .split(/[\s;(]+/)
    .map((s) => s.replace(/\)$/, '').replace(/\+0x[0-9a-f]+$/i, '').replace(/^-+/, ''))
    .filter(Boolean);
}

/** Words of a free-text answer or an exec's arguments, as typed and as a path's last segment. */
function words(text: string): string[] {
  const out: string[] = [text.trim()];
  for (const word of text.split(/[\s,;()'"`]+/)) {
    const w = word.replace(/[.:]+$/, '');
    if (!w) continue;
    out.push(w, baseName(w));
    const url = w.match(/^[a-z]+:\/\/\S+/i)?.[0];
    if (url) out.push(url);
  }
  return out;
}

export function factCandidates(obs: Observations, answers: Record<string, unknown> = {}, extra: Iterable<string> = []): string[] {
  const out = new Set<string>();
  const add = (names: Iterable<string> | undefined) => {
    for (const n of names ?? []) if (n && out.size < MAX_CANDIDATES) out.add(n);
  };
  const keys = (o: Record<string, unknown> | undefined) => Object.keys(o ?? {});
  const paths = (list: string[]) => list.flatMap((p) => [p, baseName(p)]);
  const { exec, offcpu, fs, opens } = obs;
  add(keys(exec?.byComm));
  add(keys(exec?.parentsByComm));
  for (const args of Object.values(exec?.topArgsByComm ?? {})) add(words(args));
  add(keys(offcpu?.byComm));
  add(keys(offcpu?.futexByComm));
  for (const s of offcpu?.stacks ?? []) {
    add([s.comm]);
    for (const f of s.frames) add(frameSymbols(f));
  }
  add(keys(fs?.byComm));
  add(paths(keys(fs?.typesByFile)));
  add(keys(opens?.byComm));
  add(paths(keys(opens?.byPath)));
  for (const [comm, byPath] of Object.entries(opens?.pathsByComm ?? {})) add([comm, ...paths(keys(byPath))]);
  add(keys(obs.syncCalls));
  add(extra);
  for (const value of Object.values(answers)) {
    const text = answerText(value);
    if (text) add(words(text));
  }
  return [...out];
}
