import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCaptureBytes, parseCaptureFile } from '../parsers/index.ts';
import type { Capture } from '../parsers/types.ts';
import type { HeldFiles } from '../submission/types.ts';
import { sha256Hex } from './key.ts';

/** A bundle's files wherever they are: a folder on disk, or an archive the loader read into memory. */
export interface BundleFiles {
  /** the files `labctl submit` hashes (see {@link listBundleFiles}) */
  list(): Promise<string[]>;
  /** a file's bytes, or null when there is no such file */
  read(rel: string): Promise<Buffer | null>;
  /** a file parsed as a capture */
  capture(rel: string): Promise<Capture>;
}

/** The bundle in the folder `root`. */
export function bundleOnDisk(root: string): BundleFiles {
  return {
    list: () => listBundleFiles(root),
    read: (rel) =>
      readFile(join(root, rel)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      }),
    capture: (rel) => parseCaptureFile(join(root, rel)),
  };
}

/** The bundle in an archive read into memory, with the same files as {@link listBundleFiles} would find extracted. */
export function bundleHeld(held: HeldFiles): BundleFiles {
  const files = held.list().filter((rel) => rel.split('/').every((seg) => !seg.startsWith('.') && seg !== '__MACOSX'));
  const all = new Set(held.list());
  return {
    list: async () => files,
    read: async (rel) => (all.has(rel) ? held.read(rel) : null),
    capture: async (rel) => parseCaptureBytes(await held.read(rel), rel),
  };
}

/**
 * The regular, non-hidden files under a bundle root, `/`-separated and sorted: exactly the set
 * `labctl submit` hashes. Hidden entries (the provenance record itself, editor droppings) and macOS
 * `__MACOSX` folders are ignored the same way the submission loader ignores them; links are not
 * followed (the loader refuses them anyway).
 */
export async function listBundleFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (abs: string, rel: string): Promise<void> => {
    const entries = await readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === '__MACOSX') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(join(abs, e.name), r);
      else if (e.isFile()) out.push(r);
    }
  };
  await visit(root, '');
  return out.sort();
}

export async function hashFile(abs: string): Promise<string> {
  return sha256Hex(await readFile(abs));
}

/** A path from a provenance record that stays inside the bundle (no absolute paths, no `..`). */
export function isSafeRelPath(rel: string): boolean {
  if (!rel || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return false;
  return rel.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
