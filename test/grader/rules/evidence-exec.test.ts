import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeCaptures } from '../../../labs/check.ts';

/**
 * exec-rate on a slow host: the real BCC capture of ghost-load on the emulated VM (curl 0.6/s, far below
 * the 5/s the fault reaches on real hardware) shows the rate as long as curl is the fastest-started
 * command of the capture; a command that is not ahead of the others still fails.
 */
const capture = readFileSync(join(import.meta.dirname, '../../fixtures/captures/execsnoop-bcc-t-vm-ghostload.txt'), 'utf8');
const manifest = (culprit: string) => ({
  scenario: 'ghost-load',
  seed: 'vm',
  host: 'labvm',
  createdAt: '2026-11-29T23:15:24.848Z',
  expiresAt: '2026-11-30T00:00:24.848Z',
  facts: { culprit_comm: culprit, parent_comm: 'liveness.sh', url: 'http://127.0.0.1:8725/api/health', min_rate_per_sec: 5, helpers: 'date,sh' },
});

describe('exec-rate does not depend on the host being fast', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labctl-exec-rate-'));
  writeFileSync(join(dir, 'execsnoop.txt'), capture);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rate = async (culprit: string) => (await gradeCaptures(dir, 'ghost-load', manifest(culprit) as never)).checks.find((c) => c.id === 'culprit-rate')!;

  it('passes the slow VM capture: curl at 0.6/s is the fastest-started command', async () => {
    const r = await rate('curl');
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/0\.6 times per second over 10\.3 s of capture, faster than any other command/);
  });

  it('fails a command that is neither at the incident rate nor ahead of the others', async () => {
    const r = await rate('date');
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/below the 5\/s the incident produces/);
  });

  it('counts a tool\'s own polling (sleep 1, ls, grep from another parent) as other commands, and the loop\'s own sleep as a tie', async () => {
    const d = mkdtempSync(join(tmpdir(), 'labctl-exec-rate-pollers-'));
    try {
      writeFileSync(join(d, 'execsnoop.txt'), readFileSync(join(import.meta.dirname, '../../fixtures/captures/execsnoop-bcc-t-vm-labcheck-pollers.txt'), 'utf8'));
      const check = async (culprit: string) => (await gradeCaptures(d, 'ghost-load', manifest(culprit) as never)).checks.find((c) => c.id === 'culprit-rate')!;
      // sleep is started 102 times (42 by the loop, 60 by two pollers), curl 84 times, all by the loop
      const curl = await check('curl');
      expect(curl.status, curl.message).toBe('pass');
      expect(curl.message).toMatch(/2\.1 times per second over 39\.9 s/);
      // date: the same loop, half as often as curl: not the incident's rate
      expect((await check('date')).status).toBe('fail');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
