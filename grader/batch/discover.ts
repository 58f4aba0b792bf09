import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LabctlError } from '../../core/errors.ts';

export interface Discovered {
  entries: { name: string; path: string }[];
  ignored: { file: string; reason: string }[];
}

/**
 * The submissions of a batch folder: each sub-folder and each `.tar.gz`/`.tgz` file, sorted by name.
 * Hidden entries and the output folder (when it sits inside) are skipped; anything else is listed as
 * ignored so the instructor sees it, never graded as garbage.
 */
export async function discoverSubmissions(dir: string, skip: string[] = []): Promise<Discovered> {
  const root = resolve(dir);
  let dirents;
  try {
    dirents = await readdir(root, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LabctlError(
      `cannot read the batch folder ${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (code ?? (err as Error).message)}`,
      'pass --batch with a folder holding one submission (folder or .tar.gz) per learner',
    );
  }
  const skipReal = await Promise.all(skip.map((s) => realpath(s).catch(() => resolve(s))));
  const out: Discovered = { entries: [], ignored: [] };
  for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (d.name.startsWith('.')) continue;
    const path = join(root, d.name);
    if (d.name.includes('\uFFFD') && !(await lstat(path).then(() => true, () => false))) {
      // readdir could not decode the name as UTF-8: that lossy name does not exist on disk
      out.ignored.push({ file: d.name, reason: 'the name is not UTF-8: rename it (e.g. `convmv` or `mv`) to have it graded' });
      continue;
    }
    if (d.isDirectory()) {
      if (skipReal.includes(await realpath(path).catch(() => path))) continue;
      out.entries.push({ name: d.name, path });
    } else if (d.isFile() && /\.(tar\.gz|tgz)$/i.test(d.name)) out.entries.push({ name: d.name, path });
    else if (d.isSymbolicLink()) out.ignored.push({ file: d.name, reason: 'a symbolic link: links are not followed' });
    else out.ignored.push({ file: d.name, reason: 'not a submission (expected a folder or a .tar.gz)' });
  }
  return out;
}
