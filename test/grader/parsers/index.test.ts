import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCaptureFile, parseCaptureText, ParseError } from '../../../grader/parsers/index.ts';
import { fixturePath, readFixture } from './helpers.ts';

describe('parseCaptureText / parseCaptureFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parsers-'));

  it('the streaming file parser and the text parser agree', async () => {
    for (const f of ['captures/execsnoop-libbpf-t-curlloop.txt', 'captures/offcputime-libbpf-mutex.txt', 'corpus/bcc/biolatency_example.txt']) {
      expect(await parseCaptureFile(fixturePath(f))).toEqual(parseCaptureText(readFixture(f), f));
    }
  });

  it('an empty file is unknown with reason "empty file"', async () => {
    const p = join(dir, 'empty.txt');
    writeFileSync(p, '');
    expect(await parseCaptureFile(p)).toEqual({ tool: 'unknown', flavor: 'unknown', summary: { reason: 'empty file' }, warnings: [], lines: 0 });
    expect(parseCaptureText('\n\n', 'blank')).toMatchObject({ tool: 'unknown', summary: { reason: 'empty file' } });
  });

  it('binary input throws ParseError naming the file', async () => {
    const p = join(dir, 'core.bin');
    writeFileSync(p, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
    await expect(parseCaptureFile(p)).rejects.toThrow(ParseError);
    await expect(parseCaptureFile(p)).rejects.toThrow(/core\.bin: binary content/);
    const bad = join(dir, 'latin1.txt');
    writeFileSync(bad, Buffer.from([0x68, 0xe9, 0xe9, 0x20, 0x61]));
    await expect(parseCaptureFile(bad)).rejects.toThrow(/not UTF-8/);
    expect(() => parseCaptureText('a\u0000b', 'x.txt')).toThrow(ParseError);
  });

  it('a missing file throws ParseError naming it', async () => {
    await expect(parseCaptureFile(join(dir, 'nope.txt'))).rejects.toThrow(/nope\.txt: cannot read capture: no such file/);
  });

  it('CRLF line endings and a missing final newline are fine', () => {
    const text = 'PCOMM            PID    PPID   RET ARGS\r\ncurl             1      2        0 curl a\r\ncurl             3      2        0 curl b';
    const c = parseCaptureText(text, 'crlf.txt');
    expect(c.tool === 'execsnoop' && c.summary.byComm.curl).toBe(2);
    expect(c.lines).toBe(3);
  });
});
