import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAtomic } from '../../core/write-atomic.ts';

const dir = mkdtempSync(join(tmpdir(), 'labctl-write-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeAtomic', () => {
  it('replaces a file with the whole new text or bytes, and leaves nothing else beside it', async () => {
    const f = join(dir, 'report.json');
    writeFileSync(f, 'old');
    await writeAtomic(f, '{"new":true}\n');
    expect(readFileSync(f, 'utf8')).toBe('{"new":true}\n');
    await writeAtomic(f, Buffer.from([0x1f, 0x8b, 0, 255]));
    expect([...readFileSync(f)]).toEqual([0x1f, 0x8b, 0, 255]);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('many writers at once: the file is one of theirs, whole', async () => {
    const f = join(dir, 'gradebook.csv');
    const texts = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(50_000)}\n`);
    await Promise.all(texts.map((t) => writeAtomic(f, t)));
    expect(texts).toContain(readFileSync(f, 'utf8'));
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a write into a missing folder throws and creates nothing', async () => {
    await expect(writeAtomic(join(dir, 'missing', 'report.json'), 'x')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((n) => n.startsWith('missing'))).toEqual([]);
  });

  it('a target that is a folder: the rename fails, the temporary file is removed', async () => {
    const target = join(dir, 'a-folder');
    mkdirSync(target);
    await expect(writeAtomic(target, 'x')).rejects.toThrow(/EISDIR|EEXIST|ENOTEMPTY/);
    expect(readdirSync(dir).filter((n) => n.startsWith('a-folder.'))).toEqual([]);
  });
});
