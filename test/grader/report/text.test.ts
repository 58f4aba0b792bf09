import { describe, expect, it } from 'vitest';
import { renderText } from '../../../grader/report/text.ts';
import { hostileReport, passedReport, sampleReport, ungradableReport } from './sample-reports.ts';

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('renderText', () => {
  it('renders the whole report without colour', () => {
    expect(renderText(sampleReport(), { color: false })).toBe(
      [
        'Scenario: ghost-load',
        'Learner:  alice',
        'Score:    6.5/10  ✖ NOT PASSED',
        '',
        'Why it did not pass',
        '  - score 6.5/10 is below the pass mark of 70% (7 points)',
        '',
        'Evidence checks',
        '  ✔   3/3  execsnoop-captured  execsnoop shows curl 42 times',
        '  ◐ 1.5/2  rate-measured       the capture covers only 2s',
        '                               hint: trace for at least 10 seconds',
        '',
        'Answer checks',
        '  ✖   0/3  answer-parent       you answered "bash"; your capture shows PPID 4170 = monitor.sh',
        '                               hint: look at the PPID column',
        '  ✔   2/2  answer-culprit      curl',
        '',
        'Captures',
        '  execsnoop.txt      execsnoop (bcc)',
        '  notes/scratch.log  not recognised',
        '',
        'Notes',
        '  - graded against the default variant (no lab-manifest.json)',
        '',
      ].join('\n'),
    );
  });

  it('with colour, adds only ANSI codes to the same text', () => {
    const coloured = renderText(sampleReport(), { color: true });
    expect(coloured).toContain('\u001b[');
    expect(coloured).toContain('\u001b[32m✔\u001b[39m');
    expect(coloured).toContain('\u001b[2m'); // hints dimmed
    expect(stripAnsi(coloured)).toBe(renderText(sampleReport(), { color: false }));
  });

  it('says PASSED, and UNGRADABLE with the reasons', () => {
    expect(renderText(passedReport(), { color: false }).split('\n')[1]).toBe('Score:    4/4  ✔ PASSED');
    const out = renderText(ungradableReport(), { color: false });
    expect(out).toContain('Score:    0/10  ! UNGRADABLE\n\nNo checks were run.\n');
    expect(out).toContain('Captures\n  none found\n');
    expect(out).toContain('Why it could not be graded\n  - answers.yaml:3:1: Map keys must be unique\n  - the submission holds no capture files\n');
  });

  it('shows control characters from learner text instead of letting them act on the terminal', () => {
    const out = renderText(hostileReport(), { color: false });
    expect(out).not.toMatch(/[\u0000\u0007\u001b]/);
    expect(out).toContain('line2\\x07bell\\x1b[31mred\\x00nul');
    // the message's second line is indented under its first
    expect(out).toContain("  ✖ 0/1  id|<&>\"'  a<b & c>d \"q\" 'a' | pipe\n                   line2");
  });

  // issue 9: entry names and notes could carry ESC, CR, newlines and U+202E straight to the terminal
  it('shows control and bidi characters in file names, ids and notes escaped, one line each', () => {
    const report = {
      ...ungradableReport(),
      learner: 'ana\u001b[1A\u001b[2K',
      captures: [{ file: 'exec\nsnoop\u202Etxt.exe', tool: 'unknown' as const, flavor: 'unknown' as const }],
      notes: ['x.txt\r  - provenance: verified\nfake: line'],
    };
    const out = renderText(report, { color: false });
    expect(out).not.toMatch(/[\u001b\r\u202e]/);
    expect(out).toContain('Learner:  ana\\x1b[1A\\x1b[2K');
    expect(out).toContain('  exec\\nsnoop\\u202etxt.exe');
    expect(out).toContain('  - x.txt\\r  - provenance: verified\\nfake: line\n');
    expect(out.split('\n').filter((l) => l.startsWith('fake'))).toEqual([]);
  });
});
