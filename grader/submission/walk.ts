import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureFile, SkippedFile, SubmissionProblem } from './types.ts';

/** Accepted names of the answers file, in order of preference (only the root one is read). */
export const ANSWERS_NAMES = ['answers.yaml', 'answers.yml'] as const;
/** The lab manifest's name at the submission root (DESIGN.md). */
export const MANIFEST_NAME = 'lab-manifest.json';

/** How much of a file is sniffed to decide whether it is text. */
const SNIFF_BYTES = 8192;

/** Options of {@link listSubmissionFiles}. */
export interface WalkOptions {
  /** stop listing (with a `too-many-files` problem) after this many regular files */
  maxFiles: number;
}

/** A submission folder's files, sorted by `rel`. */
export interface WalkResult {
  captureFiles: CaptureFile[];
  skipped: SkippedFile[];
  problems: SubmissionProblem[];
}

/**
 * Whether a file's first bytes look like text a tool printed. NUL bytes mean binary (images,
 * executables, compressed data, UTF-16); so does a high share of control characters other than the
 * ones terminals and tools use (tab, newlines, form feed, backspace, escape for colour codes).
 */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return true;
  let odd = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x08 && b !== 0x1b) odd++;
  }
  return odd / head.length < 0.1;
}

/** Why a file (by its path) is not a capture, or null when it may be one. */
export function nonCaptureReason(rel: string): string | null {
  const parts = rel.split('/');
  const name = parts[parts.length - 1];
  const atRoot = parts.length === 1;
  if ((ANSWERS_NAMES as readonly string[]).includes(name)) {
    return atRoot ? 'answers file' : 'answers file outside the submission root (only the root one is read)';
  }
  if (name === MANIFEST_NAME) {
    return atRoot ? 'lab manifest' : 'lab manifest outside the submission root (only the root one is read)';
  }
  if (/^readme/i.test(name)) return 'readme';
  return null;
}

function byRel<T extends { rel: string }>(a: T, b: T): number {
  return a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0;
}

async function readHead(abs: string): Promise<Buffer> {
  const fh = await open(abs, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const exists = (abs: string) => lstat(abs).then(() => true, () => false);

/** The entry's real bytes, shown with invalid ones as `\xNN`, for a name readdir could not decode. */
async function rawName(dirAbs: string, dirRel: string, lossy: string): Promise<string> {
  const names = await readdir(dirAbs, { encoding: 'buffer' }).catch(() => [] as Buffer[]);
  const raw = names.find((n) => n.toString('utf8') === lossy);
  const shown = raw ? [...raw].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('') : lossy;
  return dirRel ? `${dirRel}/${shown}` : shown;
}

/** A folder entry as the walk sees it. */
export interface TreeEntry {
  name: string;
  kind: 'dir' | 'file' | 'symlink' | 'other';
}

/** A file the walk may hand on as a capture, and its first bytes to tell text from binary. */
export interface TreeFile {
  capture: CaptureFile;
  head: Uint8Array;
}

/** What the walk reads: a folder on disk, or an archive read into memory (see archive-tree.ts). */
export interface TreeReader {
  /** the entries of a folder ('' is the root), in any order; throws when it cannot be listed */
  list(dirRel: string): Promise<TreeEntry[]>;
  /**
   * When `name` (as listed) is not the file's real name because the real one is not UTF-8: the path to
   * show instead, with the invalid bytes as `\xNN`. Else null.
   */
  undecodable(dirRel: string, name: string): Promise<string | null>;
  /** a regular file the walk may treat as a capture; throws when it cannot be read */
  file(rel: string): Promise<TreeFile>;
}

/** The folder at `root` on disk. */
export function diskTree(root: string): TreeReader {
  return {
    async list(dirRel) {
      const entries = await readdir(join(root, dirRel), { withFileTypes: true });
      return entries.map((e) => ({
        name: e.name,
        kind: e.isSymbolicLink() ? 'symlink' : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other',
      }));
    },
    async undecodable(dirRel, name) {
      // readdir decodes a name that is not UTF-8 lossily: that name does not exist on disk
      if (!name.includes('\uFFFD') || (await exists(join(root, dirRel, name)))) return null;
      return rawName(join(root, dirRel), dirRel, name);
    },
    async file(rel) {
      const abs = join(root, rel);
      const st = await lstat(abs);
      return { capture: { rel, abs, size: st.size }, head: await readHead(abs) };
    },
  };
}

/**
 * Lists the files under `root` and sorts them into captures, skipped files and problems. Never follows
 * symlinks (they are reported, since a link can point anywhere on the grading host). Hidden entries
 * and macOS `__MACOSX` metadata are skipped without being opened.
 */
export function listSubmissionFiles(root: string, options: WalkOptions): Promise<WalkResult> {
  return listTreeFiles(diskTree(root), options);
}

/** {@link listSubmissionFiles} over any {@link TreeReader}: the same rules for folders and archives. */
export async function listTreeFiles(tree: TreeReader, options: WalkOptions): Promise<WalkResult> {
  const out: WalkResult = { captureFiles: [], skipped: [], problems: [] };
  let files = 0;
  let stopped = false;

  const visit = async (dirRel: string): Promise<void> => {
    let entries;
    try {
      entries = await tree.list(dirRel);
    } catch (err) {
      out.problems.push({
        code: 'unreadable',
        file: dirRel || '.',
        message: `cannot list the folder: ${(err as Error).message}`,
        hint: 'Check the folder permissions.',
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (stopped) return;
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.')) {
        out.skipped.push({ rel, reason: entry.kind === 'dir' ? 'hidden folder' : 'hidden file' });
        continue;
      }
      if (entry.kind === 'dir' && entry.name === '__MACOSX') {
        out.skipped.push({ rel, reason: 'macOS archive metadata' });
        continue;
      }
      if (entry.kind === 'symlink') {
        out.problems.push({
          code: 'symlink',
          file: rel,
          message: 'is a symbolic link; links are not followed',
          hint: 'Copy the file itself into the submission instead of linking to it.',
        });
        continue;
      }
      if (entry.kind === 'dir') {
        await visit(rel);
        continue;
      }
      if (entry.kind !== 'file') {
        out.problems.push({
          code: 'special-file',
          file: rel,
          message: 'is not a regular file (device, FIFO or socket)',
          hint: 'Save tool output to a regular file, e.g. `execsnoop-bpfcc > execsnoop.txt`.',
        });
        continue;
      }
      files += 1;
      if (files > options.maxFiles) {
        stopped = true;
        out.problems.push({
          code: 'too-many-files',
          file: rel,
          message: `more than ${options.maxFiles} files in the submission; stopped listing here`,
          hint: 'A submission needs only the answers file and a few captures.',
        });
        return;
      }
      const shown = await tree.undecodable(dirRel, entry.name);
      if (shown !== null) {
        out.skipped.push({ rel: shown, reason: 'file name is not UTF-8: not graded (rename it, e.g. with `convmv` or `mv`)' });
        continue;
      }
      const reason = nonCaptureReason(rel);
      if (reason) {
        out.skipped.push({ rel, reason });
        continue;
      }
      try {
        const found = await tree.file(rel);
        if (!looksLikeText(found.head)) {
          out.skipped.push({ rel, reason: 'not a text file' });
          continue;
        }
        out.captureFiles.push(found.capture);
      } catch (err) {
        out.problems.push({
          code: 'unreadable',
          file: rel,
          message: `cannot read: ${(err as Error).message}`,
          hint: 'Check the file permissions.',
        });
      }
    }
  };

  await visit('');
  out.captureFiles.sort(byRel);
  out.skipped.sort(byRel);
  return out;
}
