import { describe, expect, it } from 'vitest';
import { claimKeyOf, isNonAnswer, polarityOf, analyse, readClaims } from '../../../grader/language/index.ts';

const shortLived = { name: 'short-lived processes', any: ['short live', 'exit quickly'] };
const loop = { name: 'a loop', any: ['loop', 'again and again'] };
const disk = { id: 'disk', phrases: ['disk ... slow', 'slow disk'], feedback: 'the disk is not involved' };

describe('negation: a denied mention is not a claim', () => {
  it('reads "not caused by X" as denying X', () => {
    const c = readClaims('It is not caused by short-lived processes; a kernel thread is spinning.', { concepts: [shortLived, loop] });
    expect(c.asserted).toEqual([]);
    expect(c.rejected).toEqual(['short-lived processes']);
  });

  it('reads "X, not Y" as asserting X and denying Y', () => {
    const a = analyse('write, not fsync');
    expect(polarityOf(a, ['write'])).toBe('asserted');
    expect(polarityOf(a, ['fsync'])).toBe('denied');
    const b = analyse('filesystem (ext4), not the block layer');
    expect(polarityOf(b, ['filesystem'])).toBe('asserted');
    expect(polarityOf(b, ['block layer'])).toBe('denied');
  });

  it('reads contractions, "rather than", "instead of", "neither...nor", "unlikely" and "is fine"', () => {
    expect(polarityOf(analyse("The CPU isn't saturated; threads wait on a lock."), ['cpu saturate'])).toBe('denied');
    expect(polarityOf(analyse('fs rather than the disk'), ['disk'])).toBe('denied');
    expect(polarityOf(analyse('use fdatasync instead of fsync'), ['fsync'])).toBe('denied');
    expect(polarityOf(analyse('neither the disk nor the network'), ['network'])).toBe('denied');
    expect(polarityOf(analyse('CPU saturation is unlikely'), ['cpu saturate'])).toBe('denied');
    expect(polarityOf(analyse('the disk is fine'), ['disk'])).toBe('denied');
    expect(polarityOf(analyse('The CPU is not the bottleneck, the lock is.'), ['lock'])).toBe('asserted');
    expect(polarityOf(analyse('The CPU is not the bottleneck, the lock is.'), ['cpu'])).toBe('denied');
  });

  it('keeps a phrase\'s own negation: "top does not show them" asserts "not show"', () => {
    expect(polarityOf(analyse('top does not show them because they exit quickly'), ['not show'])).toBe('asserted');
    expect(polarityOf(analyse('not only fsync but also the disk'), ['fsync'])).toBe('asserted');
  });

  it('matches by lemma and domain word: tenses, plurals, fs, mutex, fdatasync family', () => {
    expect(polarityOf(analyse('threads were blocked on mutexes'), ['block ... lock'])).toBe('asserted');
    expect(polarityOf(analyse('the fs layer'), ['filesystem'])).toBe('asserted');
    expect(polarityOf(analyse('fdatasync() after each record'), ['fdatasync ... each'])).toBe('asserted');
    expect(polarityOf(analyse('T=S in ext4slower'), ['fsync'])).toBe('asserted');
    expect(polarityOf(analyse('Lots of processes are forked and exec-ed continuously'), ['fork'])).toBe('asserted');
    expect(polarityOf(analyse('the filesytem'), ['filesystem'])).toBe('asserted');
    expect(polarityOf(analyse('use async writes'), ['fsync'])).toBeUndefined();
  });
});

describe('misconceptions and keyword lists', () => {
  it('finds a misconception next to right words', () => {
    const c = readClaims('short-lived processes in a loop, and the disk is too slow', { concepts: [shortLived, loop], misconceptions: [disk] });
    expect(c.asserted).toEqual(['short-lived processes', 'a loop']);
    expect(c.misconceptions.map((m) => m.id)).toEqual(['disk']);
  });

  it('does not count a denied misconception', () => {
    expect(readClaims('the disk is not slow: short-lived processes in a loop', { concepts: [shortLived, loop], misconceptions: [disk] }).misconceptions).toEqual([]);
  });

  it('counts a wrong alternative alone or listed, not as a detail', () => {
    const fsync = { name: 'fsync', any: ['fsync'] };
    const write = { id: 'other', phrases: ['write'], feedback: 'writes are fast', alternative: true };
    const read = (t: string) => readClaims(t, { concepts: [fsync], misconceptions: [write] }).misconceptions.length;
    expect(read('write')).toBe(1);
    expect(read('fsync or write')).toBe(1);
    expect(read('fsync, write, read, open')).toBe(1);
    expect(read('fsync after every write')).toBe(0);
    expect(read('fsync, not write')).toBe(0);
  });

  it('sees a bare keyword list, not a terse sentence', () => {
    expect(readClaims('short-lived processes, fork, exec, load average, CPU, disk, network, memory', { concepts: [shortLived] }).keywordList).toBe(true);
    expect(readClaims('short lived process + loop + fork + exec + sampling + load avg', { concepts: [shortLived] }).keywordList).toBe(true);
    expect(readClaims('short-lived curl processes started ~8 times a second by health-check.sh; top samples and misses them', { concepts: [shortLived] }).keywordList).toBe(false);
  });
});

describe('claim keys group identical and near-identical answers', () => {
  it('ignores case, punctuation, articles and word order', () => {
    expect(claimKeyOf('A loop spawns curl.')).toBe(claimKeyOf('the loop spawns curl'));
    expect(claimKeyOf('Curl is spawned in a loop!')).toBe(claimKeyOf('curl spawned in loop'));
  });
  it('keeps negation apart', () => {
    expect(claimKeyOf('the disk is slow')).not.toBe(claimKeyOf('the disk is not slow'));
    expect(claimKeyOf('the disk is not slow')).toContain('not:');
  });
  it('knows a non-answer', () => {
    for (const t of ['idk', "I don't know", '?', 'n/a', 'no idea']) expect(isNonAnswer(t), t).toBe(true);
    expect(isNonAnswer('no')).toBe(false);
  });
});
