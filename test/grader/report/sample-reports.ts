import type { GradeReport } from '../../../grader/report/types.ts';

/** A typical not-passed report: every status, both kinds, a fractional score, captures, a note. */
export function sampleReport(): GradeReport {
  return {
    scenario: 'ghost-load',
    learner: 'alice',
    score: 6.5,
    maxScore: 10,
    passed: false,
    gradable: true,
    checks: [
      { id: 'execsnoop-captured', kind: 'evidence', points: 3, maxPoints: 3, status: 'pass', message: 'execsnoop shows curl 42 times' },
      {
        id: 'answer-parent',
        kind: 'answer',
        points: 0,
        maxPoints: 3,
        status: 'fail',
        message: 'you answered "bash"; your capture shows PPID 4170 = monitor.sh',
        hint: 'look at the PPID column',
      },
      {
        id: 'rate-measured',
        kind: 'evidence',
        points: 1.5,
        maxPoints: 2,
        status: 'partial',
        message: 'the capture covers only 2s',
        hint: 'trace for at least 10 seconds',
      },
      { id: 'answer-culprit', kind: 'answer', points: 2, maxPoints: 2, status: 'pass', message: 'curl', hint: 'never shown: passed' },
    ],
    captures: [
      { file: 'execsnoop.txt', tool: 'execsnoop', flavor: 'bcc' },
      { file: 'notes/scratch.log', tool: 'unknown', flavor: 'unknown' },
    ],
    notes: ['graded against the default variant (no lab-manifest.json)'],
  };
}

export function passedReport(): GradeReport {
  return {
    scenario: 'fsync-latency',
    score: 4,
    maxScore: 4,
    passed: true,
    gradable: true,
    checks: [{ id: 'fsslower-sync', kind: 'evidence', points: 4, maxPoints: 4, status: 'pass', message: 'ext4slower shows S events' }],
    captures: [{ file: 'ext4.txt', tool: 'fsslower', flavor: 'bcc' }],
  };
}

export function ungradableReport(): GradeReport {
  return {
    scenario: 'offcpu-lock',
    learner: 'bob',
    score: 0,
    maxScore: 10,
    passed: false,
    gradable: false,
    checks: [],
    captures: [],
    notes: ['answers.yaml:3:1: Map keys must be unique', 'the submission holds no capture files'],
  };
}

/** Learner-controlled text full of characters every format must escape. */
export const NASTY = `a<b & c>d "q" 'a' | pipe\nline2\u0007bell\u001b[31mred\u0000nul`;

export function hostileReport(): GradeReport {
  return {
    scenario: 'ghost-load',
    learner: `eve <script>&"'`,
    score: 0,
    maxScore: 1,
    passed: false,
    gradable: true,
    checks: [{ id: `id|<&>"'`, kind: 'answer', points: 0, maxPoints: 1, status: 'fail', message: NASTY, hint: NASTY }],
    captures: [{ file: 'weird|name<>.txt', tool: 'unknown', flavor: 'unknown' }],
    notes: [NASTY],
  };
}

/**
 * A report with every kind of answer structure: a check pending review, a misconception, a contradiction
 * with the capture, points a person set. 60/100 with 20 pending: review can still make it pass.
 */
export function reviewReport(): GradeReport {
  return {
    scenario: 'ghost-load',
    learner: 'carol',
    score: 60,
    maxScore: 100,
    passed: false,
    gradable: true,
    passPercent: 70,
    pendingPoints: 20,
    checks: [
      { id: 'execsnoop-captured', kind: 'evidence', points: 10, maxPoints: 10, status: 'pass', message: 'execsnoop capture included', required: true },
      { id: 'culprit-dominates', kind: 'evidence', points: 25, maxPoints: 25, status: 'pass', message: 'curl is 91% of execs', required: true },
      { id: 'culprit-answer', kind: 'answer', points: 15, maxPoints: 15, status: 'pass', message: 'curl', answer: { key: 'culprit_command', answer: 'curl', asserted: ['curl'], rejected: [], missing: [] } },
      {
        id: 'parent-answer',
        kind: 'answer',
        points: 0,
        maxPoints: 15,
        status: 'fail',
        message: 'Parent process: "bash" is not it',
        hint: 'look up the PPID',
        answer: { key: 'parent_process', answer: 'bash', asserted: ['bash'], rejected: [], missing: ['the loop script'], contradiction: 'your capture shows PPID 4170 = monitor.sh' },
      },
      { id: 'rate-answer', kind: 'answer', points: 10, maxPoints: 10, status: 'pass', message: 'Rate per second: 2 is below the lab\'s rate', override: { by: 'instructor', comment: 'measured over 9 s, fine' } },
      {
        id: 'root-cause-answer',
        kind: 'answer',
        points: 0,
        maxPoints: 20,
        status: 'review',
        message: 'Root cause: names no known cause and no known misconception',
        hint: 'how long does each process live?',
        answer: { key: 'root_cause', answer: 'the monitor pings the web service non stop', asserted: [], rejected: ['CPU saturation'], missing: ['short-lived processes', 'a loop starting them over and over'], claimKey: 'monitor ping service' },
      },
      {
        id: 'fix-answer',
        kind: 'answer',
        points: 0,
        maxPoints: 5,
        status: 'fail',
        message: 'Fix: killing the process is not a fix',
        hint: 'what would make the script start fewer processes?',
        answer: { key: 'fix', answer: 'kill -9 the curl process', asserted: [], rejected: [], missing: ['stop or slow the loop'], misconception: { id: 'kill-process', feedback: 'killing curl does not stop the loop: the next one starts at once' } },
      },
    ],
    captures: [{ file: 'execsnoop.txt', tool: 'execsnoop', flavor: 'bcc' }],
  };
}
