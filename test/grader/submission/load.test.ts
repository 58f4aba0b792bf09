import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { c as tarCreate } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSubmission } from '../../../grader/submission/load.ts';
import { SubmissionError } from '../../../grader/submission/errors.ts';
import type { Submission } from '../../../grader/submission/types.ts';
import { rawTar, rawTarGz } from './tarballs.ts';

const EXECSNOOP = `PCOMM            PID    PPID   RET ARGS
curl             4182   4170     0 /usr/bin/curl -s http://127.0.0.1:8080/health
date             4183   4170     0 /usr/bin/date +%s
`;
const ANSWERS = `scenario: ghost-load
culprit_command: curl
parent_process: monitor.sh
rate_per_second: 4
`;

let box: string;
let extractRoot: string;
const loaded: Submission[] = [];

beforeEach(() => {
  box = mkdtempSync(join(tmpdir(), 'labctl-load-test-'));
  extractRoot = join(box, 'extract');
  mkdirSync(extractRoot);
});
afterEach(async () => {
  for (const s of loaded.splice(0)) await s.cleanup();
  rmSync(box, { recursive: true, force: true });
});

/** Writes files (path -> content) under box/name and returns the folder. */
function folder(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(box, name);
  mkdirSync(dir, { recursive: true });
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  return dir;
}

async function load(path: string): Promise<Submission> {
  const s = await loadSubmission(path, { tmpRoot: extractRoot });
  loaded.push(s);
  return s;
}

const rels = (s: Submission) => s.captureFiles.map((f) => f.rel);
const codes = (s: Submission) => s.problems.map((p) => p.code);

describe('loadSubmission: folders', () => {
  it('lists captures in nested folders, parses answers and manifest, skips non-captures', async () => {
    const dir = folder('sub', {
      'answers.yaml': ANSWERS,
      'lab-manifest.json': '{"scenario": "ghost-load", "seed": "abc"}\n',
      'README.md': '# my notes\n',
      'execsnoop.txt': EXECSNOOP,
      'traces/run2/exec': EXECSNOOP,
      'traces/tcp.log': 'Tracing connect ... Hit Ctrl-C to end\n',
      '.hidden.txt': 'x',
      '.git/config': '[core]\n',
    });
    const s = await load(dir);
    expect(s.kind).toBe('folder');
    expect(s.root).toBe(dir);
    expect(s.source).toBe(dir);
    expect(rels(s)).toEqual(['execsnoop.txt', 'traces/run2/exec', 'traces/tcp.log']);
    expect(s.captureFiles[0]).toEqual({ rel: 'execsnoop.txt', abs: join(dir, 'execsnoop.txt'), size: Buffer.byteLength(EXECSNOOP) });
    expect(s.skipped).toEqual([
      { rel: '.git', reason: 'hidden folder' },
      { rel: '.hidden.txt', reason: 'hidden file' },
      { rel: 'README.md', reason: 'readme' },
      { rel: 'answers.yaml', reason: 'answers file' },
      { rel: 'lab-manifest.json', reason: 'lab manifest' },
    ]);
    expect(s.problems).toEqual([]);
    expect(s.answers?.path).toBe('answers.yaml');
    expect(s.answers?.scenario).toBe('ghost-load');
    expect(s.answers?.data.parent_process).toBe('monitor.sh');
    expect(s.answers?.lineOf('rate_per_second')).toBe(4);
    expect(s.manifest).toEqual({ path: 'lab-manifest.json', data: { scenario: 'ghost-load', seed: 'abc' } });
    await s.cleanup();
    expect(existsSync(dir)).toBe(true); // a folder submission is the learner's own: never removed
  });

  it('reports an empty folder as missing answers (no captures is for the grader to judge)', async () => {
    const s = await load(folder('empty', {}));
    expect(s.captureFiles).toEqual([]);
    expect(s.answers).toBeNull();
    expect(s.problems).toEqual([
      {
        code: 'missing-answers',
        file: 'answers.yaml',
        message: 'missing: no answers.yaml at the submission root',
        hint: expect.stringContaining('scenario README'),
      },
    ]);
  });

  it('reports a missing answers.yaml but still lists the captures (evidence-only grading)', async () => {
    const s = await load(folder('noanswers', { 'exec.txt': EXECSNOOP }));
    expect(rels(s)).toEqual(['exec.txt']);
    expect(codes(s)).toEqual(['missing-answers']);
  });

  it('reads answers.yml too, and says which one is used when both exist', async () => {
    const only = await load(folder('yml', { 'answers.yml': 'process: app\n', 'a.txt': EXECSNOOP }));
    expect(only.answers?.path).toBe('answers.yml');
    expect(only.problems).toEqual([]);
    const both = await load(folder('both', { 'answers.yaml': 'process: one\n', 'answers.yml': 'process: two\n', 'a.txt': EXECSNOOP }));
    expect(both.answers?.data).toEqual({ process: 'one' });
    expect(both.notes).toEqual(['both answers.yaml and answers.yml exist; only answers.yaml is used']);
  });

  it('turns a YAML alias bomb into a problem naming the file and line, quickly', async () => {
    const bomb = [
      'process: app',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
      'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
      '',
    ].join('\n');
    const s = await load(folder('bomb', { 'answers.yaml': bomb, 'exec.txt': EXECSNOOP }));
    expect(s.answers).toBeNull();
    expect(s.problems).toEqual([
      {
        code: 'answers-alias-limit',
        file: 'answers.yaml',
        line: 4,
        message: 'too many YAML alias expansions (limit 50); refusing to expand further',
        hint: expect.stringContaining('aliases'),
      },
    ]);
  });

  it('reports a list at the top level of answers.yaml', async () => {
    const s = await load(folder('list', { 'answers.yaml': '# answers\n- curl\n- monitor.sh\n', 'exec.txt': EXECSNOOP }));
    expect(s.answers).toBeNull();
    expect(s.problems).toEqual([
      expect.objectContaining({
        code: 'answers-not-mapping',
        line: 2,
        message: 'the top level must be a mapping of answers (`key: value` lines), found a list',
      }),
    ]);
  });

  it('skips a binary file among the captures with a note, keeping the text ones', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const s = await load(folder('bin', { 'answers.yaml': ANSWERS, 'exec.txt': EXECSNOOP, 'screenshot.png': png, 'tool.out': '' }));
    expect(rels(s)).toEqual(['exec.txt', 'tool.out']);
    expect(s.skipped).toContainEqual({ rel: 'screenshot.png', reason: 'not a text file' });
    expect(s.problems).toEqual([]);
  });

  it('does not follow symlinks in a folder, listing them as problems', async () => {
    const dir = folder('links', { 'answers.yaml': ANSWERS, 'exec.txt': EXECSNOOP });
    symlinkSync('/etc/passwd', join(dir, 'passwd.txt'));
    symlinkSync('/etc', join(dir, 'etc'));
    const s = await load(dir);
    expect(rels(s)).toEqual(['exec.txt']);
    expect(s.problems).toEqual([
      expect.objectContaining({ code: 'symlink', file: 'etc', message: 'is a symbolic link; links are not followed' }),
      expect.objectContaining({ code: 'symlink', file: 'passwd.txt' }),
    ]);
  });

  it('never reads an answers.yaml that is a symlink', async () => {
    const dir = folder('answerlink', { 'exec.txt': EXECSNOOP, 'elsewhere.yaml': ANSWERS });
    symlinkSync(join(dir, 'elsewhere.yaml'), join(dir, 'answers.yaml'));
    const s = await load(dir);
    expect(s.answers).toBeNull();
    expect(codes(s)).toEqual(['symlink']);
  });

  it('reports a manifest JSON syntax error with its line', async () => {
    const s = await load(folder('badmanifest', { 'answers.yaml': ANSWERS, 'exec.txt': EXECSNOOP, 'lab-manifest.json': '{\n  "scenario": "ghost-load",\n}\n' }));
    expect(s.manifest).toBeNull();
    expect(s.problems).toEqual([
      expect.objectContaining({ code: 'manifest-syntax', file: 'lab-manifest.json', line: 3, column: 1 }),
    ]);
  });

  it('stops listing past the file cap', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`c${i}.txt`] = EXECSNOOP;
    const s = await loadSubmission(folder('many', files), { maxFiles: 3 });
    expect(rels(s)).toEqual(['c0.txt', 'c1.txt', 'c2.txt']);
    expect(s.problems[0]).toMatchObject({ code: 'too-many-files', file: 'c3.txt' });
  });
});

describe('loadSubmission: archives', () => {
  it('extracts a tar.gz made with tar.c, and cleanup removes the extraction folder', async () => {
    const dir = folder('src', { 'answers.yaml': ANSWERS, 'execsnoop.txt': EXECSNOOP, 'more/tcp.log': 'x\n' });
    const file = join(box, 'submission.tar.gz');
    await tarCreate({ gzip: true, file, cwd: dir }, ['.']);
    const s = await load(file);
    expect(s.kind).toBe('archive');
    expect(s.source).toBe(file);
    expect(s.root.startsWith(join(extractRoot, 'labctl-submission-'))).toBe(true);
    expect(rels(s)).toEqual(['execsnoop.txt', 'more/tcp.log']);
    expect(s.answers?.data.culprit_command).toBe('curl');
    expect(s.problems).toEqual([]);
    await s.cleanup();
    expect(readdirSync(extractRoot)).toEqual([]);
    await s.cleanup(); // twice is fine
  });

  it('uses the single top-level folder of an archive made from the parent folder', async () => {
    folder('parent/alice-ghost', { 'answers.yaml': ANSWERS, 'exec.txt': EXECSNOOP });
    const file = join(box, 'alice.tgz');
    await tarCreate({ gzip: true, file, cwd: join(box, 'parent') }, ['alice-ghost']);
    const s = await load(file);
    expect(s.root.endsWith('/alice-ghost')).toBe(true);
    expect(rels(s)).toEqual(['exec.txt']);
    expect(s.answers?.scenario).toBe('ghost-load');
    expect(s.notes).toEqual(['the submission is the single top-level folder alice-ghost/']);
  });

  it('refuses an archive with a symlink made by tar.c from a real folder, as a problem, leaving nothing behind', async () => {
    const dir = folder('withlink', { 'answers.yaml': ANSWERS, 'exec.txt': EXECSNOOP });
    symlinkSync('/etc/shadow', join(dir, 'shadow.txt'));
    const file = join(box, 'withlink.tgz');
    await tarCreate({ gzip: true, file, cwd: dir }, ['.']);
    const s = await load(file);
    expect(s.problems).toEqual([
      {
        code: 'archive-rejected',
        file: 'withlink.tgz',
        field: './shadow.txt',
        message: 'unsafe entry, the whole archive was refused: is a symbolic link (to "/etc/shadow"); links are not allowed in submissions',
        hint: expect.stringContaining('tar czf'),
      },
    ]);
    expect(s.captureFiles).toEqual([]);
    expect(s.answers).toBeNull();
    expect(s.root).toBe(file);
    expect(readdirSync(extractRoot)).toEqual([]); // the temp dir is gone
  });

  const bad: [string, Parameters<typeof rawTarGz>[0], string][] = [
    ['../ entry', [{ path: 'answers.yaml', body: ANSWERS }, { path: '../../../escaped.txt', body: 'pwned' }], '../../../escaped.txt'],
    ['absolute entry', [{ path: 'BOX/escaped.txt', body: 'pwned' }], 'BOX/escaped.txt'],
    ['hardlink entry', [{ path: 'exec.txt', body: EXECSNOOP }, { path: 'h.txt', type: 'Link', linkpath: '/etc/shadow' }], 'h.txt'],
    ['huge declared size', [{ path: 'huge.log', size: 4 * 1024 * 1024 * 1024 }], 'huge.log'],
  ];
  for (const [what, entries, entry] of bad) {
    it(`turns a ${what} into an archive-rejected problem; nothing appears outside the temp dir`, async () => {
      const fix = (p: string) => p.replace('BOX', box);
      const file = join(box, 'bad.tgz');
      writeFileSync(file, rawTarGz(entries.map((e) => ({ ...e, path: fix(e.path) }))));
      const before = (readdirSync(box, { recursive: true }) as string[]).sort();
      const s = await load(file);
      expect(s.problems).toHaveLength(1);
      expect(s.problems[0]).toMatchObject({ code: 'archive-rejected', file: 'bad.tgz', field: fix(entry) });
      expect(s.problems[0].message).toMatch(/^unsafe entry, the whole archive was refused: /);
      expect((readdirSync(box, { recursive: true }) as string[]).sort()).toEqual(before);
      expect(readdirSync(extractRoot)).toEqual([]);
      expect(existsSync(join(box, 'escaped.txt'))).toBe(false);
    });
  }

  it('reports a corrupt archive as unreadable', async () => {
    const file = join(box, 'corrupt.tgz');
    writeFileSync(file, gzipSync(rawTar([{ path: 'a.txt', body: 'a' }])).subarray(0, 25));
    const s = await load(file);
    expect(codes(s)).toEqual(['archive-unreadable']);
    expect(s.problems[0].field).toBeUndefined();
    expect(readdirSync(extractRoot)).toEqual([]);
  });
});

describe('loadSubmission: not a submission at all', () => {
  it('throws with a hint and exit code 2 when the path does not exist', async () => {
    const err = await loadSubmission(join(box, 'nope')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmissionError);
    expect(err).toMatchObject({ exitCode: 2, message: `submission ${join(box, 'nope')} does not exist` });
    expect((err as SubmissionError).hint).toMatch(/folder or a gzip-compressed tar archive/);
  });

  it('throws for a plain file, with a specific hint for an uncompressed tar', async () => {
    const text = join(box, 'answers.txt');
    writeFileSync(text, 'culprit: curl\n');
    await expect(loadSubmission(text)).rejects.toMatchObject({ name: 'SubmissionError', exitCode: 2 });
    const plain = join(box, 'sub.tar');
    writeFileSync(plain, rawTar([{ path: 'a.txt', body: 'a' }]));
    await expect(loadSubmission(plain)).rejects.toMatchObject({ hint: expect.stringContaining('uncompressed tar archive') });
  });
});
