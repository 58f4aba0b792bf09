import { describe, expect, it } from 'vitest';
import { renderJson } from '../../../grader/report/json.ts';
import type { GradeReport } from '../../../grader/report/types.ts';
import { passedReport, sampleReport } from './sample-reports.ts';

describe('renderJson', () => {
  it('renders the DESIGN shape with 2-space indent and a trailing newline', () => {
    expect(renderJson(passedReport())).toBe(`{
  "scenario": "fsync-latency",
  "score": 4,
  "maxScore": 4,
  "passed": true,
  "gradable": true,
  "checks": [
    {
      "id": "fsslower-sync",
      "kind": "evidence",
      "points": 4,
      "maxPoints": 4,
      "status": "pass",
      "message": "ext4slower shows S events"
    }
  ],
  "captures": [
    {
      "file": "ext4.txt",
      "tool": "fsslower",
      "flavor": "bcc"
    }
  ]
}
`);
  });

  it('is byte-identical however the report object was built, and drops unknown runtime fields', () => {
    const a = sampleReport();
    // same data, keys inserted in reverse order, plus stray properties
    const reversed = Object.fromEntries(Object.entries(a).reverse()) as unknown as GradeReport;
    reversed.checks = a.checks.map((c) => ({ ...Object.fromEntries(Object.entries(c).reverse()), debug: 1 }) as never);
    (reversed as unknown as Record<string, unknown>).internal = { secret: 'x' };
    const out = renderJson(a);
    expect(renderJson(reversed)).toBe(out);
    expect(renderJson(sampleReport())).toBe(out);
    expect(out).not.toContain('internal');
    expect(out).not.toContain('debug');
  });

  it('keeps the documented key order, with learner, hint and notes only when present', () => {
    const parsed = JSON.parse(renderJson(sampleReport()));
    expect(Object.keys(parsed)).toEqual(['scenario', 'learner', 'score', 'maxScore', 'passed', 'gradable', 'why', 'checks', 'captures', 'notes']);
    expect(Object.keys(parsed.checks[1])).toEqual(['id', 'kind', 'points', 'maxPoints', 'status', 'message', 'hint']);
    expect(Object.keys(parsed.checks[0])).toEqual(['id', 'kind', 'points', 'maxPoints', 'status', 'message']);
    expect(Object.keys(parsed.captures[0])).toEqual(['file', 'tool', 'flavor']);
    expect(parsed.score).toBe(6.5);
    expect(Object.keys(JSON.parse(renderJson(passedReport())))).not.toContain('learner');
  });
});
