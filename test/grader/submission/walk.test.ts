import { describe, expect, it } from 'vitest';
import { looksLikeText, nonCaptureReason } from '../../../grader/submission/walk.ts';

describe('looksLikeText', () => {
  it('accepts tool output, including colour escapes, tabs and CRLF', () => {
    expect(looksLikeText(Buffer.from('PCOMM  PID\r\ncurl\t4182\n\x1b[31mred\x1b[0m\n'))).toBe(true);
    expect(looksLikeText(Buffer.from('     usecs               : count     distribution\n'))).toBe(true);
    expect(looksLikeText(Buffer.from('Ünïcödé comm names ✓\n'))).toBe(true);
    expect(looksLikeText(Buffer.alloc(0))).toBe(true);
  });

  it('refuses NUL bytes (images, executables, UTF-16) and mostly-control data', () => {
    expect(looksLikeText(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]))).toBe(false);
    expect(looksLikeText(Buffer.from('h\0e\0l\0l\0o\0'))).toBe(false);
    expect(looksLikeText(Buffer.from('\x01\x02\x03\x04abc'))).toBe(false);
  });
});

describe('nonCaptureReason', () => {
  it('excludes the answers, the manifest and readmes; everything else may be a capture', () => {
    expect(nonCaptureReason('answers.yaml')).toBe('answers file');
    expect(nonCaptureReason('answers.yml')).toBe('answers file');
    expect(nonCaptureReason('lab-manifest.json')).toBe('lab manifest');
    expect(nonCaptureReason('sub/answers.yaml')).toMatch(/outside the submission root/);
    expect(nonCaptureReason('README')).toBe('readme');
    expect(nonCaptureReason('notes/readme.txt')).toBe('readme');
    expect(nonCaptureReason('execsnoop.txt')).toBeNull();
    expect(nonCaptureReason('runs/offcpu')).toBeNull();
    expect(nonCaptureReason('answers.yaml.txt')).toBeNull();
  });
});
