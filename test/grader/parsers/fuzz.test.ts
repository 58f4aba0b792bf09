import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createParser, parseCaptureText, ParseError, TOOL_NAMES } from '../../../grader/parsers/index.ts';
import { readFixture } from './helpers.ts';

const SOURCES = [
  'captures/execsnoop-libbpf-t-curlloop.txt',
  'captures/execsnoop-bpftrace-curlloop.txt',
  'captures/offcputime-libbpf-mutex.txt',
  'captures/runqlat-libbpf-interval-mutex.txt',
  'captures/biolatency-libbpf-D-dsync.txt',
  'captures/syscount-libbpf-L-fsyncapp.txt',
  'captures/syscount-bpftrace-fsyncapp.txt',
  'captures/syncsnoop-bpftrace-fsyncapp.txt',
  'captures/bpftrace-hist-bpftrace-fsynclat.txt',
  'corpus/bcc/ext4slower_example.txt',
  'corpus/bcc/tcpretrans_example.txt',
  'corpus/bcc/cachestat_example.txt',
  'corpus/bcc/tcpconnect_example.txt',
  'corpus/bcc/profile_example.txt',
  'corpus/bpftrace/xfsdist_example.txt',
].map((f) => readFixture(f).split('\n'));

const NOISE = ['^C', 'Attaching 3 probes...', 'WARNING: 3 stack traces lost', '# ./tool -x', '[...]', 'Lost 12 events on CPU #1!', '', '@x[1]: 5', '    -                a (1)', '        7'];

type Mutation =
  | { kind: 'drop'; at: number }
  | { kind: 'truncate'; at: number; len: number }
  | { kind: 'flip'; at: number; pos: number; char: string }
  | { kind: 'dup'; at: number }
  | { kind: 'noise'; at: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), len: fc.nat(80) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), pos: fc.nat(120), char: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('noise' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...NOISE), fc.string({ maxLength: 60 })) }),
);

function mutate(lines: string[], muts: Mutation[]): string[] {
  const out = [...lines];
  for (const m of muts) {
    if (out.length === 0) break;
    const i = m.at % out.length;
    if (m.kind === 'drop') out.splice(i, 1);
    else if (m.kind === 'truncate') out[i] = out[i].slice(0, m.len);
    else if (m.kind === 'flip') out[i] = out[i].slice(0, m.pos) + m.char + out[i].slice(m.pos + 1);
    else if (m.kind === 'dup') out.splice(i, 0, out[i]);
    else out.splice(i, 0, m.text);
  }
  return out;
}

const capture = fc.record({ src: fc.nat(SOURCES.length - 1), muts: fc.array(mutation, { maxLength: 25 }) });

describe('fuzz: mutated real captures never crash a parser', () => {
  it('parseCaptureText throws nothing but ParseError (binary), and always yields a valid tool', () => {
    fc.assert(
      fc.property(capture, ({ src, muts }) => {
        const text = mutate(SOURCES[src], muts).join('\n');
        try {
          const c = parseCaptureText(text, 'fuzz.txt');
          expect(TOOL_NAMES).toContain(c.tool);
          for (const w of c.warnings) expect(w.line).toBeGreaterThanOrEqual(1);
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
          expect(text.slice(0, 1024)).toMatch(/[\u0000\uFFFD]/);
        }
      }),
      { numRuns: 2500 },
    );
  });

  it('every line parser accepts any mutated capture', () => {
    const tools = TOOL_NAMES.filter((t) => t !== 'unknown');
    fc.assert(
      fc.property(capture, fc.constantFrom(...tools), ({ src, muts }, tool) => {
        const p = createParser(tool);
        mutate(SOURCES[src], muts).forEach((l, i) => p.push(l, i + 1));
        const s = p.finish();
        expect(s).toBeTypeOf('object');
        expect(p.warnings.length).toBeLessThanOrEqual(101);
      }),
      { numRuns: 2500 },
    );
  });
});
