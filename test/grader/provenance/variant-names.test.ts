import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCaptureFile, parseCaptureText } from '../../../grader/parsers/index.ts';
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

  // issue 9: an honest learner was flagged because some unrelated `*.sh` ran on the host while tracing
  const row = (t: string, comm: string, pid: number, ppid: number, args: string) => `${t.padEnd(8)} ${comm.padEnd(16)} ${String(pid).padEnd(6)} ${String(ppid).padEnd(6)} 0 ${args}`;
  const withRows = (text: string, rows: string[]) => `${text.trimEnd()}\n${rows.join('\n')}\n`;

  it('ghost-load: unrelated scripts exec\'d during the capture are not another learner\'s lab', async () => {
    const ana = manifestFor(SECRET, 'ana', 'ghost-load');
    const text = withRows(await execsnoopFor(ana), [
      row('1.001', 'backup.sh', 7001, 1, '/etc/cron.hourly/backup.sh'),
      row('1.002', 'tar', 7002, 7001, '/usr/bin/tar czf /tmp/b.tgz /etc'),
      row('1.500', 'rotate-logs.sh', 7010, 1, '/usr/local/bin/rotate-logs.sh'),
      row('2.000', 'probe-api.sh', 7020, 1, '/home/ana/probe-api.sh'),
      row('2.001', 'curl', 7021, 7020, '/usr/bin/curl -s http://127.0.0.1:9999/other'),
      // the learner's own monitoring script runs curl too: not a name any lab uses, so not evidence
      row('2.500', 'my-monitor.sh', 7030, 1, '/home/ana/my-monitor.sh'),
      row('2.501', 'curl', 7031, 7030, '/usr/bin/curl -s https://example.org/'),
    ]);
    const capture = parseCaptureText(text, 'execsnoop.txt');
    expect(capture.tool === 'execsnoop' && capture.summary.scriptPids).toEqual({ '7001': 'backup.sh', '7010': 'rotate-logs.sh', '7020': 'probe-api.sh', '7030': 'my-monitor.sh' });
    expect(checkVariantNames('ghost-load', ana.facts, [capture]).mismatches.filter((m) => m.fact === 'parent_comm')).toEqual(
      // probe-api.sh did spawn a curl: only if it is not ana's script is that evidence
      ana.facts.parent_comm === 'probe-api.sh' ? [] : [{ fact: 'parent_comm', expected: ana.facts.parent_comm, seen: 'probe-api.sh', tool: 'execsnoop' }],
    );
    const noCurlFromScripts = parseCaptureText(withRows(await execsnoopFor(ana), [row('1.001', 'backup.sh', 7001, 1, '/etc/cron.hourly/backup.sh'), row('1.5', 'cleanup.sh', 7003, 1, 'cleanup.sh')]), 'execsnoop.txt');
    expect(checkVariantNames('ghost-load', ana.facts, [noCurlFromScripts])).toEqual({ matched: ['url'], mismatches: [] });
  });

  it('ghost-load: the loop script that spawned curl is matched by PID (text and byte paths agree)', async () => {
    const ana = manifestFor(SECRET, 'ana', 'ghost-load');
    const parent = String(ana.facts.parent_comm);
    // the recorded loop's shell is PID 6242: make its exec show up under the learner's script name
    const text = withRows(row('0.001', parent, 6242, 1, `/var/lib/labctl/ghost-load/bin/${parent}`).replace(/^/, 'TIME(s)  PCOMM            PID    PPID   RET ARGS\n'), (await execsnoopFor(ana)).split('\n').slice(1));
    const capture = parseCaptureText(text, 'execsnoop.txt');
    expect(checkVariantNames('ghost-load', ana.facts, [capture])).toEqual({ matched: ['url', 'parent_comm'], mismatches: [] });
    const dir = await mkdtemp(join(tmpdir(), 'labctl-vn-'));
    try {
      await writeFile(join(dir, 'execsnoop.txt'), text);
      expect(await parseCaptureFile(join(dir, 'execsnoop.txt'))).toEqual(capture);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const other = manifestFor(SECRET, 'ben', 'ghost-load');
    const foreign = parseCaptureText(text.replaceAll(parent, String(other.facts.parent_comm)), 'execsnoop.txt');
    if (other.facts.parent_comm !== parent) {
      expect(checkVariantNames('ghost-load', ana.facts, [foreign]).mismatches).toContainEqual({ fact: 'parent_comm', expected: parent, seen: other.facts.parent_comm, tool: 'execsnoop' });
    }
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
