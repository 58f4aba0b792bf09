import { describe, expect, it } from 'vitest';
import type { BriefCommand } from '../../scenarios/brief-commands.ts';
import { withoutInterruptTracebacks } from '../../labs/tools.ts';
import { briefProblem } from '../support/brief-runner.ts';

// What BCC 0.26 printed on the Debian 12 VM when stopped with Ctrl-C twice while it detached its probes,
// through `| tee` (test/vm), and what a tool that really fails prints (biolatency-bpfcc on kernel 6.1).
const INTERRUPTED = `Traceback (most recent call last):
  File "/usr/sbin/execsnoop-bpfcc", line 318, in <module>
    b.perf_buffer_poll()
KeyboardInterrupt

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/bcc/__init__.py", line 1700, in cleanup
    self.detach_kprobe_event(k)
KeyboardInterrupt
Exception ignored in: <_io.TextIOWrapper name='<stdout>' mode='w' encoding='utf-8'>
BrokenPipeError: [Errno 32] Broken pipe
`;
const FAILED = `cannot attach kprobe, Invalid argument
Traceback (most recent call last):
  File "/usr/sbin/biolatency-bpfcc", line 217, in <module>
    b.attach_kprobe(event="blk_account_io_done", fn_name="trace_req_done")
Exception: Failed to attach BPF program b'trace_req_done' to kprobe b'blk_account_io_done'
`;
const cmd = (untilCtrlC: boolean): BriefCommand => ({ command: 'sudo execsnoop-bpfcc -t | tee execsnoop.txt', os: 'debian', needs: ['bcc'], untilCtrlC, line: 27 });
const run = (untilCtrlC: boolean, stderr: string) => ({
  cmd: cmd(untilCtrlC), ran: cmd(untilCtrlC).command, exitCode: untilCtrlC ? 130 : 1, stderr, files: {}, seconds: 1,
  stdout: 'TIME(s) PCOMM            PID     PPID    RET ARGS\n0.236   curl             10827   10535     0 /usr/bin/curl -s http://127.0.0.1:8725/\n',
});

describe('brief runner: what counts as a failed command', () => {
  it('the traceback Ctrl-C leaves (KeyboardInterrupt, BrokenPipeError) is dropped; a real failure is kept', () => {
    expect(withoutInterruptTracebacks(INTERRUPTED).trim()).toBe('');
    expect(withoutInterruptTracebacks(FAILED)).toBe(FAILED);
    expect(briefProblem(run(true, INTERRUPTED))).toBeNull();
    expect(briefProblem(run(true, FAILED))).toMatch(/^error: cannot attach kprobe/);
    // a command not stopped with Ctrl-C that dies of an interrupt did fail
    expect(briefProblem(run(false, INTERRUPTED))).toMatch(/^error: Traceback/);
  });
});
