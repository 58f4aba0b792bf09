/** The HTML class report of a batch: pure functions from batch results to one self-contained HTML file. */
export { summarizeClass, normaliseAnswer, type ClassSummary, type ScenarioSummary, type CheckRate, type WrongAnswers, type TypicalCapture } from './summary.ts';
export { renderClassReport } from './html.ts';
export { capturePicture, icicle, namedBars, latencyHistogram, scoreHistogram, checkRateBars } from './svg.ts';
export { esc } from './escape.ts';
