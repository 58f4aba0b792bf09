import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo, withRunFlavors } from '../../labs/demo.ts';
import type { CheckResultSummary } from '../../labs/check.ts';
import { labHost } from '../../labs/host.ts';
import { PROBE_CACHE, probeHost } from '../../labs/probe.ts';
import { bpfMissing, hasCommand, skipUnlessRequired } from '../support/live.ts';

describe('withRunFlavors', () => {
  it('names the flavor of the command the demo ran where the output alone cannot tell', () => {
    const check = {
      capture: { dir: '/x', skipped: [], runs: [{ tool: 'syscount', file: 'syscount.txt', command: '/usr/sbin/syscount -L', flavor: 'libbpf', exitCode: 0, text: '' }] },
      report: { scenario: 'fsync-latency', score: 0, maxScore: 0, passed: false, gradable: true, checks: [], captures: [{ file: 'syscount.txt', tool: 'syscount', flavor: 'unknown' }, { file: 'notes.txt', tool: 'unknown', flavor: 'unknown' }] },
    } as unknown as CheckResultSummary;
    expect(withRunFlavors(check).report.captures.map((c) => c.flavor)).toEqual(['libbpf', 'unknown']);
  });
});

const missing = bpfMissing() ?? (hasCommand('gcc') ? null : 'needs gcc');

describe.skipIf(skipUnlessRequired(missing))('labctl demo, live', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'labctl-demo-state-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
  const ours = () => new Set(readdirSync(tmpdir()).filter((f) => /^labctl-(demo-|ghost-load-|offcpu-lock-|fsync-latency-)/.test(f) && !f.startsWith('labctl-demo-state-')));

  it('injects, captures and grades fsync-latency with every flavor named, and leaves nothing behind in /tmp or its state dir', async () => {
    const host = labHost({ stateDir });
    // the probe a demo starts with, trimmed to the tools of this scenario (a full probe tries every candidate of every tool)
    writeFileSync(join(stateDir, PROBE_CACHE), JSON.stringify(await probeHost(host, { tools: ['syscount', 'fsslower', 'fsync-hist'] })));
    const before = ours();
    const r = await runDemo({ host, scenarios: ['fsync-latency'], durationSec: 3, setup: false });
    expect(r.mode, r.reason).toBe('live');
    const o = r.outcomes[0];
    expect(o.mode).toBe('live');
    if (o.mode !== 'live' || !o.check) throw new Error(o.error ?? 'no check');
    expect(o.check.report.captures.length).toBeGreaterThan(0);
    for (const c of o.check.report.captures) expect(c.flavor, c.file).not.toBe('unknown');
    expect([...ours()].filter((f) => !before.has(f))).toEqual([]);
    expect(readdirSync(stateDir).filter((f) => f !== PROBE_CACHE)).toEqual([]);
  }, 180_000);
});
