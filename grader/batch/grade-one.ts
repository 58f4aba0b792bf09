import { readFile, stat } from 'node:fs/promises';
import { gradeLoadedSubmission, MAX_CAPTURES_READ, parseCapture } from '../grade.ts';
import { LabManifestSchema } from '../manifest.ts';
import { looksSealed, SealedManifestSchema } from '../sealed-manifest.ts';
import { parseCaptureText } from '../parsers/index.ts';
import type { Capture } from '../parsers/types.ts';
import { bundleHeld } from '../provenance/files.ts';
import { verifyBundle } from '../provenance/verify.ts';
import type { GradeReport } from '../report/types.ts';
import { loadSubmission } from '../submission/load.ts';
import type { Submission } from '../submission/types.ts';
import { answersAsText, digestCapture } from './digest.ts';
import type { BatchTask, CaptureDigest, SubmissionResult } from './types.ts';

const SMALL_CAPTURE = 4 << 20;
const BUNDLE_NAME = /^submission-(.+)-(ghost-load|offcpu-lock|fsync-latency)-\d{8}T\d{6}Z\.(tar\.gz|tgz)$/;

/** The learner id a `labctl submit` file name carries, for bundles whose contents name nobody. */
export function learnerFromFileName(entry: string): string | undefined {
  return entry.match(BUNDLE_NAME)?.[1];
}

function ungradableReport(scenario: string, learner: string, message: string): GradeReport {
  return { scenario, learner, score: 0, maxScore: 0, passed: false, gradable: false, checks: [], captures: [], notes: [message] };
}

/** Reports built from an extracted archive mention its temp folder; the instructor knows the entry name. */
function scrubPaths<T>(value: T, paths: string[], entry: string): T {
  let text = JSON.stringify(value);
  for (const p of paths.filter(Boolean).sort((a, b) => b.length - a.length)) text = text.split(JSON.stringify(p).slice(1, -1)).join(entry);
  return JSON.parse(text) as T;
}

const errorText = (err: unknown) => {
  const e = err as { message?: string; hint?: string };
  return `${e?.message ?? String(err)}${e?.hint ? ` (${e.hint})` : ''}`;
};

async function parseCaptures(sub: Submission): Promise<{ captures: Capture[]; digests: CaptureDigest[] }> {
  const captures: Capture[] = [];
  const digests: CaptureDigest[] = [];
  for (const f of sub.captureFiles.slice(0, MAX_CAPTURES_READ)) {
    try {
      // small captures are read whole: the streaming reader's 1 MiB chunk buffer per file shows up as GC
      // time when a worker grades hundreds of submissions
      const onDisk = !f.bytes && !f.spool;
      const c = onDisk && f.size <= SMALL_CAPTURE ? parseCaptureText(await readFile(f.abs, 'utf8'), f.rel) : await parseCapture(f);
      if (c.tool === 'unknown') continue;
      captures.push(c);
      digests.push(digestCapture(f.rel, c));
    } catch {
      // the grade report lists unreadable captures; nothing to draw from them
    }
  }
  return { captures, digests };
}

/**
 * Grades one batch entry: loads it once, checks its provenance, grades it, and keeps what the class
 * report needs. Never throws: anything that goes wrong becomes an ungradable report with the reason.
 */
export async function gradeOne(task: BatchTask): Promise<SubmissionResult> {
  const started = performance.now();
  const mtime = await stat(task.path).then((s) => s.mtime.toISOString(), () => new Date(0).toISOString());
  const fromName = learnerFromFileName(task.entry);
  const fallbackLearner = fromName ?? task.entry.replace(/\.(tar\.gz|tgz)$/, '');
  const base = (learner: string, learnerFrom: SubmissionResult['learnerFrom']) => ({ id: task.id, entry: task.entry, learner, learnerFrom, trusted: false, createdAt: mtime, answers: {}, digests: [] as CaptureDigest[] });

  let sub: Submission;
  try {
    sub = await loadSubmission(task.path, task.tmpRoot ? { tmpRoot: task.tmpRoot } : {});
  } catch (err) {
    const learnerFrom = fromName ? 'file-name' : 'entry-name';
    return {
      ...base(fallbackLearner, learnerFrom),
      scenario: task.scenario ?? 'unknown',
      report: ungradableReport(task.scenario ?? 'unknown', fallbackLearner, errorText(err).split(task.path).join(task.entry)),
      provenance: { status: 'not-checked', message: 'not a submission' },
      ms: performance.now() - started,
    };
  }
  try {
    const refused = sub.kind === 'archive' && sub.root === sub.source;
    const { captures, digests } = refused ? { captures: [], digests: [] } : await parseCaptures(sub);
    const prov = refused
      ? { status: 'not-checked' as const, message: 'archive refused' }
      : await verifyBundle(sub.held ? bundleHeld(sub.held) : sub.root, { classSecret: task.classSecret, requireDerivedSeed: task.requireDerivedSeed, captures }).catch((err) => ({
          status: 'tampered' as const,
          message: `cannot verify: ${errorText(err)}`,
          learner: undefined,
          scenario: undefined,
          createdAt: undefined,
        }));
    // the plaintext manifest or the sealed one a lab host keeps: both name the learner and scenario
    const manifest = (looksSealed(sub.manifest?.data) ? SealedManifestSchema : LabManifestSchema).safeParse(sub.manifest?.data);
    const answersLearner = typeof sub.answers?.data.learner === 'string' ? sub.answers.data.learner : undefined;
    const [learner, learnerFrom]: [string, SubmissionResult['learnerFrom']] =
      'learner' in prov && prov.learner && prov.status !== 'unsigned'
        ? [prov.learner, 'provenance']
        : manifest.success && manifest.data.learner
          ? [manifest.data.learner, 'manifest']
          : answersLearner
            ? [answersLearner, 'answers']
            : [fallbackLearner, fromName ? 'file-name' : 'entry-name'];
    const scenarioGuess =
      task.scenario ?? (manifest.success ? manifest.data.scenario : undefined) ?? sub.answers?.scenario ?? ('scenario' in prov ? prov.scenario : undefined) ?? 'unknown';

    let report: GradeReport;
    if (refused) {
      report = ungradableReport(scenarioGuess, learner, sub.problems.map((p) => `${p.file === task.entry ? '' : `${p.file}: `}${p.message}${p.hint ? ` (${p.hint})` : ''}`).join('; '));
    } else {
      try {
        // with the secret the expected facts are derived for this learner, whatever the manifest says
        report = await gradeLoadedSubmission(sub, { scenario: task.scenario, classSecret: task.classSecret, learner });
      } catch (err) {
        report = ungradableReport(scenarioGuess, learner, `${task.entry}: ${errorText(err)}`);
      }
    }
    report = scrubPaths({ ...report, learner }, [sub.root, sub.source], task.entry);
    report.notes = [...(report.notes ?? []), `provenance: ${prov.status}: ${prov.message}`];
    return {
      ...base(learner, learnerFrom),
      scenario: report.scenario,
      report,
      provenance: { status: prov.status, message: prov.message },
      // identity and time count only when signed and verified; anything else is a claim
      trusted: prov.status === 'verified',
      createdAt: (prov.status === 'verified' && 'createdAt' in prov && prov.createdAt) || mtime,
      answers: answersAsText(sub.answers?.data),
      digests,
      // only a record whose signature held can vouch for the counts
      ...('activity' in prov && prov.activity && (prov.status === 'verified' || prov.status === 'unchecked') ? { activity: prov.activity } : {}),
      ms: performance.now() - started,
    };
  } catch (err) {
    return {
      ...base(fallbackLearner, fromName ? 'file-name' : 'entry-name'),
      scenario: task.scenario ?? 'unknown',
      report: ungradableReport(task.scenario ?? 'unknown', fallbackLearner, `${task.entry}: grading failed: ${errorText(err)}`),
      provenance: { status: 'not-checked', message: 'grading failed' },
      ms: performance.now() - started,
    };
  } finally {
    await sub.cleanup();
  }
}
