import { describe, expect, it } from 'vitest';
import { extractBriefCommands, fillPlaceholders, runsOn } from '../../scenarios/brief-commands.ts';
import { briefCommands } from '../support/brief-runner.ts';

const HERE = { os: 'debian', headers: false, kprobes: false } as const;
const VM = { os: 'debian', headers: true, kprobes: true } as const;

describe('learner-brief commands (labctl:cmd markers)', () => {
  it('every brief marks its commands for Debian/Ubuntu and RHEL, and each scenario has some for a kprobe-less host', () => {
    for (const id of ['ghost-load', 'offcpu-lock', 'fsync-latency']) {
      const cmds = briefCommands(id);
      expect(cmds.filter((c) => c.os === 'rhel').length, id).toBeGreaterThan(0);
      expect(cmds.filter((c) => runsOn(c, VM)).length, id).toBeGreaterThan(3);
      expect(cmds.filter((c) => runsOn(c, HERE)).length, id).toBeGreaterThan(1);
      for (const c of cmds) expect(c.command, `${id}:${c.line}`).not.toMatch(/\\\||<!--|`/);
    }
  });

  it('reads table rows (unescaping \\|), prose spans and fenced blocks with multi-line quoted commands', () => {
    const md = [
      '| host | command |',
      '|---|---|',
      '| Ubuntu | `sudo execsnoop-bpfcc -t \\| tee -i x.txt` <!-- labctl:cmd os=debian needs=bcc stop=ctrl-c --> |',
      'Optionally `sudo profile-bpfcc 10 > p.txt` <!-- labctl:cmd os=debian needs=bcc --> shows it.',
      '```bash labctl:cmd os=any',
      'uptime   # load',
      "sudo bpftrace -e 'a {",
      "  b }' > h.txt",
      'ls \\',
      '  -l',
      '```',
      '```bash',
      'not-marked',
      '```',
    ].join('\n');
    const c = extractBriefCommands(md, 'X.md');
    expect(c.map((x) => [x.line, x.command, x.os, x.needs, x.untilCtrlC])).toEqual([
      [3, 'sudo execsnoop-bpfcc -t | tee -i x.txt', 'debian', ['bcc'], true],
      [4, 'sudo profile-bpfcc 10 > p.txt', 'debian', ['bcc'], false],
      [6, 'uptime   # load', 'any', [], false],
      [7, "sudo bpftrace -e 'a {\nb }' > h.txt", 'any', [], false],
      [9, 'ls \\\n-l', 'any', [], false],
    ]);
  });

  it('names the file and line of a bad marker', () => {
    expect(() => extractBriefCommands('x\n`ls` <!-- labctl:cmd os=solaris -->', 'S.md')).toThrow(/^S\.md:2: labctl:cmd: unknown word "os=solaris"/);
    expect(() => extractBriefCommands('`ls` <!-- labctl:cmd stop=ctrl-c -->', 'S.md')).toThrow(/^S\.md:1: labctl:cmd: missing os=/);
    expect(() => extractBriefCommands('`ls` <!-- labctl:cmd os=any needs=gpu -->', 'S.md')).toThrow(/^S\.md:1: .*unknown need "gpu"/);
    expect(() => extractBriefCommands('```sh labctl:cmd os=any\nls', 'S.md')).toThrow(/^S\.md:1: labctl:cmd block is never closed/);
    expect(() => extractBriefCommands('no span <!-- labctl:cmd os=any -->', 'S.md')).toThrow(/without a `command`/);
  });

  it('fills PID and <PPID>, and refuses to run a command whose placeholder has no value', () => {
    expect(fillPlaceholders('sudo syscount -L -p PID -d 10', { pid: 42 })).toBe('sudo syscount -L -p 42 -d 10');
    expect(fillPlaceholders('ps -o pid,comm,args -p <PPID>', { ppid: 7 })).toBe('ps -o pid,comm,args -p 7');
    expect(() => fillPlaceholders('sudo opensnoop -p PID', {})).toThrow(/fault's pid/);
    expect(fillPlaceholders('uptime', {})).toBe('uptime');
  });

  it('picks commands by host: BCC needs headers and kprobes; RHEL rows never run on Debian', () => {
    const all = ['ghost-load', 'offcpu-lock', 'fsync-latency'].flatMap((id) => briefCommands(id));
    expect(all.filter((c) => runsOn(c, HERE)).some((c) => c.needs.length)).toBe(false);
    expect(all.filter((c) => runsOn(c, VM)).some((c) => c.os === 'rhel')).toBe(false);
    expect(all.filter((c) => runsOn(c, VM)).some((c) => c.command.includes('-bpfcc'))).toBe(true);
  });

  it('os=ubuntu rows run on Ubuntu only; os=debian rows on Debian and Ubuntu (biolatency-bpfcc cannot attach on Debian 12)', () => {
    const fsync = briefCommands('fsync-latency');
    const bccBio = fsync.find((c) => c.command.includes('biolatency-bpfcc'));
    expect(bccBio?.os).toBe('ubuntu');
    expect(runsOn(bccBio!, VM)).toBe(false);
    expect(runsOn(bccBio!, { ...VM, os: 'ubuntu' })).toBe(true);
    const debianRows = fsync.filter((c) => c.os === 'debian');
    expect(debianRows.length).toBeGreaterThan(0);
    expect(debianRows.every((c) => runsOn(c, { ...VM, os: 'ubuntu' }) === runsOn(c, VM))).toBe(true);
    expect(fsync.filter((c) => c.os === 'rhel').some((c) => runsOn(c, { ...VM, os: 'ubuntu' }))).toBe(false);
  });
});
