import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from '../../../grader/grade.ts';
import { labctl } from '../../support/labctl.ts';
import { readFile } from 'node:fs/promises';

/**
 * Issue 9: without --scenario (the README's CI recipe) a duplicate key, an alias bomb, an oversized or a
 * multi-document answers.yaml all said "cannot tell which scenario to grade"; invalid UTF-8 in answers
 * was silently replaced; a capture whose name is not UTF-8 failed with ENOENT "check the file permissions".
 */

const CAPTURE = fileURLToPath(new URL('../../fixtures/captures/execsnoop-libbpf-t-curlloop.txt', import.meta.url));
let root: string;

async function submission(name: string, answers: string | Buffer): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(join(dir, 'answers.yaml'), answers);
  await writeFile(join(dir, 'execsnoop.txt'), await readFile(CAPTURE));
  return dir;
}

const gradeError = (dir: string) => gradeSubmission(dir).then(() => null, (err: Error & { hint?: string }) => err);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'labctl-messages-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('answers.yaml problems without --scenario', () => {
  it('a duplicate key is a YAML error with its line, not "cannot tell which scenario"', async () => {
    const err = await gradeError(await submission('dup', 'scenario: ghost-load\nculprit_command: curl\nculprit_command: sleep\n'));
    expect(err?.message).toMatch(/^answers\.yaml:3(:\d+)?: .*[Dd]uplicate|^answers\.yaml:3.*unique/m);
    expect(err?.message).not.toContain('cannot tell which scenario');
  });

  it('an alias bomb, a multi-document file and an oversized file name the problem', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`), 'scenario: ghost-load', ''].join('\n');
    const e1 = await gradeError(await submission('bomb', bomb));
    expect(e1?.message).toMatch(/^answers\.yaml(:\d+)?: .*alias/im);
    const e2 = await gradeError(await submission('multi', 'scenario: ghost-load\n---\nculprit_command: curl\n'));
    expect(e2?.message).toMatch(/^answers\.yaml:\d+.*(document|multiple)/im);
    const e3 = await gradeError(await submission('big', `scenario: ghost-load\nroot_cause: "${'x'.repeat(2 * 1024 * 1024)}"\n`));
    expect(e3?.message).toMatch(/^answers\.yaml: is \d+ bytes; an answers file may be at most \d+ bytes/m);
    for (const e of [e1, e2, e3]) expect(e?.message).not.toContain('cannot tell which scenario');
  });

  it('invalid UTF-8 in answers is an error naming the file and line, never replaced silently', async () => {
    const bytes = Buffer.concat([Buffer.from('scenario: ghost-load\nculprit_command: curl\nroot_cause: caf'), Buffer.from([0xe9]), Buffer.from(' loop\n')]);
    const err = await gradeError(await submission('latin1', bytes));
    expect(err?.message).toMatch(/^answers\.yaml:3: is not UTF-8 text \(invalid byte 0xe9 at offset 58\)/);
    const withScenario = await gradeSubmission(join(root, 'latin1'), { scenario: 'ghost-load' });
    expect(withScenario.gradable).toBe(false);
    expect(withScenario.notes?.join('\n')).toContain('answers.yaml:3: is not UTF-8 text');
  });
});

describe('file names that are not UTF-8', () => {
  it('a capture with a Latin-1 name is listed with its bytes, the others still graded; no ENOENT', async () => {
    const dir = await submission('latin1-name', 'scenario: ghost-load\nculprit_command: curl\n');
    const raw = Buffer.concat([Buffer.from(join(dir, 'caf')), Buffer.from([0xe9]), Buffer.from('.txt')]);
    await writeFile(raw, await readFile(CAPTURE));
    const report = await gradeSubmission(dir);
    const notes = report.notes?.join('\n') ?? '';
    expect(notes).toContain('caf\\xe9.txt: not graded: file name is not UTF-8');
    expect(notes).not.toMatch(/ENOENT|permission/);
    expect(report.captures.map((c) => c.file)).toEqual(['execsnoop.txt']);
  });

  it('labctl grade prints the YAML error and exits 2 (the CI recipe, no --scenario)', async () => {
    const dir = await submission('cli-dup', 'scenario: ghost-load\nfix: a\nfix: b\n');
    const res = await labctl(['grade', dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: answers\.yaml:3/m);
  });
});
