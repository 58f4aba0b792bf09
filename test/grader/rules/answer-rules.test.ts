import { describe, expect, it } from 'vitest';
import type { Observations } from '../../../grader/facts/observe.ts';
import { answerChoice, classify } from '../../../grader/rules/answer-choice.ts';
import { answerConcepts, conceptsFound } from '../../../grader/rules/answer-concepts.ts';
import { answerFact } from '../../../grader/rules/answer-fact.ts';
import { answerNumberRule } from '../../../grader/rules/answer-number.ts';
import { loadScenario } from '../../../scenarios/load.ts';

const noObs: Observations = { captures: {} };
const execObs: Observations = {
  captures: { execsnoop: 1 },
  exec: {
    events: 300,
    byComm: { curl: 200, date: 60, sh: 40 },
    parentsByComm: { curl: { '4100': 200 } },
    topArgsByComm: { curl: 'curl -s http://127.0.0.1:8089/healthz' },
    ratePerSecByComm: { curl: 20, date: 6, sh: 4 },
    timedSec: 10,
  },
};

describe('answer-fact', () => {
  const facts = { culprit_comm: 'curl', parent_comm: 'health-check.sh', file_name: 'ledger.wal' };
  const culprit = { key: 'culprit_command', fact: 'culprit_comm', match: 'comm' as const, evidence: 'exec-comm' as const };

  it('accepts the name inside a path or a command line', () => {
    for (const answer of ['curl', 'CURL', '/usr/bin/curl -s http://x', 'the curl command']) {
      expect(answerFact({ obs: noObs, facts, answers: { culprit_command: answer } }, culprit).status, answer).toBe('pass');
    }
  });

  it('rejects another name and calls out the contradiction with the learner capture', () => {
    const out = answerFact({ obs: execObs, facts, answers: { culprit_command: 'date' } }, culprit);
    expect(out.status).toBe('fail');
    expect(out.contradiction).toBe('your own capture shows "date" with only 20% of execs, less than another');
    expect(out.message).not.toContain('curl');
  });

  it('says when the answer is missing', () => {
    expect(answerFact({ obs: noObs, facts, answers: {} }, culprit).message).toBe('no answer for "culprit_command"');
  });

  it('matches script names that the kernel cut to 15 characters', () => {
    const f = { parent_comm: 'ping-backend-service.sh' };
    const p = { key: 'parent_process', fact: 'parent_comm', match: 'comm' as const };
    expect(answerFact({ obs: noObs, facts: f, answers: { parent_process: 'ping-backend-se' } }, p).status).toBe('pass');
  });

  it('flags a learner who names the short-lived command as its own parent', () => {
    const p = { key: 'parent_process', fact: 'parent_comm', match: 'comm' as const, evidence: 'exec-parent' as const };
    const out = answerFact({ obs: execObs, facts, answers: { parent_process: 'curl' } }, p);
    expect(out.status).toBe('fail');
    expect(out.contradiction).toMatch(/short-lived command in your capture/);
  });

  it('matches files by base name', () => {
    const p = { key: 'file', fact: 'file_name', match: 'file' as const };
    expect(answerFact({ obs: noObs, facts, answers: { file: '/var/lib/labctl/fsync/ledger.wal' } }, p).status).toBe('pass');
    expect(answerFact({ obs: noObs, facts, answers: { file: '/var/lib/labctl/fsync/ledger.wal.1' } }, p).status).toBe('fail');
  });
});

describe('answer-number', () => {
  const p = { key: 'rate_per_second', minFact: 'min_rate_per_sec', maxFactor: 3, comm: 'curl' };
  const facts = { min_rate_per_sec: 5 };
  it('reads one number out of text', () => {
    expect(answerNumberRule({ obs: noObs, facts, answers: { rate_per_second: 'about 12/s' } }, p).status).toBe('pass');
    expect(answerNumberRule({ obs: noObs, facts, answers: { rate_per_second: 6.5 } }, p).status).toBe('pass');
  });
  it('fails a rate below the lab minimum and cites the learner capture', () => {
    const out = answerNumberRule({ obs: execObs, facts, answers: { rate_per_second: 1 } }, p);
    expect(out.status).toBe('fail');
    expect(out.contradiction).toBe('your own capture shows about 20.0 per second over 10.0 s');
  });
  it('fails a rate far above what the lab can produce', () => {
    expect(answerNumberRule({ obs: noObs, facts, answers: { rate_per_second: 500 } }, p).status).toBe('fail');
  });
  it('needs a number', () => {
    expect(answerNumberRule({ obs: noObs, facts, answers: { rate_per_second: 'lots' } }, p).message).toBe('"rate_per_second" needs a number');
  });
});

describe('answer-concepts with the ghost-load root cause synonyms', () => {
  const check = loadScenario('ghost-load').checks.find((c) => c.id === 'root-cause-answer');
  if (check?.rule !== 'answer-concepts') throw new Error('scenario changed');
  const grade = (text: string) => answerConcepts({ obs: noObs, facts: {}, answers: { root_cause: text } }, check.with);

  it('credits different wordings of the same ideas', () => {
    expect(grade('A script spawns curl in a tight loop; each process is short-lived so top never sees it').status).toBe('pass');
    expect(grade('Transient processes started again and again by a polling script.').status).toBe('pass');
  });
  it('reads a misconception next to right words as wrong', () => {
    const out = grade('short-lived processes in a loop, and the disk is too slow');
    expect(out.status).toBe('fail');
    expect(out.reading?.misconception?.id).toBe('disk');
  });
  it('gives partial credit for one idea of two', () => {
    const out = grade('processes are short lived');
    expect(out.status).toBe('partial');
    expect(out.fraction).toBe(0.5);
  });
  it('fails text without the ideas', () => {
    expect(grade('the disk is slow').status).toBe('fail');
  });
  it('matches on word starts, not inside words', () => {
    const concepts = [{ name: 'lock', any: ['lock'] }];
    expect(conceptsFound('a mutex lock', concepts)).toHaveLength(1);
    expect(conceptsFound('locking', concepts)).toHaveLength(1);
    expect(conceptsFound('deadblock', concepts)).toHaveLength(0);
  });
});

describe('answer-choice', () => {
  const choices = { yes: ['true', 'saturated'], no: ['false', 'idle'] };
  const p = { key: 'cpu_saturated', expect: 'no', choices, observation: { signal: 'cpu_saturated' as const, choiceWhenTrue: 'yes' } };
  it('reads a denied choice as the other one', () => {
    expect(classify('not saturated', choices)).toBe('no');
    expect(classify('It is saturated', choices)).toBe('yes');
    expect(classify(String(false), choices)).toBe('no');
  });
  it('calls out an answer that contradicts the learner runqlat histogram', () => {
    const obs: Observations = { captures: { runqlat: 1 }, runqlat: { total: 1000, p50Ms: 0.004, p99Ms: 0.031 } };
    const out = answerChoice({ obs, facts: {}, answers: { cpu_saturated: 'yes' } }, p);
    expect(out.status).toBe('fail');
    expect(out.contradiction).toBe('this contradicts your own capture: runqlat p99 is 31 us');
  });
  it('does not invent a contradiction without a runqlat capture', () => {
    expect(answerChoice({ obs: noObs, facts: {}, answers: { cpu_saturated: 'yes' } }, p).contradiction).toBeUndefined();
  });
  it('names the choices when the answer fits none', () => {
    expect(answerChoice({ obs: noObs, facts: {}, answers: { cpu_saturated: 'maybe' } }, p).message).toBe('"cpu_saturated": "maybe" is not one of: yes, no');
  });
});
