import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create as createTar, extract } from 'tar';
import { createBundle } from '../../../grader/provenance/bundle.ts';
import { learnerKey } from '../../../grader/provenance/key.ts';
import { ghostLoadWork, manifestFor, offcputimeFor } from '../provenance/learner-lab.ts';

/**
 * Test helper: a batch folder as an instructor collects it, made with the real `labctl submit` code
 * from real captures (names replaced by each learner's variant):
 * - ana: two signed bundles (an older and a newer one)
 * - ben: signed, but his execsnoop capture was taken on ana's lab (wrong-learner)
 * - cy: signed, then one byte of the capture changed (tampered)
 * - eve: a plain folder, not on the roster, whose answers carry HTML
 * - fay: an offcpu-lock folder with her manifest (unsigned)
 * - broken.tar.gz: gzip of something that is not tar; truncated.tar.gz: half of a real bundle
 * - notes.txt: not a submission
 */
export const CLASS_SECRET = 'class-fixture-secret-R8tY2wQ5nM3z';
export const ROSTER_CSV = 'learner,name,email\nana,Ana A,ana@x.org\nben,"Ben, B",ben@x.org\ncy,Cy,cy@x.org\ndee,Dee,dee@x.org\nfay,Fay,fay@x.org\n';
export const XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

export async function makeClassBatch(): Promise<{ root: string; batch: string; roster: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'labctl-class-'));
  const batch = join(root, 'submissions');
  const work = join(root, 'work');
  await mkdir(batch, { recursive: true });
  const signed = async (learner: string, at: string, captureFrom = learner) => {
    const m = manifestFor(CLASS_SECRET, learner, 'ghost-load');
    const { dir, manifestPath } = await ghostLoadWork(join(work, `${learner}-${at}`), m, manifestFor(CLASS_SECRET, captureFrom, 'ghost-load'));
    return createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(CLASS_SECRET, learner), out: batch, now: new Date(at) });
  };
  await signed('ana', '2026-11-25T09:40:00Z');
  await signed('ana', '2026-11-25T09:55:00Z');
  await signed('ben', '2026-11-25T09:41:00Z', 'ana');

  // cy's bundle, re-packed with one capture byte changed and the record left as it was
  const cy = await signed('cy', '2026-11-25T09:42:00Z');
  const unpacked = join(work, 'cy-unpacked');
  await mkdir(unpacked);
  await extract({ file: cy.file, cwd: unpacked });
  const cap = await readFile(join(unpacked, 'execsnoop.txt'));
  cap[200] = cap[200] === 0x30 ? 0x31 : 0x30;
  await writeFile(join(unpacked, 'execsnoop.txt'), cap);
  await rm(cy.file);
  await createTar({ gzip: true, file: cy.file, cwd: unpacked, portable: true }, await readdir(unpacked));

  // eve: a folder, unsigned, wrong answers with markup in them
  const eve = manifestFor(CLASS_SECRET, 'eve', 'ghost-load');
  const eveDir = join(batch, 'eve');
  const { dir: eveWork } = await ghostLoadWork(join(work, 'eve'), eve);
  await mkdir(eveDir);
  await writeFile(join(eveDir, 'execsnoop.txt'), await readFile(join(eveWork, 'execsnoop.txt')));
  await writeFile(join(eveDir, 'lab-manifest.json'), JSON.stringify(eve));
  await writeFile(join(eveDir, 'answers.yaml'), `culprit_command: sleep\nparent_process: cron\nrate_per_second: 4\nroot_cause: '${XSS}'\nfix: reboot\n`);

  // fay: offcpu-lock, a folder with her manifest
  const fay = manifestFor(CLASS_SECRET, 'fay', 'offcpu-lock');
  const fayDir = join(batch, 'fay-offcpu');
  await mkdir(fayDir);
  await writeFile(join(fayDir, 'offcputime.txt'), await offcputimeFor(fay));
  await writeFile(join(fayDir, 'lab-manifest.json'), JSON.stringify(fay));
  await writeFile(
    join(fayDir, 'answers.yaml'),
    [`process: ${fay.facts.process_comm}`, 'blocked_in: futex', `hot_function: ${fay.facts.hot_function}`, 'cpu_saturated: no', 'root_cause: threads wait on one mutex lock held while working, lock contention', 'fix: hold the lock for less time or shard the lock', ''].join('\n'),
  );

  await writeFile(join(batch, 'broken.tar.gz'), gzipSync(Buffer.from('this is not a tar archive at all\n'.repeat(40))));
  const whole = await readFile((await signed('gil', '2026-11-25T09:43:00Z')).file);
  await rm(join(batch, (await readdir(batch)).find((f) => f.startsWith('submission-gil-'))!));
  await writeFile(join(batch, 'truncated.tar.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
  await writeFile(join(batch, 'notes.txt'), 'grading notes\n');

  const roster = join(root, 'roster.csv');
  await writeFile(roster, ROSTER_CSV);
  return { root, batch, roster, cleanup: () => rm(root, { recursive: true, force: true }) };
}
