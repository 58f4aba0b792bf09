import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCaptureFile } from '../../../grader/parsers/index.ts';
import type { ToolName } from '../../../grader/parsers/types.ts';
import { fixturePath } from './helpers.ts';

/** Corpus example file (relative to test/fixtures/corpus) -> the tool it must be detected as. */
const EXPECTED: Record<string, ToolName> = {
  'bcc/execsnoop_example.txt': 'execsnoop',
  'bcc/opensnoop_example.txt': 'opensnoop',
  'bcc/biolatency_example.txt': 'biolatency',
  'bcc/runqlat_example.txt': 'runqlat',
  'bcc/offcputime_example.txt': 'offcputime',
  'bcc/profile_example.txt': 'profile',
  'bcc/ext4slower_example.txt': 'fsslower',
  'bcc/xfsslower_example.txt': 'fsslower',
  'bcc/btrfsslower_example.txt': 'fsslower',
  'bcc/fileslower_example.txt': 'fsslower',
  'bcc/tcpconnect_example.txt': 'tcpconnect',
  'bcc/tcpretrans_example.txt': 'tcpretrans',
  'bcc/cachestat_example.txt': 'cachestat',
  'bcc/syscount_example.txt': 'syscount',
  // tools outside ToolName must not pass for a supported one
  'bcc/biotop_example.txt': 'unknown',
  'bcc/bitesize_example.txt': 'unknown',
  'bcc/cpudist_example.txt': 'unknown',
  'bcc/filetop_example.txt': 'unknown',
  'bcc/funccount_example.txt': 'unknown',
  'bcc/memleak_example.txt': 'unknown',
  'bcc/oomkill_example.txt': 'unknown',
  'bcc/tcpaccept_example.txt': 'unknown',
  'bcc/tcplife_example.txt': 'unknown',
  'bcc/wakeuptime_example.txt': 'unknown',
};
for (const dir of ['bpftrace', 'bpftrace/pre-v0.24']) {
  Object.assign(EXPECTED, {
    [`${dir}/biolatency_example.txt`]: 'biolatency',
    [`${dir}/bitesize_example.txt`]: 'bpftrace-hist',
    [`${dir}/execsnoop_example.txt`]: 'execsnoop',
    [`${dir}/opensnoop_example.txt`]: 'opensnoop',
    [`${dir}/runqlat_example.txt`]: 'runqlat',
    [`${dir}/syncsnoop_example.txt`]: 'fsslower',
    [`${dir}/syscount_example.txt`]: 'syscount',
    [`${dir}/tcpconnect_example.txt`]: 'tcpconnect',
    [`${dir}/tcpretrans_example.txt`]: 'tcpretrans',
    [`${dir}/vfsstat_example.txt`]: 'bpftrace-hist',
    [`${dir}/xfsdist_example.txt`]: 'bpftrace-hist',
  });
}

function listTxt(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listTxt(p) : n.endsWith('.txt') ? [p] : [];
  });
}

describe('corpus: every example file is recognised', () => {
  const root = fixturePath('corpus');
  const files = listTxt(root).map((p) => relative(root, p)).sort();

  it('the expectation table covers every corpus file', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s', async (rel) => {
    const c = await parseCaptureFile(join(root, rel));
    expect(c.tool).toBe(EXPECTED[rel]);
    if (rel.startsWith('bpftrace') && c.tool !== 'unknown') expect(c.flavor).toBe('bpftrace');
    if (c.tool === 'unknown') expect(c.summary.reason.length).toBeGreaterThan(0);
    expect(c.warnings.length).toBeLessThan(5);
  });
});
