import { readFile, stat } from 'node:fs/promises';
import type { SizedSource } from './answers-file.ts';
import { findJsonSyntaxError } from './json-position.ts';
import type { ManifestFile, SubmissionProblem } from './types.ts';

/** A manifest is a few hundred bytes of facts. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** What {@link parseManifestText} found. */
export interface ManifestParseResult {
  manifest: ManifestFile | null;
  problems: SubmissionProblem[];
}

const HINT = 'Use the lab-manifest.json written by `labctl lab inject` unchanged, or leave it out.';

/**
 * Parses `lab-manifest.json` text as raw JSON (its fields are validated later by `grader/manifest.ts`).
 * A syntax error becomes a problem naming the file, line and column.
 */
export function parseManifestText(text: string, path: string): ManifestParseResult {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return { manifest: { path, data: JSON.parse(body) as unknown }, problems: [] };
  } catch (err) {
    let where: ReturnType<typeof findJsonSyntaxError> = null;
    try {
      where = findJsonSyntaxError(body);
    } catch {
      // absurdly deep nesting overflows the locator's recursion: report without a position
    }
    const detail = where ? `expected ${where.expected}, found ${where.found}` : (err as Error).message;
    return {
      manifest: null,
      problems: [
        {
          code: 'manifest-syntax',
          file: path,
          line: where?.line,
          column: where?.column,
          message: `invalid JSON: ${detail}`,
          hint: HINT,
        },
      ],
    };
  }
}

/** Reads and parses a manifest file (`rel` names it in problems). Oversized files are refused unread. */
export async function readManifestFile(abs: string, rel: string): Promise<ManifestParseResult> {
  const { size } = await stat(abs);
  return readManifest({ size, read: () => readFile(abs) }, rel);
}

/** {@link readManifestFile} for any {@link SizedSource}. */
export async function readManifest(src: SizedSource, rel: string): Promise<ManifestParseResult> {
  const size = src.size;
  if (size > MAX_MANIFEST_BYTES) {
    return {
      manifest: null,
      problems: [
        {
          code: 'manifest-too-large',
          file: rel,
          message: `is ${size} bytes; a lab manifest is at most ${MAX_MANIFEST_BYTES} bytes`,
          hint: HINT,
        },
      ],
    };
  }
  return parseManifestText(Buffer.from(await src.read()).toString('utf8'), rel);
}
