import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes to a temporary name beside `file`, then renames it over `file`: a reader (the grader reading a
 * collected bundle, a gradebook open in a spreadsheet, a CI step reading a report) sees the old file or the
 * whole new one, never half. The temporary file is removed when the write fails.
 */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
