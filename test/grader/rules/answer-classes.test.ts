import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { observe, type Observations } from '../../../grader/facts/observe.ts';
import { gradeSubmission } from '../../../grader/grade.ts';
import { parseCaptureFile } from '../../../grader/parsers/index.ts';
import type { Capture } from '../../../grader/parsers/types.ts';
import { runRule } from '../../../grader/rules/registry.ts';
import type { RuleOutcome } from '../../../grader/rules/types.ts';
import { loadScenario, SCENARIOS_DIR } from '../../../scenarios/load.ts';
import { defaultFacts } from '../../../scenarios/variants.ts';

/**
 * Each class of failure of issue 8 on real learner answers (from test/fixtures/answers/, main set), graded by
 * the scenario's own check with the real captures of scenarios/<id>/examples/correct.
 */
const obs: Record<string, Observations> = {};

beforeAll(async () => {
  for (const id of ['ghost-load', 'offcpu-lock', 'fsync-latency']) {
    const dir = join(SCENARIOS_DIR, id, 'examples', 'correct');
    const captures: Capture[] = [];
    for (const f of readdirSync(dir).filter((f) => f !== 'answers.yaml')) {
      const c = await parseCaptureFile(join(dir, f));
      if (c.tool !== 'unknown') captures.push(c);
    }
    obs[id] = observe(captures);
  }
});

function grade(scenario: string, key: string, text: unknown): RuleOutcome {
  const check = loadScenario(scenario).checks.find((c) => c.kind === 'answer' && c.with.key === key);
  if (!check) throw new Error(`no check for ${key}`);
  return runRule(check, { obs: obs[scenario], facts: defaultFacts(scenario), answers: { [key]: text } });
}

describe('negation', () => {
  it('a denied right idea earns nothing; "X, not Y" asserts X', () => {
    expect(grade('ghost-load', 'root_cause', 'It is not caused by short-lived processes; a kernel thread is spinning.').status).toBe('fail');
    expect(grade('fsync-latency', 'operation', 'write, not fsync').status).toBe('fail');
    expect(grade('fsync-latency', 'operation', 'fsync, not write').status).toBe('pass');
    expect(grade('fsync-latency', 'slow_layer', 'filesystem (ext4), not the block layer').status).toBe('pass');
    expect(grade('fsync-latency', 'slow_layer', 'block device, not the file system').status).toBe('fail');
    expect(grade('offcpu-lock', 'cpu_saturated', 'No, runqlat p99 is low').status).toBe('pass');
    expect(grade('offcpu-lock', 'cpu_saturated', 'nope').status).toBe('pass');
  });
});

describe('misconceptions', () => {
  it('cost the key whatever else the answer says, with their feedback', () => {
    const out = grade('ghost-load', 'fix', 'kill -9 the curl process');
    expect(out.status).toBe('fail');
    expect(out.reading?.misconception?.id).toBe('kill-curl');
    expect(out.message).toContain('the loop starts a new one');
    expect(grade('offcpu-lock', 'root_cause', 'CPU saturation and lock contention').status).toBe('fail');
    expect(grade('offcpu-lock', 'root_cause', 'The CPU is saturated, threads wait in the run queue').status).toBe('fail');
    expect(grade('fsync-latency', 'root_cause', 'fsync and slow disk').status).toBe('fail');
    expect(grade('offcpu-lock', 'fix', 'add more CPUs').status).toBe('fail');
  });
  it('do not fire when the learner rejects them', () => {
    expect(grade('ghost-load', 'fix', 'Do not kill curl; stop the script that launches it, or add a real sleep.').status).toBe('pass');
    expect(grade('offcpu-lock', 'fix', 'Do not add CPUs; fix the locking: narrower critical section or per-SKU locks.').status).toBe('pass');
  });
  it('right answers phrased as teachers would not expect still pass', () => {
    expect(grade('ghost-load', 'fix', 'check once a minute instead of in a tight loop').status).toBe('pass');
    expect(grade('offcpu-lock', 'fix', 'hold the mutex for less time').status).toBe('pass');
    expect(grade('offcpu-lock', 'fix', 'split the lock: one lock per item').status).toBe('pass');
    expect(grade('fsync-latency', 'fix', 'group commit: many writes, one fsync').status).toBe('pass');
    expect(grade('fsync-latency', 'slow_layer', 'fs').status).toBe('pass');
  });
});

describe('keyword stuffing and lists', () => {
  it('a bare keyword list is not an explanation', () => {
    expect(grade('ghost-load', 'root_cause', 'short lived process + loop + fork + exec + sampling + load avg + cpu + io').status).toBe('fail');
    expect(grade('offcpu-lock', 'root_cause', 'contention, lock, off-cpu, futex, mutex, runqueue, saturation').status).toBe('fail');
  });
  it('a name key with several candidates fails with "name the one"', () => {
    const out = grade('ghost-load', 'culprit_command', 'curl, date, sh');
    expect(out.status).toBe('fail');
    expect(out.message).toContain('name the one command');
    expect(grade('offcpu-lock', 'hot_function', 'worker or update_inventory').status).toBe('fail');
    expect(grade('fsync-latency', 'operation', 'fsync or write').status).toBe('fail');
    expect(grade('offcpu-lock', 'cpu_saturated', 'yes and no').status).toBe('fail');
  });
  it('a whole stuffed submission does not pass', async () => {
    const { mkdtempSync, cpSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'stuffed-'));
    cpSync(join(SCENARIOS_DIR, 'ghost-load', 'examples', 'correct'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'answers.yaml'),
      [
        'culprit_command: curl, wget, date, sh, sleep',
        'parent_process: health-check.sh, cron, bash, systemd',
        'rate_per_second: 5-100',
        'root_cause: short-lived processes, loop, fork, exec, sampling, top, ps, load average',
        'fix: sleep, interval, timer, cron, keep-alive, kill, reboot',
      ].join('\n'),
    );
    const report = await gradeSubmission(dir, { scenario: 'ghost-load' });
    expect(report.passed).toBe(false);
    expect(report.checks.filter((c) => c.kind === 'answer').every((c) => c.status === 'fail')).toBe(true);
  });
});

describe('numbers', () => {
  it('a range or a list is not a measurement', () => {
    const out = grade('ghost-load', 'rate_per_second', '5-100');
    expect(out.status).toBe('fail');
    expect(out.message).toContain('is a range: give the one rate you measured');
    expect(grade('ghost-load', 'rate_per_second', '8, 10, 20').message).toContain('gives 3 numbers');
  });
  it('a count from the capture given as a rate is called out', () => {
    const out = grade('ghost-load', 'rate_per_second', 66);
    expect(out.status).toBe('fail');
    expect(out.contradiction).toMatch(/^66 is how many times curl ran in your capture over 7\.7 s, about 8\.5 per second$/);
  });
  it('agrees with the rate measured from the learner\'s own capture (+-50%)', () => {
    expect(grade('ghost-load', 'rate_per_second', 'about 8.5/s').status).toBe('pass');
    expect(grade('ghost-load', 'rate_per_second', 4.3).status).toBe('fail');
    const far = grade('ghost-load', 'rate_per_second', 14);
    expect(far.status).toBe('fail');
    expect(far.contradiction).toBe('your own capture shows about 8.5 per second over 7.7 s');
  });
});

describe('names as learners write them', () => {
  it('name[pid], (pid N), paths and ./script.sh are the name', () => {
    for (const t of ['curl[4123]', 'curl (pid 4242)', '/usr/bin/curl', 'it is curl', '"curl"']) expect(grade('ghost-load', 'culprit_command', t).status, t).toBe('pass');
    for (const t of ['./health-check.sh', 'health-check.sh (PPID 21262)', '/bin/sh ./bin/health-check.sh']) expect(grade('ghost-load', 'parent_process', t).status, t).toBe('pass');
    expect(grade('offcpu-lock', 'hot_function', 'orderd`update_inventory').status).toBe('pass');
  });
});

describe('review: uncertain is not wrong', () => {
  it('a real answer that asserts nothing known goes to a person, with its claim key', () => {
    const out = grade('offcpu-lock', 'fix', 'use a read-write lock');
    expect(out.status).toBe('review');
    expect(out.fraction).toBe(0);
    expect(out.reading?.claimKey).toBe('lock read use write');
  });
  it('an instructor-accepted claim key gets full credit', () => {
    const check = loadScenario('offcpu-lock').checks.find((c) => c.id === 'fix-answer');
    if (check?.rule !== 'answer-concepts') throw new Error('scenario changed');
    const accepted = { ...check, with: { ...check.with, accepted: ['lock read use write'] } };
    const out = runRule(accepted, { obs: obs['offcpu-lock'], facts: defaultFacts('offcpu-lock'), answers: { fix: 'Use a read/write lock.' } });
    expect(out.status).toBe('pass');
  });
});

describe('choices that disagree', () => {
  it('a hedge between two choices fails; two claims that disagree go to a person', () => {
    expect(grade('offcpu-lock', 'cpu_saturated', 'yes and no').status).toBe('fail');
    expect(grade('fsync-latency', 'slow_layer', 'filesystem, block device, disk, network').status).toBe('fail');
    expect(grade('offcpu-lock', 'cpu_saturated', 'no, the CPU is saturated').status).toBe('review');
  });
});
