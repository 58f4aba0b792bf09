import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from './key.ts';

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
