import { describe, expect, it } from 'vitest';
import { renderGradescope } from '../../../grader/report/gradescope.ts';
import { passedReport, sampleReport, ungradableReport } from './sample-reports.ts';

describe('renderGradescope', () => {
  it("uses Gradescope's results.json field names, one test per check", () => {
    const out = renderGradescope(sampleReport());
    expect(out.endsWith('}\n')).toBe(true);
    const json = JSON.parse(out);
    expect(Object.keys(json)).toEqual(['score', 'max_score', 'output', 'tests']);
    expect(json.score).toBe(6.5);
    expect(json.max_score).toBe(10);
    expect(json.tests).toEqual([
      { name: 'evidence: execsnoop-captured', score: 3, max_score: 3, output: 'execsnoop shows curl 42 times', visibility: 'visible', status: 'passed' },
      {
        name: 'answer: answer-parent',
        score: 0,
        max_score: 3,
        output: 'you answered "bash"; your capture shows PPID 4170 = monitor.sh\nHint: look at the PPID column',
        visibility: 'visible',
        status: 'failed',
      },
      {
        name: 'evidence: rate-measured',
        score: 1.5,
        max_score: 2,
        output: 'the capture covers only 2s\nHint: trace for at least 10 seconds',
        visibility: 'visible',
        status: 'failed',
      },
      // a passed check's hint is not shown
      { name: 'answer: answer-culprit', score: 2, max_score: 2, output: 'curl', visibility: 'visible', status: 'passed' },
    ]);
    expect(json.output).toBe(
      'ghost-load (alice): 6.5/10 NOT PASSED\n\nWhy it did not pass:\n- score 6.5/10 is below the pass mark of 70% (7 points)\n\nCaptures:\n- execsnoop.txt: execsnoop (bcc)\n- notes/scratch.log: unknown (unknown)\n\nNotes:\n- graded against the default variant (no lab-manifest.json)',
    );
  });

  it('is deterministic', () => {
    expect(renderGradescope(sampleReport())).toBe(renderGradescope(sampleReport()));
    expect(JSON.parse(renderGradescope(passedReport())).output).toBe('fsync-latency: 4/4 PASSED\n\nCaptures:\n- ext4.txt: fsslower (bcc)');
  });

  it('explains an ungradable report instead of leaving an unexplained zero', () => {
    const json = JSON.parse(renderGradescope(ungradableReport()));
    expect(json.score).toBe(0);
    expect(json.output).toContain('offcpu-lock (bob): 0/10 UNGRADABLE\nThe submission could not be graded');
    expect(json.tests).toEqual([
      {
        name: 'submission: gradable',
        score: 0,
        max_score: 0,
        output: 'answers.yaml:3:1: Map keys must be unique\nthe submission holds no capture files',
        visibility: 'visible',
        status: 'failed',
      },
    ]);
  });
});
