import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, SCENARIO_IDS, defaultFacts, deriveSeed, validateSeed, variantFacts } from '../../scenarios/variants.ts';

const learners = Array.from({ length: 200 }, (_, i) => `learner-${String(i).padStart(3, '0')}`);

describe('deriveSeed', () => {
  it('is 16 hex chars, deterministic, and differs per learner and per scenario', () => {
    const a = deriveSeed('secret', 'alice', 'ghost-load');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(deriveSeed('secret', 'alice', 'ghost-load')).toBe(a);
    expect(deriveSeed('secret', 'bob', 'ghost-load')).not.toBe(a);
    expect(deriveSeed('secret', 'alice', 'offcpu-lock')).not.toBe(a);
    expect(deriveSeed('other', 'alice', 'ghost-load')).not.toBe(a);
  });

  it('uses an unambiguous separator: moving characters between parts changes the seed', () => {
    expect(deriveSeed('s', 'a:b', 'ghost-load')).not.toBe(deriveSeed('s:a', 'b', 'ghost-load'));
    expect(deriveSeed('sa', 'b', 'ghost-load')).not.toBe(deriveSeed('s', 'ab', 'ghost-load'));
  });

  it('refuses empty parts', () => {
    expect(() => deriveSeed('', 'alice', 'ghost-load')).toThrow(/classroom secret is empty/);
    expect(() => deriveSeed('s', '', 'ghost-load')).toThrow(/learner id is empty/);
  });
});

describe('variantFacts', () => {
  it('gives exactly the contract defaults for the seed "default"', () => {
    expect(variantFacts('ghost-load', DEFAULT_SEED)).toMatchObject({
      culprit_comm: 'curl',
      parent_comm: 'health-check.sh',
      url: 'http://127.0.0.1:8089/healthz',
      min_rate_per_sec: 5,
    });
    expect(variantFacts('offcpu-lock', DEFAULT_SEED)).toEqual({ process_comm: 'orderd', hot_function: 'update_inventory', threads: 8 });
    expect(variantFacts('fsync-latency', DEFAULT_SEED)).toEqual({ process_comm: 'ledgerd', file_name: 'ledger.wal', fs_type: 'ext4' });
    for (const id of SCENARIO_IDS) expect(variantFacts(id, DEFAULT_SEED)).toEqual(defaultFacts(id));
  });

  it('is deterministic for a seed', () => {
    for (const id of SCENARIO_IDS) expect(variantFacts(id, 'abc123')).toEqual(variantFacts(id, 'abc123'));
  });

  it.each(SCENARIO_IDS)('%s: 200 learners get mostly distinct variants', (id) => {
    const facts = learners.map((l) => variantFacts(id, deriveSeed('class-2026', l, id)));
    const distinct = new Set(facts.map((f) => JSON.stringify(f))).size;
    expect(distinct).toBeGreaterThanOrEqual(id === 'ghost-load' ? 195 : 150);
    // neighbours differ: copying the answers of the learner next to you fails
    let sameAsNext = 0;
    for (let i = 1; i < facts.length; i++) if (JSON.stringify(facts[i]) === JSON.stringify(facts[i - 1])) sameAsNext++;
    expect(sameAsNext).toBeLessThan(5);
  });

  it('keeps every drawn value valid for the fault programs', () => {
    for (const l of learners) {
      const g = variantFacts('ghost-load', deriveSeed('k', l, 'ghost-load'));
      expect(String(g.parent_comm)).toMatch(/^[a-z0-9-]{1,12}\.sh$/);
      expect(String(g.parent_comm).length).toBeLessThanOrEqual(15);
      const url = new URL(String(g.url));
      expect(url.hostname).toBe('127.0.0.1');
      expect(Number(url.port)).toBeGreaterThanOrEqual(8000);
      expect(Number(url.port)).toBeLessThanOrEqual(8999);
      const o = variantFacts('offcpu-lock', deriveSeed('k', l, 'offcpu-lock'));
      expect(String(o.process_comm).length).toBeLessThanOrEqual(15);
      expect(String(o.hot_function)).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(o.threads).toBeGreaterThanOrEqual(4);
      expect(o.threads).toBeLessThanOrEqual(12);
      const f = variantFacts('fsync-latency', deriveSeed('k', l, 'fsync-latency'));
      expect(String(f.process_comm).length).toBeLessThanOrEqual(15);
      expect(String(f.file_name)).toMatch(/^[a-z]+\.(wal|log|dat|db|bin)$/);
      expect(f.fs_type).toBe('ext4');
    }
  });

  it('rejects bad seeds and unknown scenarios with a clear error', () => {
    for (const bad of ['', 'has space', 'x'.repeat(65), 'semi;colon', '../etc']) {
      expect(() => variantFacts('ghost-load', bad), bad).toThrow(/bad seed/);
      expect(() => validateSeed(bad)).toThrow(/1-64 characters/);
    }
    expect(validateSeed('A-z_0.9')).toBe('A-z_0.9');
    expect(() => variantFacts('nope', 's1')).toThrow(/unknown scenario "nope".*|use one of/);
  });
});
