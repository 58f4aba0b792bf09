import type { GradeReport } from './types.ts';
import { renderJson } from './json.ts';
import { renderText } from './text.ts';
import { renderJunit } from './junit.ts';
import { renderGradescope } from './gradescope.ts';
import { renderMarkdown } from './markdown.ts';

export type { GradeReport, CheckResult, CaptureListing, CheckKind, CheckStatus } from './types.ts';
export { renderJson, toJsonShape } from './json.ts';
export { renderText, type TextOptions } from './text.ts';
export { renderJunit } from './junit.ts';
export { renderGradescope, toGradescope, type GradescopeResults, type GradescopeTest } from './gradescope.ts';
export { renderMarkdown } from './markdown.ts';

/** The `--format` values of `labctl grade` (DESIGN.md). */
export const REPORT_FORMATS = ['text', 'json', 'junit', 'gradescope', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderOptions {
  /** Only used by `text`: ANSI colours on or off. Defaults to off, so files and pipes get plain text. */
  color?: boolean;
}

/** Narrows a user-supplied string (e.g. a CLI flag) to a {@link ReportFormat}. */
export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** Thrown for a format name that is not one of {@link REPORT_FORMATS}; the CLI shows `hint` and exits 2. */
export class UnknownReportFormatError extends Error {
  override name = 'UnknownReportFormatError';
  readonly exitCode = 2;
  readonly hint = `use one of: ${REPORT_FORMATS.join(', ')}`;
  constructor(readonly format: string) {
    super(`unknown report format "${format}"`);
  }
}

/** Renders a grade report in one of the {@link REPORT_FORMATS}. Pure: same report, same string. */
export function renderReport(report: GradeReport, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(report, { color: options.color ?? false });
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'gradescope':
      return renderGradescope(report);
    case 'markdown':
      return renderMarkdown(report);
    default:
      throw new UnknownReportFormatError(String(format satisfies never));
  }
}
