import { describe, expect, it } from 'vitest';
import {
  isReportFormat,
  renderGradescope,
  renderJson,
  renderJunit,
  renderMarkdown,
  renderReport,
  renderText,
  REPORT_FORMATS,
  UnknownReportFormatError,
  type ReportFormat,
} from '../../../grader/report/index.ts';
import { sampleReport } from './sample-reports.ts';

describe('renderReport', () => {
  it('dispatches each DESIGN format to its renderer', () => {
    const r = sampleReport();
    expect(REPORT_FORMATS).toEqual(['text', 'json', 'junit', 'gradescope', 'markdown']);
    expect(renderReport(r, 'json')).toBe(renderJson(r));
    expect(renderReport(r, 'junit')).toBe(renderJunit(r));
    expect(renderReport(r, 'gradescope')).toBe(renderGradescope(r));
    expect(renderReport(r, 'markdown')).toBe(renderMarkdown(r));
    expect(renderReport(r, 'text')).toBe(renderText(r, { color: false }));
    expect(renderReport(r, 'text', { color: true })).toBe(renderText(r, { color: true }));
  });

  it('refuses an unknown format with a hint listing the valid ones', () => {
    expect(isReportFormat('junit')).toBe(true);
    expect(isReportFormat('xml')).toBe(false);
    const err = (() => {
      try {
        renderReport(sampleReport(), 'xml' as ReportFormat);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownReportFormatError);
    expect(err).toMatchObject({ message: 'unknown report format "xml"', hint: 'use one of: text, json, junit, gradescope, markdown', exitCode: 2 });
  });
});
