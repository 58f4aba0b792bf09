import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTarGz, isGzipFile, scanTarGz, unsafeEntryReason } from '../../../grader/submission/archive.ts';
import { ArchiveError } from '../../../grader/submission/errors.ts';
import { paxRecord, rawTar, rawTarGz, type RawEntry } from './tarballs.ts';

/** Every path under `dir`, recursively, sorted: what "nothing else appeared" is checked against. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

let box: string;
let dest: string;
beforeEach(() => {
  // box/ holds the archive; box/out/x/ is the extraction folder. An entry escaping by one or two
  // levels would land in box/out/ or box/, which the tests inspect.
  box = mkdtempSync(join(tmpdir(), 'labctl-archive-test-'));
  mkdirSync(join(box, 'out'));
  dest = join(box, 'out', 'x');
  mkdirSync(dest);
});
afterEach(() => rmSync(box, { recursive: true, force: true }));

function archive(entries: RawEntry[], name = 'sub.tgz'): string {
  const file = join(box, name);
  writeFileSync(file, rawTarGz(entries));
  return file;
}

async function rejection(file: string): Promise<ArchiveError> {
  const err = await extractTarGz(file, dest).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArchiveError);
  return err as ArchiveError;
}

describe('unsafeEntryReason', () => {
  it('accepts plain relative files and folders, including ./ prefixes', () => {
    expect(unsafeEntryReason({ path: 'a/b.txt', type: 'File', size: 10 })).toBeNull();
    expect(unsafeEntryReason({ path: './answers.yaml', type: 'File', size: 3 })).toBeNull();
    expect(unsafeEntryReason({ path: 'logs/', type: 'Directory', size: 0 })).toBeNull();
    expect(unsafeEntryReason({ path: 'a..b/c..', type: 'OldFile', size: 0 })).toBeNull();
  });

  it('names each kind of unsafe entry', () => {
    expect(unsafeEntryReason({ path: '/etc/cron.d/x', type: 'File', size: 1 })).toBe('has an absolute path');
    expect(unsafeEntryReason({ path: 'C:/x', type: 'File', size: 1 })).toBe('has an absolute path');
    expect(unsafeEntryReason({ path: 'a/../../x', type: 'File', size: 1 })).toMatch(/"\.\." path segment/);
    expect(unsafeEntryReason({ path: 'a\\..\\x', type: 'File', size: 1 })).toMatch(/"\.\." path segment/);
    expect(unsafeEntryReason({ path: 'l', type: 'SymbolicLink', size: 0, linkpath: '/etc/shadow' })).toBe(
      'is a symbolic link (to "/etc/shadow"); links are not allowed in submissions',
    );
    expect(unsafeEntryReason({ path: 'h', type: 'Link', size: 0, linkpath: 'a' })).toMatch(/^is a hard link/);
    expect(unsafeEntryReason({ path: 'd', type: 'BlockDevice', size: 0 })).toMatch(/^is a device file/);
    expect(unsafeEntryReason({ path: 'd', type: 'CharacterDevice', size: 0 })).toMatch(/^is a device file/);
    expect(unsafeEntryReason({ path: 'p', type: 'FIFO', size: 0 })).toMatch(/^is a FIFO/);
    expect(unsafeEntryReason({ path: 's', type: 'SparseFile', size: 0 })).toMatch(/unsupported entry type \(SparseFile\)/);
    expect(unsafeEntryReason({ path: '', type: 'File', size: 0 })).toBe('has an empty path');
  });
});

describe('extractTarGz', () => {
  it('extracts a normal archive with nested folders', async () => {
    const file = archive([
      { path: 'answers.yaml', body: 'process: app\n' },
      { path: 'logs/', type: 'Directory' },
      { path: 'logs/deep/offcpu.txt', body: 'x'.repeat(1000) },
    ]);
    const totals = await extractTarGz(file, dest);
    expect(totals).toEqual({ entries: 3, bytes: 13 + 1000 });
    expect(tree(dest)).toEqual(['answers.yaml', 'logs', 'logs/deep', 'logs/deep/offcpu.txt']);
  });

  const malicious: [string, RawEntry[], string, string][] = [
    ['a ../ entry', [{ path: 'ok.txt', body: 'ok' }, { path: '../../escaped.txt', body: 'pwned' }], '../../escaped.txt', '".." path segment'],
    ['an absolute entry', [{ path: '/ABS/escaped.txt', body: 'pwned' }], '/ABS/escaped.txt', 'absolute path'],
    ['a symlink entry', [{ path: 'link', type: 'SymbolicLink', linkpath: '..' }, { path: 'link/escaped.txt', body: 'pwned' }], 'link', 'symbolic link'],
    ['a hardlink entry', [{ path: 'ok.txt', body: 'ok' }, { path: 'hard', type: 'Link', linkpath: '/etc/passwd' }], 'hard', 'hard link'],
    ['a FIFO entry', [{ path: 'pipe', type: 'FIFO' }], 'pipe', 'FIFO'],
    ['a device entry', [{ path: 'null', type: 'CharacterDevice' }], 'null', 'device file'],
    // the pax header renames the harmless-looking entry that follows it
    [
      'a pax path override',
      [
        { path: 'PaxHeader/x', type: 'ExtendedHeader', body: paxRecord('path', '../../escaped.txt') },
        { path: 'harmless.txt', body: 'pwned' },
      ],
      '../../escaped.txt',
      '".." path segment',
    ],
    [
      'a GNU long-name override',
      [
        { path: '././@LongLink', type: 'NextFileHasLongPath', body: '../../escaped.txt\0' },
        { path: 'harmless.txt', body: 'pwned' },
      ],
      '../../escaped.txt',
      '".." path segment',
    ],
  ];

  for (const [what, entries, entry, reason] of malicious) {
    it(`refuses the whole archive for ${what}, writing nothing anywhere`, async () => {
      const abs = entries.map((e) => ({ ...e, path: e.path.replace('/ABS', box) }));
      const file = archive(abs);
      const before = tree(box);
      const err = await rejection(file);
      expect(err.entry).toBe(entry.replace('/ABS', box));
      expect(err.message).toContain(`entry "${entry.replace('/ABS', box)}"`);
      expect(err.message).toContain(reason);
      expect(err.hint).toMatch(/tar czf/);
      // the first pass refuses before anything is written: not even the harmless entries
      expect(tree(box)).toEqual(before);
      expect(tree(dest)).toEqual([]);
    });
  }

  it('refuses a huge declared size from the header alone (the data is not even there)', async () => {
    const file = archive([{ path: 'big.log', size: 600 * 1024 * 1024 }]);
    const err = await rejection(file);
    expect(err.entry).toBe('big.log');
    expect(err.message).toBe(
      'archive rejected: entry "big.log" declares 629145600 bytes, which takes the archive over the 536870912-byte limit for a whole submission',
    );
    expect(tree(dest)).toEqual([]);
  });

  it('caps the total size across entries and the number of entries', async () => {
    const limits = { maxTotalBytes: 100, maxEntries: 3 };
    const sized = archive([{ path: 'a', body: 'x'.repeat(60) }, { path: 'b', body: 'y'.repeat(60) }], 'sized.tgz');
    await expect(extractTarGz(sized, dest, limits)).rejects.toMatchObject({ entry: 'b', message: expect.stringContaining('100-byte limit') });
    const many = archive(['1', '2', '3', '4'].map((n) => ({ path: n, body: n })), 'many.tgz');
    await expect(extractTarGz(many, dest, limits)).rejects.toMatchObject({
      entry: '4',
      message: 'archive rejected: entry "4" is one entry too many: an archive may hold at most 3 entries',
    });
    expect(tree(dest)).toEqual([]);
  });

  it('stops at the end-of-archive marker: a long tail of zeros after it costs nothing', async () => {
    // node-tar alone re-buffers everything after the marker, quadratically: 20 MB took minutes.
    const file = join(box, 'tail.tgz');
    writeFileSync(file, gzipSync(Buffer.concat([rawTar([{ path: 'a.txt', body: 'hello' }]), Buffer.alloc(32 * 1024 * 1024)])));
    expect(await extractTarGz(file, dest)).toEqual({ entries: 1, bytes: 5 });
    expect(tree(dest)).toEqual(['a.txt']);
  });

  it('refuses an archive that decompresses far beyond its entries (pax metadata padding)', async () => {
    const junk = paxRecord('comment', 'x'.repeat(900 * 1024));
    const entries: RawEntry[] = [];
    for (let i = 0; i < 8; i++) entries.push({ path: `PaxHeader/${i}`, type: 'ExtendedHeader', body: junk });
    entries.push({ path: 'a.txt', body: 'a' });
    const file = archive(entries);
    const limits = { maxTotalBytes: 1000, maxEntries: 5 };
    await expect(extractTarGz(file, dest, limits)).rejects.toMatchObject({
      name: 'ArchiveError',
      kind: 'rejected',
      entry: undefined,
      message: expect.stringMatching(/decompresses to more than 4205544 bytes$/),
    });
    expect(tree(dest)).toEqual([]);
  });

  it('reports gzip data that is not a tar archive, and a truncated archive, as unreadable', async () => {
    const text = join(box, 'text.tgz');
    writeFileSync(text, gzipSync('just some text\n'));
    await expect(scanTarGz(text)).rejects.toMatchObject({
      name: 'ArchiveError',
      kind: 'unreadable',
      entry: undefined,
      message: `cannot read archive ${text}: it is empty or not a tar archive`,
    });
    const truncated = join(box, 'trunc.tgz');
    writeFileSync(truncated, rawTarGz([{ path: 'a.txt', body: 'x'.repeat(5000) }]).subarray(0, 30));
    await expect(scanTarGz(truncated)).rejects.toMatchObject({ message: expect.stringMatching(/^cannot read archive .*trunc\.tgz: /) });
  });

  it('normalises modes: no setuid bits or unreadable files survive extraction', async () => {
    const file = join(box, 'modes.tgz');
    const tar = rawTar([{ path: 'x.txt', body: 'x' }]);
    // set mode 04000 (setuid) directly in the header's mode field, then fix the checksum
    tar.write('0004000\0', 100, 'latin1');
    tar.fill(' ', 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[i];
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    writeFileSync(file, gzipSync(tar));
    await extractTarGz(file, dest);
    const { statSync } = await import('node:fs');
    expect(statSync(join(dest, 'x.txt')).mode & 0o7777).toBe(0o644);
  });
});

describe('isGzipFile', () => {
  it('looks at the magic bytes, not the name', async () => {
    const fake = join(box, 'fake.tgz');
    writeFileSync(fake, 'not gzip');
    const real = join(box, 'real.bin');
    writeFileSync(real, gzipSync('x'));
    expect(await isGzipFile(fake)).toBe(false);
    expect(await isGzipFile(real)).toBe(true);
  });
});
