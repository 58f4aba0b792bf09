import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../../grader/report/junit.ts';
import { escapeXmlAttr, escapeXmlText } from '../../../grader/report/xml.ts';
import { hasCommand } from '../../support/live.ts';
import { hostileReport, sampleReport, ungradableReport } from './sample-reports.ts';

/** Decodes the five predefined entities and numeric references, as an XML parser would. */
function unescapeXml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function attrs(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, unescapeXml(v)]));
}

/**
 * A real XML parser's verdict on each document: xmllint if installed, else Python's expat (one process
 * for all documents: interpreter start-up is the slow part).
 */
const wellFormedChecker = hasCommand('xmllint') ? 'xmllint' : hasCommand('python3') ? 'python3' : null;
if (!wellFormedChecker) console.warn('skipping the XML well-formedness check: neither xmllint nor python3 is installed');
function wellFormed(docs: string[]): boolean[] {
  if (wellFormedChecker === 'xmllint') {
    return docs.map((xml) => {
      try {
        execFileSync('xmllint', ['--noout', '-'], { input: xml, stdio: ['pipe', 'ignore', 'ignore'] });
        return true;
      } catch {
        return false;
      }
    });
  }
  const script = [
    'import sys, json, xml.dom.minidom',
    'out = []',
    'for d in json.load(sys.stdin):',
    '    try:',
    '        xml.dom.minidom.parseString(d.encode("utf-8")); out.append(True)',
    '    except Exception:',
    '        out.append(False)',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(docs) }).toString()) as boolean[];
}

describe('renderJunit', () => {
  it('writes one testcase per check with classname <scenario>.<kind>, failures for fail and partial', () => {
    const xml = renderJunit(sampleReport());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="labctl grade" tests="4" failures="2" errors="0" skipped="0">\n')).toBe(true);
    expect(xml.endsWith('</testsuites>\n')).toBe(true);
    const cases = [...xml.matchAll(/<testcase ([^>]*)>([\s\S]*?)<\/testcase>/g)].map(([, a, body]) => ({ ...attrs(a), body }) as Record<string, string>);
    expect(cases.map((c) => [c.classname, c.name])).toEqual([
      ['ghost-load.evidence', 'execsnoop-captured'],
      ['ghost-load.answer', 'answer-parent'],
      ['ghost-load.evidence', 'rate-measured'],
      ['ghost-load.answer', 'answer-culprit'],
    ]);
    expect(cases[0].body).not.toContain('<failure');
    const failure = cases[1].body.match(/<failure ([^>]*)>([\s\S]*?)<\/failure>/)!;
    expect(attrs(failure[1])).toEqual({ message: 'you answered "bash"; your capture shows PPID 4170 = monitor.sh', type: 'fail' });
    expect(unescapeXml(failure[2])).toBe('0/3 (fail)\nhint: look at the PPID column');
    expect(cases[2].body).toMatch(/<failure message="the capture covers only 2s" type="partial">1\.5\/2 \(partial\)\nhint: trace for at least 10 seconds<\/failure>/);
  });

  it('carries score and verdict as suite properties', () => {
    const props = [...renderJunit(sampleReport()).matchAll(/<property ([^>]*)\/>/g)].map(([, a]) => attrs(a));
    expect(props).toEqual([
      { name: 'score', value: '6.5' },
      { name: 'maxScore', value: '10' },
      { name: 'passed', value: 'false' },
      { name: 'gradable', value: 'true' },
      { name: 'whyNotPassed', value: 'score 6.5/10 is below the pass mark of 70% (7 points)' },
      { name: 'learner', value: 'alice' },
    ]);
  });

  it('turns an ungradable report into a single <error> testcase with the reasons', () => {
    const xml = renderJunit(ungradableReport());
    expect(xml).toContain('<testsuites name="labctl grade" tests="1" failures="0" errors="1" skipped="0">');
    expect(xml.match(/<testcase /g)).toHaveLength(1);
    expect(xml).toContain(
      '<testcase classname="offcpu-lock.grade" name="gradable">\n      <error message="the submission could not be graded" type="ungradable">answers.yaml:3:1: Map keys must be unique\nthe submission holds no capture files</error>',
    );
  });

  it('escapes <&>"\' and shows characters XML 1.0 cannot carry', () => {
    expect(escapeXmlAttr(`<&>"'\n\t`)).toBe('&lt;&amp;&gt;&quot;&apos;&#10;&#9;');
    expect(escapeXmlText(`<&>"' ]]>`)).toBe(`&lt;&amp;&gt;"' ]]&gt;`);
    expect(escapeXmlText('a\u0000b\u001bc\ud800d\uffff')).toBe('a\\x00b\\x1bc\\ud800d\\uffff');
    expect(escapeXmlText('emoji 😀 stays')).toBe('emoji 😀 stays');

    const xml = renderJunit(hostileReport());
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const tc = attrs(xml.match(/<testcase ([^>]*)>/)![1]);
    expect(tc).toEqual({ classname: 'ghost-load.answer', name: `id|<&>"'` });
    const message = attrs(xml.match(/<failure ([^>]*)>/)![1]).message;
    expect(message).toBe(`a<b & c>d "q" 'a' | pipe\nline2\\x07bell\\x1b[31mred\\x00nul`);
  });

  it.skipIf(!wellFormedChecker)('is well-formed XML for every kind of report (checked by a real parser)', () => {
    const docs = [sampleReport(), ungradableReport(), hostileReport()].map(renderJunit);
    // the last one is there to show the checker itself can fail
    expect(wellFormed([...docs, '<a><b></a>'])).toEqual([true, true, true, false]);
  });
});
