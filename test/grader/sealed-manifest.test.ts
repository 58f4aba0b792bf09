import { describe, expect, it } from 'vitest';
import { sealedFactMatches, sealManifest } from '../../grader/sealed-manifest.ts';
import { loadScenario } from '../../scenarios/load.ts';
import { manifestFor } from './provenance/learner-lab.ts';

const SECRET = 'sealed-test-secret-Kq8Zr3Lw5Vn1';

describe('sealed manifest (what a lab host keeps for self-check)', () => {
  it('names no varying fact and no seed; shared thresholds stay readable', () => {
    const m = manifestFor(SECRET, 'ana', 'ghost-load');
    const sealed = sealManifest(m, loadScenario('ghost-load'), '00'.repeat(16));
    const text = JSON.stringify(sealed);
    for (const secret of [m.seed, String(m.facts.parent_comm), String(m.facts.url), String(m.facts.url).split('/').pop()!]) expect(text).not.toContain(secret);
    expect(sealed.shared).toEqual({ culprit_comm: 'curl', min_rate_per_sec: 5, helpers: 'date,sh' });
    expect(Object.keys(sealed.sealed.facts).sort()).toEqual(['parent_comm', 'url']);
  });

  it('answers "is this the name?" for names the learner already holds, normalised', () => {
    const m = manifestFor(SECRET, 'ana', 'offcpu-lock');
    const sealed = sealManifest(m, loadScenario('offcpu-lock'));
    expect(sealedFactMatches(sealed, 'process_comm', ` ${String(m.facts.process_comm).toUpperCase()} `)).toBe(true);
    expect(sealedFactMatches(sealed, 'hot_function', String(m.facts.hot_function))).toBe(true);
    expect(sealedFactMatches(sealed, 'hot_function', 'main')).toBe(false);
    expect(sealedFactMatches(sealed, 'threads', String(m.facts.threads))).toBe(true);
    expect(sealedFactMatches(sealed, 'nope', 'x')).toBeUndefined();
    const g = manifestFor(SECRET, 'ana', 'ghost-load');
    const gs = sealManifest(g, loadScenario('ghost-load'));
    expect(sealedFactMatches(gs, 'url', `${String(g.facts.url).replace('http://', 'HTTP://')}/`)).toBe(true);
    expect(sealedFactMatches(gs, 'parent_comm', `/var/lib/labctl/ghost-load/bin/${g.facts.parent_comm}`)).toBe(true);
  });

  it('a different salt per lab: the same name does not hash alike on two hosts', () => {
    const m = manifestFor(SECRET, 'ana', 'fsync-latency');
    const a = sealManifest(m, loadScenario('fsync-latency'));
    const b = sealManifest(m, loadScenario('fsync-latency'));
    expect(a.sealed.facts.file_name).not.toBe(b.sealed.facts.file_name);
  });
});
