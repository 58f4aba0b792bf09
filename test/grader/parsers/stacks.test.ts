import { describe, expect, it } from 'vitest';
import { createOffcputimeParser, createProfileParser } from '../../../grader/parsers/stacks.ts';
import { parseFoldedLine } from '../../../grader/parsers/stack-blocks.ts';
import { feed, readFixture } from './helpers.ts';

describe('stack parsers', () => {
  it('libbpf offcputime capture of the mutex program: futex time of ledgerd (sums checked by script)', () => {
    const s = feed(createOffcputimeParser(), readFixture('captures/offcputime-libbpf-mutex.txt'));
    expect(s.totalUs).toBe(14324818);
    expect(s.byComm.ledgerd).toBe(8332107);
    expect(s.futexUs).toBe(8324215);
    expect(s.futexByComm).toEqual({ ledgerd: 8324215 });
    expect(s.stacks).toHaveLength(10);
    expect(s.stacks[0].us).toBeGreaterThanOrEqual(s.stacks[1].us);
    const hot = s.stacks.find((x) => x.comm === 'ledgerd' && x.frames.includes('futex_wait'));
    // glibc's lock-wait frame has no frame pointer, so the unwinder skips update_ledger: worker is next
    expect(hot?.frames.slice(-4)).toEqual(['entry_SYSCALL_64_after_hwframe', '__lll_lock_wait_private', 'worker', 'pthread_condattr_setpshared']);
    expect(hot?.pid).toBeTypeOf('number');
    expect(s.folded).toBe(false);
  });

  it('bcc offcputime example: old "    comm" lines and the folded section', () => {
    const p = createOffcputimeParser();
    const s = feed(p, readFixture('corpus/bcc/offcputime_example.txt'));
    expect(s.byComm.chmod).toBe(13);
    expect(s.stacks[0].us).toBeGreaterThan(40_000_000); // supervise;...;schedule 40835611 (folded)
    expect(p.flavorHint?.()).toBe('bcc');
  });

  it('profile example: "-  comm (pid)" blocks, -d delimiters dropped, folded -a lines', () => {
    const s = feed(createProfileParser(), readFixture('corpus/bcc/profile_example.txt'));
    expect(s.stacks.every((x) => !x.frames.includes('--') && !x.frames.includes('-'))).toBe(true);
    expect(s.stacks[0]).toMatchObject({ comm: 'swapper/1', pid: 0, samples: 75 });
    expect(s.byComm.func_ab).toBe(440); // awk: value lines after '- func_ab (' plus folded func_ab lines
  });

  it('folded lines split on the LAST space and drop the "-" delimiter', () => {
    expect(parseFoldedLine('app;main;std::vector<int> push_back;-;sys_write 12')).toEqual({
      comm: 'app',
      pid: null,
      value: 12,
      frames: ['sys_write', 'std::vector<int> push_back', 'main'],
    });
    expect(parseFoldedLine('no value here;x')).toBeNull();
  });

  it('warns when a block loses its value line', () => {
    const p = createOffcputimeParser();
    feed(p, '    schedule\n    -                app (12)\n\n');
    expect(p.warnings).toEqual([{ line: 3, message: expect.stringContaining('without its value') }]);
  });
});
