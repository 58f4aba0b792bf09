import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCaptureText } from '../../grader/parsers/index.ts';
import type { CaptureOf } from '../../grader/parsers/types.ts';
import { createBundle } from '../../grader/provenance/bundle.ts';
import { learnerKey } from '../../grader/provenance/key.ts';
import { verifyBundle } from '../../grader/provenance/verify.ts';
import { checkVariantNames } from '../../grader/provenance/variant-names.ts';
import { captureScenario } from '../../labs/capture.ts';
import { checkScenario } from '../../labs/check.ts';
import { labHost } from '../../labs/host.ts';
import { probeHost, type ProbeResult } from '../../labs/probe.ts';
import { injectFault, stopFault } from '../../labs/supervisor.ts';
import { deriveSeed } from '../../scenarios/variants.ts';
import { bpfMissing, skipUnlessRequired } from '../support/live.ts';
import { extract } from 'tar';

/**
 * Issue 9, live: three of three honest learners were flagged `wrong-learner` because unrelated `*.sh`
 * programs ran on the host during the execsnoop capture. Here ana's ghost-load lab runs beside a second
 * scenario (offcpu-lock), a cron-like loop that re-runs `backup.sh` and `rotate-logs.sh`, and the
 * learner's own `my-monitor.sh` that runs curl too; a real execsnoop capture of it all, bundled with
 * `labctl submit`'s code and verified with the class secret, must come out `verified`.
 * Run under `flock /tmp/labctl-live.lock` (faults of two runs must not see each other).
 */

const SECRET = 'live-provenance-Secret-9Xq2Lm7Vb4';
const CAPTURE_SEC = 5;

describe.skipIf(skipUnlessRequired(bpfMissing()))('provenance from evidence (live execsnoop)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'labctl-live-prov-'));
  const work = mkdtempSync(join(tmpdir(), 'labctl-live-prov-work-'));
  const host = labHost({ stateDir });
  let probe: ProbeResult;
  let noise: ChildProcess | undefined;
  process.env.LABCTL_NO_SYSTEMD = '1';

  beforeAll(async () => {
    probe = await probeHost(host, { tools: ['execsnoop'] });
    expect(probe.tools.find((p) => p.tool === 'execsnoop')?.command, 'execsnoop must work on this kernel (ENVIRONMENT.md)').toBeTruthy();
    // unrelated scripts: a cron-like loop re-running two maintenance scripts, and the learner's own monitor running curl
    for (const [name, body] of [
      ['backup.sh', 'tar cf /dev/null /etc/hostname 2>/dev/null; date >/dev/null'],
      ['rotate-logs.sh', 'ls /var/log >/dev/null; true'],
      ['my-monitor.sh', 'curl -s -m 1 -o /dev/null http://127.0.0.1:9/ || true'],
    ]) {
      writeFileSync(join(work, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(work, name), 0o755);
    }
    writeFileSync(join(work, 'cron-loop'), `#!/bin/sh\nwhile :; do "${work}/backup.sh"; "${work}/rotate-logs.sh"; "${work}/my-monitor.sh"; sleep 0.3; done\n`);
    chmodSync(join(work, 'cron-loop'), 0o755);
  }, 180_000);
  afterAll(async () => {
    noise?.kill('SIGKILL');
    await stopFault(host).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('ana\'s capture with unrelated scripts and a second scenario running is verified, not wrong-learner', async () => {
    const ghost = await injectFault(host, { scenario: 'ghost-load', seed: deriveSeed(SECRET, 'ana', 'ghost-load'), learner: 'ana', ttlSec: 300 });
    await injectFault(host, { scenario: 'offcpu-lock', seed: deriveSeed(SECRET, 'ben', 'offcpu-lock'), learner: 'ben', ttlSec: 300 });
    noise = spawn(join(work, 'cron-loop'), { stdio: 'ignore', detached: false });
    const cap = await captureScenario(host, 'ghost-load', probe, { durationSec: CAPTURE_SEC, dir: join(work, 'capture') });
    noise.kill('SIGKILL');
    const run = cap.runs.find((r) => r.file === 'execsnoop.txt');
    expect(run, JSON.stringify(cap.skipped)).toBeTruthy();
    const parsed = parseCaptureText(run!.text, 'execsnoop.txt') as CaptureOf<'execsnoop'>;
    // the unrelated scripts really ran while tracing, and one of them ran curl
    expect(Object.keys(parsed.summary.byComm)).toEqual(expect.arrayContaining(['backup.sh', 'rotate-logs.sh', 'my-monitor.sh', 'curl']));
    expect(Object.values(parsed.summary.scriptPids ?? {})).toEqual(expect.arrayContaining(['backup.sh', 'my-monitor.sh']));

    const names = checkVariantNames('ghost-load', ghost.manifest.facts, [parsed]);
    expect(names.mismatches).toEqual([]);
    expect(names.matched).toContain('url');

    // the whole path: labctl submit's bundle, verified with the class secret
    const dir = join(work, 'submission');
    await mkdir(dir);
    await writeFile(join(dir, 'execsnoop.txt'), run!.text);
    await writeFile(join(dir, 'answers.yaml'), `culprit_command: curl\nparent_process: ${ghost.manifest.facts.parent_comm}\nrate_per_second: 5\n`);
    const manifestPath = join(work, 'lab-manifest.json');
    await writeFile(manifestPath, JSON.stringify(ghost.manifest));
    const bundle = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, 'ana'), out: work });
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    await extract({ file: bundle.file, cwd: unpacked });
    const v = await verifyBundle(unpacked, { classSecret: SECRET });
    expect(v.findings.filter((f) => f.status === 'wrong-learner')).toEqual([]);
    expect(v.status).toBe('verified');
  }, 240_000);

  it('the lab folder (fault sources, manifest) is not readable by other users; lab check leaves no captures behind', async () => {
    const ghost = await injectFault(host, { scenario: 'ghost-load', seed: deriveSeed(SECRET, 'ana', 'ghost-load'), learner: 'ana', ttlSec: 300 });
    expect(statSync(ghost.state.labDir).mode & 0o777).toBe(0o700);
    const check = await checkScenario(host, 'ghost-load', { probe, durationSec: 3 });
    expect(check.visible).toBe(true);
    expect(check.capture.kept).toBe(false);
    expect(existsSync(check.capture.dir)).toBe(false);
    expect(check.capture.runs.find((r) => r.file === 'execsnoop.txt')?.text).toContain(String(ghost.manifest.facts.url));
  }, 120_000);
});
