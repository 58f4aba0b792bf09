import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gradeSubmission, type GradeReport } from '../grader/index.ts';
import { MANIFEST_FILE, type LabManifest } from '../grader/manifest.ts';
import { looksSealed, type SealedManifest } from '../grader/sealed-manifest.ts';
import { assertScenarioId, type ScenarioId } from '../scenarios/variants.ts';
import { captureScenario, type CaptureResult } from './capture.ts';
import { LabError } from './errors.ts';
import type { LabHost } from './host.ts';
import { probeHost, type ProbeResult } from './probe.ts';
import { readState } from './supervisor.ts';

/**
 * `labctl lab check ID`: the solve path. Capture with the tools that work on the host, grade the captures
 * evidence-only against the host's manifest, and say whether the fault is visible. Also what `demo` and
 * the live tests use.
 */

export interface CheckResultSummary {
  scenario: ScenarioId;
  capture: CaptureResult;
  manifest: HostManifest;
  report: GradeReport;
  evidence: GradeReport['checks'];
  /** every evidence check passed */
  visible: boolean;
}

export interface CheckOptions {
  durationSec?: number;
  probe?: ProbeResult;
  /** grade against this manifest instead of the host's (used to prove a host *without* the fault fails) */
  manifest?: HostManifest;
  /**
   * local folder for the captures, kept; without one, a check run on the lab host itself puts them in a
   * temp folder removed after grading (the texts stay in `capture.runs`): left in /tmp they would show the
   * lab's names to its learner
   */
  dir?: string;
}

/** What a lab host keeps: the sealed manifest (hosts injected before it was sealed: the plaintext one). */
export type HostManifest = LabManifest | SealedManifest;

/**
 * Reads the manifest of the fault injected on the host. It is the sealed one: grading matches the names
 * the captures show by hash, with the same verdicts as the plaintext facts (test/grader/sealed-grading.test.ts),
 * so the instructor's check needs nothing from the instructor's side, over SSH or not.
 */
export async function hostManifest(host: LabHost, scenario: ScenarioId): Promise<HostManifest> {
  const state = await readState(host, scenario);
  if (!state) {
    throw new LabError(`no ${scenario} fault on ${host.transport.describe()} (state dir ${host.stateDir})`, `inject it first: labctl lab inject ${scenario}`);
  }
  return JSON.parse(await host.transport.readText(state.manifestPath)) as HostManifest;
}

/** Grades a capture folder evidence-only against a manifest (written into the folder, as a learner's would be). */
export async function gradeCaptures(dir: string, scenario: ScenarioId, manifest: HostManifest): Promise<GradeReport> {
  const manifestPath = join(dir, MANIFEST_FILE);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  // Only metadata: evidence-only grading reads no answers, but the submission loader wants the file.
  await writeFile(join(dir, 'answers.yaml'), `scenario: ${scenario}\n`);
  return gradeSubmission(dir, { scenario, manifestPath, evidenceOnly: true });
}

/** The pid of the fault's service (offcpu-lock, fsync-latency), as `pgrep -x COMM` would give a learner. */
async function faultPid(host: LabHost, scenario: ScenarioId, manifest: HostManifest): Promise<number | undefined> {
  const state = await readState(host, scenario);
  // state files from before pid files were named by role are keyed by the comm
  const comm = looksSealed(manifest) ? undefined : (manifest as LabManifest).facts.process_comm;
  return state?.pids.service ?? (typeof comm === 'string' ? state?.pids[comm] : undefined);
}

export function evidenceVisible(report: GradeReport): boolean {
  const evidence = report.checks.filter((c) => c.kind === 'evidence');
  return report.gradable && evidence.length > 0 && evidence.every((c) => c.status === 'pass');
}

export async function checkScenario(host: LabHost, scenarioId: string, opts: CheckOptions = {}): Promise<CheckResultSummary> {
  const scenario = assertScenarioId(scenarioId);
  const manifest = opts.manifest ?? (await hostManifest(host, scenario));
  const probe = opts.probe ?? (await probeHost(host));
  const targetPid = opts.manifest ? undefined : await faultPid(host, scenario, manifest);
  const capture = await captureScenario(host, scenario, probe, { durationSec: opts.durationSec, dir: opts.dir, targetPid });
  if (capture.runs.length === 0) {
    throw new LabError(
      `no tool that reveals ${scenario} works on ${host.transport.describe()} (${capture.skipped.map((s) => s.tool).join(', ')})`,
      'run `labctl lab setup`, then `labctl lab probe --refresh` to see what fails',
    );
  }
  let report: GradeReport;
  try {
    report = await gradeCaptures(capture.dir, scenario, manifest);
  } finally {
    // only on the lab host itself: over SSH the folder is on the instructor's machine
    if (!opts.dir && !host.transport.remote) {
      await rm(capture.dir, { recursive: true, force: true });
      capture.kept = false;
    }
  }
  const evidence = report.checks.filter((c) => c.kind === 'evidence');
  return { scenario, capture, manifest, report, evidence, visible: evidenceVisible(report) };
}
