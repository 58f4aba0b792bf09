import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../labs/duration.ts';

describe('parseDuration', () => {
  it('reads seconds, minutes, hours, days and combinations', () => {
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('15m')).toBe(900);
    expect(parseDuration('2h')).toBe(7200);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1d')).toBe(86400);
    expect(parseDuration('45')).toBe(45);
    expect(parseDuration(' 3S ')).toBe(3);
  });

  it('rejects bad, zero and too long durations, naming the flag', () => {
    expect(() => parseDuration('abc')).toThrow(/bad --ttl "abc": expected a duration like 90s/);
    expect(() => parseDuration('10x')).toThrow(/bad --ttl/);
    expect(() => parseDuration('-5m')).toThrow(/bad --ttl/);
    expect(() => parseDuration('1.5h')).toThrow(/bad --ttl/);
    expect(() => parseDuration('0s')).toThrow(/longer than 0/);
    expect(() => parseDuration('8d')).toThrow(/longer than 7 days/);
    expect(() => parseDuration('x', '--duration')).toThrow(/bad --duration/);
  });

  it('formats back', () => {
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(3601)).toBe('1h1s');
  });
});
