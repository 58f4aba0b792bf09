/**
 * `labctl inspect FILE... [--json]`: what the grader sees in each capture (tool, flavor, summary).
 * A file that cannot be read is reported and the others still are; the exit code is then 2.
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { parseCaptureFile } from '../../grader/parsers/index.ts';
import type { Capture, Counts, HistogramSummary } from '../../grader/parsers/types.ts';
import { LabctlError } from '../../core/errors.ts';

/** One entry of `labctl inspect --json` (DESIGN contract: file, tool, flavor, summary). */
export interface InspectEntry {
  file: string;
  tool: Capture['tool'];
  flavor: Capture['flavor'];
  summary: Capture['summary'];
  warnings: Capture['warnings'];
}

/** Parses every file; unreadable ones come back as `{file, error}` instead of stopping the others. */
export async function inspectFiles(files: string[]): Promise<(InspectEntry | { file: string; error: string })[]> {
  const out: (InspectEntry | { file: string; error: string })[] = [];
  for (const file of files) {
    try {
      const c = await parseCaptureFile(file);
      out.push({ file, tool: c.tool, flavor: c.flavor, summary: c.summary, warnings: c.warnings });
    } catch (err) {
      out.push({ file, error: (err as Error).message });
    }
  }
  return out;
}

function top(counts: Counts | undefined, n = 5): string {
  if (!counts) return '-';
  // integer-like keys (PIDs) come out of objects in numeric order: sort by count again
  const entries = Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

function histLine(s: HistogramSummary): string {
  const n = s.histograms.length;
  return `${s.total} events in ${n} histogram${n === 1 ? '' : 's'}, p50 <= ${s.p50} ${s.unit}, p99 <= ${s.p99} ${s.unit}`;
}

/** Human-readable lines for one capture. */
export function describeCapture(c: Pick<Capture, 'tool' | 'summary'> & Capture): string[] {
  switch (c.tool) {
    case 'execsnoop': {
      const s = c.summary;
      const rate = s.ratePerSec === undefined ? 'no timestamps (use -t or -T for a rate)' : `${s.ratePerSec}/s over ${s.durationSec} s`;
      const lines = [`${s.events} execs, ${rate}`, `top commands: ${top(s.byComm)}`];
      if (s.byParent) lines.push(`top parent PIDs: ${top(s.byParent)}`);
      return lines;
    }
    case 'opensnoop':
      return [`${c.summary.events} opens (${c.summary.errors} failed)`, `top commands: ${top(c.summary.byComm)}`, `top paths: ${top(c.summary.byPath, 3)}`];
    case 'biolatency':
    case 'runqlat':
    case 'bpftrace-hist': {
      const lines = [histLine(c.summary)];
      if (c.summary.counts) for (const [name, m] of Object.entries(c.summary.counts)) lines.push(`@${name}: ${top(m)}`);
      return lines;
    }
    case 'offcputime': {
      const s = c.summary;
      const hot = s.stacks[0];
      return [
        `${s.totalUs} us off-CPU, ${s.futexUs} us in futex/mutex waits`,
        `top commands (us): ${top(s.byComm)}`,
        ...(hot ? [`hottest stack: ${hot.comm} ${hot.us} us: ${hot.frames.slice(0, 6).join(' <- ')}`] : []),
      ];
    }
    case 'profile':
      return [`${c.summary.totalSamples} samples`, `top commands: ${top(c.summary.byComm)}`];
    case 'fsslower': {
      const s = c.summary;
      const types = Object.entries(s.byType).map(([t, n]) => `${t} ${n}`).join(', ') || '-';
      return [
        `${s.events} ${s.fs} operations (${types})${s.latencyMeasured === false ? ', no latency printed' : `, max ${s.maxLatMs} ms`}`,
        `top files: ${top(s.byFile, 3)}`,
        `top commands: ${top(s.byComm, 3)}`,
      ];
    }
    case 'tcpconnect':
      return [`${c.summary.events} connects`, `top destinations: ${top(c.summary.byDest, 3)}`, `top commands: ${top(c.summary.byComm, 3)}`];
    case 'tcpretrans':
      return [`${c.summary.events} retransmits`, `top remotes: ${top(c.summary.byRemote, 3)}`];
    case 'cachestat': {
      const s = c.summary;
      const ratio = s.hitRatio === null ? '-' : `${(s.hitRatio * 100).toFixed(2)}%`;
      return [`${s.rows} intervals (${s.header} header), ${s.hits} hits, ${s.misses} misses, hit ratio ${ratio}`];
    }
    case 'syscount': {
      const rows = c.summary.rows.slice(0, 5).map((r) => `${r.syscall} ${r.count}${r.timeUs === undefined ? '' : ` (${r.timeUs} us)`}`);
      return [`by ${c.summary.by}: ${rows.join(', ') || '-'}`];
    }
    case 'unknown':
      return [c.summary.reason];
  }
}

function printText(entries: Awaited<ReturnType<typeof inspectFiles>>): void {
  for (const e of entries) {
    if ('error' in e) {
      process.stdout.write(`${pc.bold(e.file)}: ${pc.red(`error: ${e.error}`)}\n\n`);
      continue;
    }
    const tool = e.tool === 'unknown' ? pc.yellow('unknown') : pc.green(e.tool);
    process.stdout.write(`${pc.bold(e.file)}: ${tool} ${pc.dim(`(${e.flavor})`)}\n`);
    for (const l of describeCapture(e as unknown as Capture)) process.stdout.write(`  ${l}\n`);
    if (e.warnings.length > 0) {
      const first = e.warnings[0];
      process.stdout.write(pc.yellow(`  ${e.warnings.length} warning(s), first: line ${first.line}: ${first.message}\n`));
    }
    process.stdout.write('\n');
  }
}

/** Registers `labctl inspect`. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Show what the grader reads from capture files: tool, flavor and a summary of each')
    .argument('<files...>', 'capture files (tool output saved as text)')
    .option('--json', 'print a JSON array of {file, tool, flavor, summary, warnings}')
    .addHelpText(
      'after',
      `
The tool is detected from the content (headers, banners, shapes), never from the file name.

Examples:
  $ labctl inspect execsnoop.txt
  $ labctl inspect captures/*.txt --json
  $ sudo execsnoop -t > exec.txt; labctl inspect exec.txt

Exit status: 0 when every file was read (even if unrecognised), 2 when a file could not be read.`,
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      const entries = await inspectFiles(files);
      if (opts.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else printText(entries);
      const failed = entries.filter((e) => 'error' in e);
      if (failed.length > 0) {
        throw new LabctlError(
          `could not read ${failed.length} of ${entries.length} file(s): ${failed.map((f) => f.file).join(', ')}`,
          'check the paths; captures must be text files (tool output redirected with > file 2>&1)',
        );
      }
    });
}
