import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../grader/report/markdown.ts';
import { hostileReport, passedReport, sampleReport, ungradableReport } from './sample-reports.ts';

describe('renderMarkdown', () => {
  it('renders the whole job summary', () => {
    expect(renderMarkdown(sampleReport())).toBe(`## ❌ ghost-load: 6.5/10 (not passed)

**Learner:** alice

**Why it did not pass:**

- score 6.5/10 is below the pass mark of 70% (7 points)

| Status | Points | Check | Message |
| :---: | ---: | --- | --- |
| ✅ pass | 3/3 | execsnoop-captured (evidence) | execsnoop shows curl 42 times |
| 🟡 partial | 1.5/2 | rate-measured (evidence) | the capture covers only 2s |
| ❌ fail | 0/3 | answer-parent (answer) | you answered "bash"; your capture shows PPID 4170 = monitor.sh |
| ✅ pass | 2/2 | answer-culprit (answer) | curl |

<details><summary>Hints (2)</summary>

- **rate-measured**: trace for at least 10 seconds
- **answer-parent**: look at the PPID column

</details>

### Captures

| File | Tool | Flavor |
| --- | --- | --- |
| execsnoop.txt | execsnoop | bcc |
| notes/scratch.log | unknown | unknown |

### Notes

- graded against the default variant (no lab-manifest.json)
`);
  });

  it('badges passed and ungradable reports', () => {
    expect(renderMarkdown(passedReport()).split('\n')[0]).toBe('## ✅ fsync-latency: 4/4 (passed)');
    const ungradable = renderMarkdown(ungradableReport());
    expect(ungradable.split('\n')[0]).toBe('## ⚠️ offcpu-lock: 0/10 (ungradable)');
    expect(ungradable).toContain('_No checks were run._');
    expect(ungradable).toContain('- answers.yaml:3:1: Map keys must be unique\n');
  });

  it('escapes pipes, newlines and HTML so learner text cannot break the table', () => {
    const md = renderMarkdown(hostileReport());
    const row = md.split('\n').find((l) => l.startsWith('| ❌'))!;
    expect(row).toBe(
      "| ❌ fail | 0/1 | id\\|&lt;&amp;&gt;\"' (answer) | a&lt;b &amp; c&gt;d \"q\" 'a' \\| pipe<br>line2\\\\x07bell\\\\x1b\\[31mred\\\\x00nul |",
    );
    // every table row still has exactly 5 unescaped pipes (4 columns)
    expect(row.replace(/\\\|/g, '').match(/\|/g)).toHaveLength(5);
    expect(md).toContain('| weird\\|name&lt;&gt;.txt | unknown | unknown |');
    expect(md).toContain('**Learner:** eve &lt;script&gt;&amp;"\'');
    expect(md).not.toContain('<script>');
    // eslint-disable-next-line no-control-regex
    expect(md).not.toMatch(/[\u0000\u0007\u001b]/);
  });
});
