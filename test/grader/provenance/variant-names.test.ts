import { describe, expect, it } from 'vitest';
import { parseCaptureText } from '../../../grader/parsers/index.ts';
import { checkVariantNames } from '../../../grader/provenance/variant-names.ts';
import { execsnoopFor, manifestFor, offcputimeFor } from './learner-lab.ts';

const SECRET = 'variant-secret';

/** BCC ext4slower layout (see corpus ext4slower_example.txt) with fsyncs (T=S) of one app on one file. */
function ext4slower(comm: string, file: string): string {
  const rows = Array.from({ length: 12 }, (_, i) => `09:10:${String(10 + i).padStart(2, '0')} ${comm.padEnd(14)} 4242   ${i % 3 ? 'S' : 'W'} ${i % 3 ? '0      ' : '64     '} 0           ${(1.1 + i / 10).toFixed(2)} ${file}`);
  return ['Tracing ext4 operations slower than 1 ms', 'TIME     COMM           PID    T BYTES   OFF_KB   LAT(ms) FILENAME', ...rows, ''].join('\n');
}

describe('checkVariantNames', () => {
  it('ghost-load: matches the lab URL in curl args, and names the foreign one', () => {
    const ana = manifestFor(SECRET, 'ana', 'ghost-load');
    const ben = manifestFor(SECRET, 'ben', 'ghost-load');
    const capture = async (m: typeof ana) => parseCaptureText(await execsnoopFor(m), 'execsnoop.txt');
    return Promise.all([capture(ana), capture(ben)]).then(([a, b]) => {
      expect(checkVariantNames('ghost-load', ana.facts, [a])).toEqual({ matched: ['url'], mismatches: [] });
      const cross = checkVariantNames('ghost-load', ana.facts, [b]);
      expect(cross.mismatches).toEqual([{ fact: 'url', expected: ana.facts.url, seen: ben.facts.url, tool: 'execsnoop' }]);
    });
  });

  it('ghost-load: a capture without the curl loop is not a provenance finding', () => {
    const text = 'PCOMM            PID    PPID   RET ARGS\nls               100    99       0 /usr/bin/ls\n';
    expect(checkVariantNames('ghost-load', manifestFor(SECRET, 'ana', 'ghost-load').facts, [parseCaptureText(text, 'e.txt')])).toEqual({ matched: [], mismatches: [] });
  });

  it('offcpu-lock: the service and the hot function from the real mutex capture', async () => {
    const ana = manifestFor(SECRET, 'ana', 'offcpu-lock');
    const own = parseCaptureText(await offcputimeFor(ana), 'offcputime.txt');
    expect(checkVariantNames('offcpu-lock', ana.facts, [own])).toEqual({ matched: ['process_comm', 'hot_function'], mismatches: [] });
    // a capture of a service with another name: its futex time is one process's, not this lab's
    const other = { ...ana, facts: { ...ana.facts, process_comm: 'zz-not-ours', hot_function: 'zz_fn' } };
    const foreign = parseCaptureText(await offcputimeFor(other), 'offcputime.txt');
    expect(checkVariantNames('offcpu-lock', ana.facts, [foreign]).mismatches).toEqual([
      { fact: 'process_comm', expected: ana.facts.process_comm, seen: 'zz-not-ours', tool: 'offcputime' },
    ]);
  });

  it('offcpu-lock: same service name but another lab\'s hot function is caught at the lock caller', () => {
    const facts = { process_comm: 'orderd', hot_function: 'update_inventory', threads: 8 };
    const block = (fn: string) =>
      ['    schedule', '    futex_wait', '    do_futex', '    __x64_sys_futex', '    __lll_lock_wait', '    ___pthread_mutex_lock', '    take_lock', `    ${fn}`, '    worker', '    start_thread', '    -                orderd (700)', '        900000', ''].join('\n');
    const foreign = parseCaptureText(block('reserve_stock'), 'offcputime.txt');
    expect(checkVariantNames('offcpu-lock', facts, [foreign]).mismatches).toEqual([{ fact: 'hot_function', expected: 'update_inventory', seen: 'reserve_stock', tool: 'offcputime' }]);
    expect(checkVariantNames('offcpu-lock', facts, [parseCaptureText(block('update_inventory'), 'o.txt')]).mismatches).toEqual([]);
  });

  it('fsync-latency: process and file from ext4slower', () => {
    const ana = manifestFor(SECRET, 'ana', 'fsync-latency');
    const comm = String(ana.facts.process_comm);
    const file = String(ana.facts.file_name);
    const own = parseCaptureText(ext4slower(comm, file), 'ext4slower.txt');
    expect(own.tool).toBe('fsslower');
    expect(checkVariantNames('fsync-latency', ana.facts, [own])).toEqual({ matched: ['process_comm', 'file_name'], mismatches: [] });
    const foreign = parseCaptureText(ext4slower('someoned', 'other.wal'), 'ext4slower.txt');
    expect(checkVariantNames('fsync-latency', ana.facts, [foreign]).mismatches.map((m) => [m.fact, m.seen])).toEqual([
      ['process_comm', 'someoned'],
      ['file_name', 'other.wal'],
    ]);
  });
});
