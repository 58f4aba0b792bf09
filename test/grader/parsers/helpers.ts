import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { LineParser } from '../../../grader/parsers/line-parser.ts';

/** Absolute path of a file under test/fixtures. */
export function fixturePath(rel: string): string {
  return join(fileURLToPath(new URL('../../fixtures/', import.meta.url)), rel);
}

export function readFixture(rel: string): string {
  return readFileSync(fixturePath(rel), 'utf8');
}

/** Feeds `text` to a line parser the way the capture builder does (1-based line numbers). */
export function feed<S>(parser: LineParser<S>, text: string): S {
  text.split('\n').forEach((line, i) => parser.push(line, i + 1));
  return parser.finish();
}
