import { describe, expect, it } from 'vitest';
import { readNames, readNumber } from '../../../grader/language/index.ts';

const known = (w: string) => ['curl', 'date', 'sh', 'sleep', 'health-check.sh'].includes(w);

describe('readNames: one name, decorated as learners write it', () => {
  it('strips paths, name[pid], (pid N), quotes, markdown and "it is"', () => {
    for (const t of ['curl', 'it is curl', '/usr/bin/curl -s http://127.0.0.1:8089/healthz', 'curl[4123]', 'curl (pid 4123)', "'curl'", '**curl**', '`curl`']) {
      expect(readNames(t, known).candidates, t).toEqual(['curl']);
    }
  });
  it('keeps context out: "X, started by Y", "sh running Y", parenthesised asides', () => {
    expect(readNames('curl, started by health-check.sh', known).candidates).toEqual(['curl']);
    expect(readNames('sh running health-check.sh', known).candidates).toEqual(['health-check.sh']);
    expect(readNames('/bin/sh ./bin/health-check.sh', known).candidates).toEqual(['health-check.sh']);
    expect(readNames('health-check.sh (PPID 21262, `ps -o comm,args -p 21262`)', known).candidates).toEqual(['health-check.sh']);
  });
  it('sees several candidates in a list', () => {
    expect(readNames('curl, date, sh', known).candidates).toEqual(['curl', 'date', 'sh']);
    expect(readNames('curl or wget', known).candidates).toEqual(['curl', 'wget']);
    expect(readNames(['curl', 'date'], known).candidates).toEqual(['curl', 'date']);
  });
  it('sets denied names aside', () => {
    expect(readNames('not date, it is curl', known)).toMatchObject({ candidates: ['curl'], denied: ['date'] });
  });
});

describe('readNumber: one number; ranges and lists are hedges', () => {
  it('reads a rate written many ways', () => {
    expect(readNumber('about 8/s')).toEqual({ kind: 'value', value: 8 });
    expect(readNumber('~8.5 per second')).toEqual({ kind: 'value', value: 8.5 });
    expect(readNumber('8,5')).toEqual({ kind: 'value', value: 8.5 });
    expect(readNumber('about eight per second')).toEqual({ kind: 'value', value: 8 });
    expect(readNumber('66/7.7 = 8.6')).toEqual({ kind: 'value', value: 8.6 });
    expect(readNumber('480 per minute')).toMatchObject({ kind: 'value', value: 8 });
    expect(readNumber('66 in 7.7 s')).toMatchObject({ kind: 'value', fromCount: { count: 66, seconds: 7.7 } });
    expect(readNumber('8.53/s (66 curls in 7.7 s)')).toEqual({ kind: 'value', value: 8.53 });
  });
  it('reads ranges and lists as such', () => {
    expect(readNumber('5-100')).toEqual({ kind: 'range', low: 5, high: 100 });
    expect(readNumber('between 5 and 10')).toEqual({ kind: 'range', low: 5, high: 10 });
    expect(readNumber('8 or 9')).toEqual({ kind: 'range', low: 8, high: 9 });
    expect(readNumber('8, 10, 20')).toEqual({ kind: 'list', values: [8, 10, 20] });
    expect(readNumber(['8', '20'])).toEqual({ kind: 'list', values: [8, 20] });
    expect(readNumber('lots')).toEqual({ kind: 'none' });
  });
});
