import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTool } from '../../labs/tool-run.ts';

/**
 * Readiness of a tool run through a shell line, as the learner briefs write them (`sudo TOOL | tee FILE`):
 * the CPU and the output that count are the tool's, deep in the process tree, not the wrapping shell's.
 * The "tool" here is a python3 loop that computes (like BCC compiling) before it prints.
 */
const sh = (cmd: string, o: { timeoutMs: number }) =>
  new Promise<{ stdout: string; stderr: string }>((resolve) => {
    execFile('sh', ['-c', cmd], { timeout: o.timeoutMs, maxBuffer: 16 << 20 }, (_err, stdout, stderr) => resolve({ stdout, stderr }));
  });
const dir = mkdtempSync(join(tmpdir(), 'labctl-tool-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// busy for 6 s (no output), then one line, then idle until stopped
const COMPILING_TOOL = `python3 -c 'import time
t = time.time()
while time.time() - t < 6: pass
print("PID COMM", flush=True)
time.sleep(300)'`;

describe('tool runs: readiness of a tool inside a shell line', () => {
  it('a tool that computes longer than the idle limit before printing is waited for (its CPU is counted, not the shell\'s)', async () => {
    const r = await runTool(sh, `${COMPILING_TOOL} | cat`, { readySec: 60, idleSec: 3, holdSec: 1, shellIn: dir });
    expect(r.ready, JSON.stringify(r)).toBe('output');
    expect(r.stdout).toContain('PID COMM');
    expect(r.waitedSec).toBeGreaterThanOrEqual(5);
    expect(r.stopped).toBe(true);
  }, 120_000);

  it('a tool that neither prints nor computes is given up after the idle limit', async () => {
    const r = await runTool(sh, 'sleep 300 | cat', { readySec: 60, idleSec: 3, holdSec: 1, shellIn: dir });
    expect(r.ready).toBe('');
    expect(r.waitedSec).toBeLessThan(20);
  }, 120_000);
});
