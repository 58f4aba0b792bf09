import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission, MAX_CAPTURES_READ } from '../../../grader/grade.ts';
import { MEMORY_ENTRY_MAX } from '../../../grader/submission/archive-tree.ts';
import { loadSubmission } from '../../../grader/submission/load.ts';
import type { Submission } from '../../../grader/submission/types.ts';
import { rawTarGz } from './tarballs.ts';

/**
 * Issue 9: a bundle of 10,000 small files took 18 s because every entry was written to a temp folder and
 * read back (creating a file costs ~1 ms here). Archives are now read into memory and one spool file.
 * These tests pin that the result is the same as extracting with GNU tar and grading the folder, and
 * that the caps and refusals still hold; the time is measured in `npm run bench -- hostile`.
 */

const EXAMPLE = new URL('../../../scenarios/ghost-load/examples/correct/', import.meta.url).pathname;
const FSYNC = new URL('../../../scenarios/fsync-latency/examples/correct/', import.meta.url).pathname;
let box: string;

beforeAll(() => {
  box = mkdtempSync(join(tmpdir(), 'labctl-archive-tree-test-'));
});
afterAll(() => {
  rmSync(box, { recursive: true, force: true });
});

/** tar czf of `src`, and the same archive extracted by GNU tar into a folder. */
function packAndExtract(name: string, src: string): { tgz: string; folder: string } {
  const tgz = join(box, `${name}.tgz`);
  execFileSync('tar', ['czf', tgz, '-C', src, '.']);
  const folder = join(box, `${name}-extracted`);
  mkdirSync(folder);
  execFileSync('tar', ['xzf', tgz, '-C', folder]);
  return { tgz, folder };
}

/** What the grader sees of a loaded submission, without where it lives. */
function seen(s: Submission) {
  return {
    captures: s.captureFiles.map((f) => ({ rel: f.rel, size: f.size })),
    skipped: s.skipped,
    problems: s.problems,
    answers: s.answers?.data,
    manifest: s.manifest?.data,
    notes: s.notes,
  };
}

describe('archives read without extracting', () => {
  it('a 10,000-file bundle grades exactly as the same files extracted by tar, writing no file per entry', async () => {
    const src = join(box, 'many');
    mkdirSync(join(src, 'captures', '.git'), { recursive: true });
    mkdirSync(join(src, '__MACOSX'));
    cpSync(EXAMPLE, src, { recursive: true });
    cpSync(join(FSYNC, 'opensnoop.txt'), join(src, 'captures', 'opensnoop.txt'));
    writeFileSync(join(src, 'captures', '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(src, '__MACOSX', '._execsnoop.txt'), Buffer.from([0, 5, 22, 7, 0, 2]));
    writeFileSync(join(src, 'README.md'), '# my notes\n');
    writeFileSync(join(src, 'screenshot.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
    const notes = join(src, 'notes');
    mkdirSync(notes);
    // the entry cap counts every entry tar stores, folders and the top `./` included: fill up to exactly 10,000
    const stored = Number(execFileSync('sh', ['-c', 'find . | wc -l'], { cwd: src, encoding: 'utf8' }).trim()) + 1;
    const fill = 10_000 - stored;
    for (let i = 0; i < fill; i++) writeFileSync(join(notes, `n${i}.txt`), `note ${i}: nothing to see\n`);
    const { tgz, folder } = packAndExtract('many', src);

    const tmpRoot = join(box, 'tmp-many');
    mkdirSync(tmpRoot);
    const streamed = await loadSubmission(tgz, { tmpRoot });
    try {
      // small entries are all held in memory: not one file is written for them
      const [temp] = readdirSync(tmpRoot);
      expect(readdirSync(join(tmpRoot, temp))).toEqual([]);
      const fromFolder = await loadSubmission(folder);
      expect(seen(streamed)).toEqual(seen(fromFolder));
      expect(streamed.captureFiles).toHaveLength(fill + 2);
      expect(streamed.skipped.map((s) => `${s.rel}: ${s.reason}`)).toEqual([
        'README.md: readme',
        '__MACOSX: macOS archive metadata',
        'answers.yaml: answers file',
        'captures/.git: hidden folder',
        'screenshot.png: not a text file',
      ]);
    } finally {
      await streamed.cleanup();
    }
    expect(readdirSync(tmpRoot)).toEqual([]);

    const [fromTgz, fromDir] = await Promise.all([gradeSubmission(tgz), gradeSubmission(folder)]);
    expect(fromTgz).toEqual(fromDir);
    expect(fromTgz.gradable).toBe(true);
    expect(fromTgz.captures.filter((c) => c.tool !== 'unknown')).toEqual([
      { file: 'captures/opensnoop.txt', tool: 'opensnoop', flavor: expect.any(String) },
      { file: 'execsnoop.txt', tool: 'execsnoop', flavor: expect.any(String) },
    ]);
    expect(fromTgz.score).toBeGreaterThan(0);
    // thousands of files are listed, not all read: the rest are named in one note
    expect(fromTgz.captures).toHaveLength(MAX_CAPTURES_READ);
    expect(fromTgz.notes).toContain(
      `${fill + 2 - MAX_CAPTURES_READ} more file(s) not read, from ${streamed.captureFiles[MAX_CAPTURES_READ].rel} on: a submission is graded on its first ${MAX_CAPTURES_READ} capture files (by name); leave out everything but the captures the brief asks for`,
    );
  }, 180_000);

  it('entries too big to hold go to one spool file and grade the same; the spool goes at cleanup', async () => {
    const src = join(box, 'big');
    mkdirSync(src);
    cpSync(join(EXAMPLE, 'answers.yaml'), join(src, 'answers.yaml'));
    // an execsnoop capture over the per-entry limit, then more 200 KiB files than the memory budget holds
    const exec = readFileSync(join(EXAMPLE, 'execsnoop.txt'), 'utf8');
    const [header, ...rows] = exec.split('\n');
    const body = rows.filter(Boolean).join('\n') + '\n';
    writeFileSync(join(src, 'execsnoop.txt'), header + '\n' + body.repeat(Math.ceil((2 * MEMORY_ENTRY_MAX) / body.length)));
    const filler = 'filler line that is no tool output\n'.repeat(Math.floor(200_000 / 35));
    for (let i = 0; i < 8; i++) writeFileSync(join(src, `filler-${String(i).padStart(3, '0')}.txt`), filler);
    const { tgz, folder } = packAndExtract('big', src);

    const tmpRoot = join(box, 'tmp-big');
    mkdirSync(tmpRoot);
    const streamed = await loadSubmission(tgz, { tmpRoot, memoryBudget: 1024 * 1024 });
    try {
      const [temp] = readdirSync(tmpRoot);
      expect(readdirSync(join(tmpRoot, temp))).toEqual(['entries.spool']);
      expect(streamed.captureFiles.find((f) => f.rel === 'execsnoop.txt')?.spool).toBeDefined();
      expect(streamed.captureFiles.filter((f) => f.spool)).toHaveLength(4);
      expect(streamed.captureFiles.filter((f) => f.bytes)).toHaveLength(5);
      expect(seen(streamed)).toEqual(seen(await loadSubmission(folder)));
    } finally {
      await streamed.cleanup();
    }
    expect(readdirSync(tmpRoot)).toEqual([]);
    expect(await gradeSubmission(tgz)).toEqual(await gradeSubmission(folder));
  }, 180_000);

  it('the entry cap stops reading with the clear message, naming the entry', async () => {
    const file = join(box, 'cap.tgz');
    writeFileSync(file, rawTarGz(Array.from({ length: 6 }, (_, i) => ({ path: `f${i}.txt`, body: `${i}\n` }))));
    const s = await loadSubmission(file, { limits: { maxEntries: 5, maxTotalBytes: 1 << 20 } });
    expect(s.problems).toEqual([
      expect.objectContaining({ code: 'archive-rejected', field: 'f5.txt', message: 'unsafe entry, the whole archive was refused: is one entry too many: an archive may hold at most 5 entries' }),
    ]);
    expect(s.captureFiles).toEqual([]);
  });

  it('a later entry with the same path replaces the earlier one, as tar extraction does', async () => {
    const file = join(box, 'dup.tgz');
    writeFileSync(file, rawTarGz([
      { path: 'answers.yaml', body: 'scenario: ghost-load\nculprit_command: date\n' },
      { path: './answers.yaml', body: 'scenario: ghost-load\nculprit_command: curl\n' },
    ]));
    const s = await loadSubmission(file);
    expect(s.answers?.data.culprit_command).toBe('curl');
    await s.cleanup();
  });

  it('refuses a file whose path is also a folder, naming the entry', async () => {
    const file = join(box, 'clash.tgz');
    writeFileSync(file, rawTarGz([
      { path: 'a', body: 'x\n' },
      { path: 'a/b.txt', body: 'y\n' },
    ]));
    const s = await loadSubmission(file);
    expect(s.problems).toEqual([expect.objectContaining({ code: 'archive-rejected', field: 'a/b.txt', message: 'unsafe entry, the whole archive was refused: is inside "a", which is a file' })]);
    writeFileSync(file, rawTarGz([
      { path: 'a', body: 'x\n' },
      { path: 'a/', type: 'Directory' },
    ]));
    const t = await loadSubmission(file);
    expect(t.problems).toEqual([expect.objectContaining({ code: 'archive-rejected', field: 'a/', message: 'unsafe entry, the whole archive was refused: is a folder with the same path as a file' })]);
  });
});
