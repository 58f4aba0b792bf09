import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCaptureText } from '../../grader/parsers/index.ts';
import type { CaptureOf } from '../../grader/parsers/types.ts';
import { captureScenario, type CaptureResult } from '../../labs/capture.ts';
import { checkScenario, evidenceVisible, gradeCaptures } from '../../labs/check.ts';
import { labHost } from '../../labs/host.ts';
import { probeHost, type ProbeResult } from '../../labs/probe.ts';
import { injectFault, stopFault, type InjectResult } from '../../labs/supervisor.ts';
import type { LessonTool } from '../../labs/tools.ts';
import { bpfMissing, skipUnlessRequired } from '../support/live.ts';

/**
 * Live: each fault injected on this kernel, traced with the tools that work here, asserted on the raw
 * captures, on the parsed captures, and by the grader's evidence checks; then the same tools with the
 * fault stopped must not show it.
 */

const TOOLS: LessonTool[] = ['execsnoop', 'offcputime', 'runqlat', 'fsslower', 'syscount', 'biolatency', 'fsync-hist', 'opensnoop'];
const CAPTURE_SEC = 4;

function file(c: CaptureResult, name: string): string {
  const run = c.runs.find((r) => r.file === name);
  if (!run) throw new Error(`no ${name} in the capture (${c.runs.map((r) => r.file).join(', ')}; skipped: ${JSON.stringify(c.skipped)})`);
  return run.text;
}

describe.skipIf(skipUnlessRequired(bpfMissing()))('live faults on this kernel', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'labctl-live-'));
  const host = labHost({ stateDir });
  let probe: ProbeResult;
  process.env.LABCTL_NO_SYSTEMD = '1';

  beforeAll(async () => {
    probe = await probeHost(host, { tools: TOOLS });
    for (const t of ['execsnoop', 'offcputime', 'syscount']) {
      expect(probe.tools.find((p) => p.tool === t)?.command, `${t} must work on this kernel (ENVIRONMENT.md)`).toBeTruthy();
    }
  }, 180_000);
  afterAll(async () => {
    await stopFault(host).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('ghost-load: execsnoop shows curl from the loop script several times a second; not after stop', async () => {
    const r: InjectResult = await injectFault(host, { scenario: 'ghost-load', seed: 'live-ghost', ttlSec: 300 });
    const { url, min_rate_per_sec: minRate } = r.manifest.facts;
    const scriptPid = r.state.pids.loop;
    const check = await checkScenario(host, 'ghost-load', { probe, durationSec: CAPTURE_SEC });

    const raw = file(check.capture, 'execsnoop.txt');
    const curlLines = raw.split('\n').filter((l) => /\scurl\s/.test(l) && l.includes(String(url)));
    expect(curlLines.length).toBeGreaterThanOrEqual(Number(minRate) * (CAPTURE_SEC - 1));
    // PPID column of the curl lines is the loop script
    expect(curlLines.filter((l) => l.split(/\s+/)[3] === String(scriptPid)).length).toBe(curlLines.length);

    const parsed = parseCaptureText(raw, 'execsnoop.txt') as CaptureOf<'execsnoop'>;
    expect(parsed.tool).toBe('execsnoop');
    expect(parsed.summary.byComm.curl).toBeGreaterThanOrEqual(Number(minRate) * (CAPTURE_SEC - 1));
    expect(parsed.summary.parentsByComm?.curl?.[String(scriptPid)]).toBe(parsed.summary.byComm.curl);
    expect(parsed.summary.ratePerSec).toBeGreaterThan(0);

    expect(check.evidence.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(check.visible).toBe(true);

    await stopFault(host, 'ghost-load');
    const after = await captureScenario(host, 'ghost-load', probe, { durationSec: CAPTURE_SEC });
    expect(file(after, 'execsnoop.txt')).not.toContain(String(url));
    const report = await gradeCaptures(after.dir, 'ghost-load', check.manifest);
    expect(evidenceVisible(report)).toBe(false);
  });

  it('offcpu-lock: offcputime shows futex waits under the hot function; not after stop', async () => {
    const r = await injectFault(host, { scenario: 'offcpu-lock', seed: 'live-lock', ttlSec: 300 });
    const comm = String(r.manifest.facts.process_comm);
    const fn = String(r.manifest.facts.hot_function);
    const check = await checkScenario(host, 'offcpu-lock', { probe, durationSec: CAPTURE_SEC });

    const raw = file(check.capture, 'offcputime.txt');
    // one stack block: kernel futex frames, then the user frame of the hot function, then "-  comm (tid)"
    const blocks = raw.split(/\n\s*\n/).filter((b) => new RegExp(`\\s${comm} \\(\\d+\\)`).test(b));
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.some((b) => /futex_wait/.test(b) && new RegExp(`^\\s+${fn}$`, 'm').test(b))).toBe(true);

    const parsed = parseCaptureText(raw, 'offcputime.txt') as CaptureOf<'offcputime'>;
    expect(parsed.tool).toBe('offcputime');
    expect(parsed.summary.futexByComm[comm]).toBeGreaterThan(0.5 * parsed.summary.byComm[comm]);
    expect(parsed.summary.stacks.some((s) => s.comm === comm && s.frames.includes(fn))).toBe(true);

    const failing = check.evidence.filter((c) => c.status !== 'pass');
    // runqlat's p99 depends on everything else this 2-core CI VM runs at the time: reported, not asserted
    expect(failing.filter((c) => c.id !== 'runqlat-healthy')).toEqual([]);

    await stopFault(host, 'offcpu-lock');
    const after = await captureScenario(host, 'offcpu-lock', probe, { durationSec: CAPTURE_SEC });
    expect(file(after, 'offcputime.txt')).not.toMatch(new RegExp(`\\s${comm} \\(\\d+\\)`));
    const report = await gradeCaptures(after.dir, 'offcpu-lock', check.manifest);
    expect(report.checks.find((c) => c.id === 'futex-dominates')?.status ?? 'fail').not.toBe('pass');
    expect(evidenceVisible(report)).toBe(false);
  });

  it('fsync-latency: syscount -L and the bpftrace histogram show the app fsyncing its one file; not after stop', async () => {
    const r = await injectFault(host, { scenario: 'fsync-latency', seed: 'live-fsync', ttlSec: 300 });
    const comm = String(r.manifest.facts.process_comm);
    const fileName = String(r.manifest.facts.file_name);
    expect(r.manifest.facts.fs_type).toBe(probe.fsType);
    const check = await checkScenario(host, 'fsync-latency', { probe, durationSec: CAPTURE_SEC });

    const syscount = parseCaptureText(file(check.capture, 'syscount.txt'), 'syscount.txt') as CaptureOf<'syscount'>;
    expect(syscount.tool).toBe('syscount');
    const fsync = syscount.summary.rows.find((row) => row.syscall === 'fsync');
    expect(fsync?.count).toBeGreaterThan(50 * (CAPTURE_SEC - 1));
    const hist = file(check.capture, 'fsync-hist.txt');
    expect(hist).toContain(`@fsync_usecs[${comm}]:`);
    expect(file(check.capture, 'opensnoop.txt')).toContain(`data/${fileName}`);

    expect(check.evidence.filter((c) => c.status !== 'pass')).toEqual([]);

    await stopFault(host, 'fsync-latency');
    const after = await captureScenario(host, 'fsync-latency', probe, { durationSec: CAPTURE_SEC });
    expect(file(after, 'fsync-hist.txt')).not.toContain(`@fsync_usecs[${comm}]`);
    const report = await gradeCaptures(after.dir, 'fsync-latency', check.manifest);
    expect(evidenceVisible(report)).toBe(false);
  });
});
