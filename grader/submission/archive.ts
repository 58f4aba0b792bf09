import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Parser, Unpack, type ReadEntry } from 'tar';
import { ArchiveError } from './errors.ts';

/** Caps on what an archive may expand to: a submission is a few text files, not a disk image. */
export interface ArchiveLimits {
  /** sum of all entries' declared sizes */
  maxTotalBytes: number;
  maxEntries: number;
}

/** 512 MiB and 10,000 entries: far above any honest submission, far below a full disk. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxTotalBytes: 512 * 1024 * 1024,
  maxEntries: 10_000,
};

/** What {@link unsafeEntryReason} needs to know about an archive member. */
export interface EntryHeader {
  path: string;
  type: string;
  size: number;
  linkpath?: string;
}

/** Totals of an archive that passed every check. */
export interface ArchiveTotals {
  entries: number;
  bytes: number;
}

const REGULAR_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

export const FIX_HINT =
  'Pack only regular files and folders, from inside the submission folder: `tar czf submission.tgz -C my-submission .`';

/** True when the file starts with the gzip magic bytes (the extension is not trusted either way). */
export async function isGzipFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Why this archive member must not be extracted, or null when it is a plain file or folder with a
 * relative path that stays inside the extraction folder. Pure, so every rule is testable on its own.
 */
export function unsafeEntryReason(entry: EntryHeader): string | null {
  const path = entry.path;
  if (path.length === 0) return 'has an empty path';
  if (path.includes('\0')) return 'has a NUL byte in its path';
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) {
    return 'has an absolute path';
  }
  if (path.split(/[/\\]/).includes('..')) return 'has a ".." path segment, which would escape the submission folder';
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
    case 'Directory':
      break;
    case 'SymbolicLink':
      return `is a symbolic link (to "${entry.linkpath ?? ''}"); links are not allowed in submissions`;
    case 'Link':
      return `is a hard link (to "${entry.linkpath ?? ''}"); links are not allowed in submissions`;
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'is a device file; only regular files and folders are allowed';
    case 'FIFO':
      return 'is a FIFO (named pipe); only regular files and folders are allowed';
    default:
      return `has an unsupported entry type (${entry.type}); only regular files and folders are allowed`;
  }
  if (!Number.isSafeInteger(entry.size) || entry.size < 0) return `declares an invalid size (${entry.size})`;
  return null;
}

/** Applies the per-entry rules and the running totals; returns the error to fail with, or null. */
export function admit(entry: EntryHeader, totals: ArchiveTotals, limits: ArchiveLimits): ArchiveError | null {
  const why = unsafeEntryReason(entry);
  if (why) return rejected(entry.path, why, FIX_HINT);
  if (totals.entries + 1 > limits.maxEntries) {
    return rejected(
      entry.path,
      `is one entry too many: an archive may hold at most ${limits.maxEntries} entries`,
      'A submission needs only the answers file and a few captures; leave out everything else.',
    );
  }
  const size = REGULAR_TYPES.has(entry.type) ? entry.size : 0;
  if (totals.bytes + size > limits.maxTotalBytes) {
    return rejected(
      entry.path,
      `declares ${size} bytes, which takes the archive over the ${limits.maxTotalBytes}-byte limit for a whole submission`,
      'Captures are text; trim them (e.g. `head -n 100000`) or leave out large files.',
    );
  }
  totals.entries += 1;
  totals.bytes += size;
  return null;
}

export function rejected(entry: string, why: string, hint: string): ArchiveError {
  return new ArchiveError(`archive rejected: entry "${entry}" ${why}`, hint, `unsafe entry, the whole archive was refused: ${why}`, 'rejected', entry);
}

export function unreadable(file: string, detail: string): ArchiveError {
  // node-tar's strict-mode messages start with its internal code; say what it means instead.
  const plain = /TAR_BAD_ARCHIVE/.test(detail)
    ? 'it is empty or not a tar archive'
    : detail.replace(/^TAR_[A-Z_]+: /, '').replace(/^zlib: /, 'gzip data is corrupt: ');
  return new ArchiveError(
    `cannot read archive ${file}: ${plain}`,
    'Make sure it is a complete gzip-compressed tar archive, e.g. `tar czf submission.tgz -C my-submission .`',
    `cannot read the archive: ${plain}`,
    'unreadable',
  );
}

/**
 * The most decompressed data an archive within `limits` can need: the entries' bytes, a header and
 * padding per entry, and room for pax metadata. More than this is a decompression bomb.
 */
export function maxDecompressedBytes(limits: ArchiveLimits): number {
  return limits.maxTotalBytes + limits.maxEntries * 2048 + 4 * 1024 * 1024;
}

/**
 * Feeds the decompressed tar stream into `parser`, doing the gunzip here rather than in node-tar so
 * that (1) decompressed bytes are counted and capped, and (2) feeding stops at the tar end-of-archive
 * marker: node-tar buffers everything after it by repeated concatenation, so a few MB of zeros after
 * the end would otherwise stall the process for minutes.
 */
export function pumpTarGz(file: string, parser: Parser, limits: ArchiveLimits, fail: (err: ArchiveError) => void): void {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  const cap = maxDecompressedBytes(limits);
  let seen = 0;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    input.destroy();
    gunzip.destroy();
  };
  parser.on('eof', () => {
    if (stopped) return;
    stop();
    parser.end();
  });
  gunzip.on('data', (chunk: Buffer) => {
    if (stopped) return;
    seen += chunk.length;
    if (seen > cap) {
      stop();
      fail(
        new ArchiveError(
          `archive rejected: ${file} decompresses to more than ${cap} bytes`,
          'Captures are text; trim them or leave out large files.',
          `the whole archive was refused: it decompresses to more than ${cap} bytes`,
          'rejected',
        ),
      );
      return;
    }
    if (!parser.write(chunk)) {
      gunzip.pause();
      parser.once('drain', () => gunzip.resume());
    }
  });
  gunzip.on('end', () => {
    if (stopped) return;
    stopped = true;
    parser.end();
  });
  gunzip.on('error', (err) => {
    if (stopped) return;
    stop();
    fail(unreadable(file, `zlib: ${err.message}`));
  });
  input.on('error', (err) => {
    if (stopped) return;
    stop();
    fail(unreadable(file, err.message));
  });
  input.pipe(gunzip);
}

/**
 * First pass: reads the whole archive without writing anything and checks every entry. Fails on the
 * first bad entry, stopping decompression right there (so a huge declared size or a gzip bomb costs
 * almost nothing).
 */
export function scanTarGz(file: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<ArchiveTotals> {
  return new Promise((resolve, reject) => {
    const totals: ArchiveTotals = { entries: 0, bytes: 0 };
    const parser = new Parser({ strict: true });
    let settled = false;
    const fail = (err: ArchiveError): void => {
      if (settled) return;
      settled = true;
      parser.abort(err);
      reject(err);
    };
    // Once settled, abort() makes the parser emit 'error'; this listener keeps that from being unhandled.
    parser.on('error', (err: Error) => fail(err instanceof ArchiveError ? err : unreadable(file, err.message)));
    parser.on('entry', (entry: ReadEntry) => {
      const err = admit(entry, totals, limits);
      if (err) fail(err);
      entry.resume();
    });
    // Entry types node-tar does not know are reported here instead of 'entry': refuse them too.
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      fail(rejected(entry.path, `has an unsupported entry type (${entry.type})`, FIX_HINT));
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(totals);
    });
    pumpTarGz(file, parser, limits, fail);
  });
}

/**
 * Extracts a gzip tarball into `dest` (an existing, empty folder), refusing the whole archive when any
 * entry is unsafe: absolute path, `..` segment, symlink, hard link, device, FIFO, unknown type, or when
 * the entries exceed `limits`. Every entry is checked in a read-only first pass, before anything is
 * written; extraction then re-applies the same checks (the file could change in between) on top of
 * node-tar's own protections. Modes are normalised (no setuid, no unreadable files) and ownership is
 * not restored. Throws {@link ArchiveError}; on failure the caller removes `dest`.
 */
export async function extractTarGz(
  file: string,
  dest: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<ArchiveTotals> {
  await scanTarGz(file, limits);
  const totals: ArchiveTotals = { entries: 0, bytes: 0 };
  let refused: ArchiveError | null = null;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: ArchiveError): void => {
      if (settled) return;
      settled = true;
      unpack.abort(err);
      reject(err);
    };
    const unpack = new Unpack({
      cwd: dest,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      noMtime: true,
      filter: (_path, entry) => {
        if (refused) return false;
        const e = entry as ReadEntry;
        refused = admit(e, totals, limits);
        if (refused) return false;
        e.mode = e.type === 'Directory' ? 0o755 : 0o644;
        return true;
      },
    });
    unpack.on('error', (err: Error) => fail(err instanceof ArchiveError ? err : unreadable(file, err.message)));
    unpack.on('close', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    pumpTarGz(file, unpack, limits, fail);
  });
  if (refused) throw refused;
  return totals;
}
