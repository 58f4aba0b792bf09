import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../grader/provenance/canonical.ts';
import { hmacHex, learnerKey, parseLearnerKeyText, sameDigest } from '../../../grader/provenance/key.ts';

describe('learnerKey', () => {
  it('is HMAC-SHA256(secret, "ebpf-classroom/learner-key\\0" + learner) in hex (known answer from Python hmac)', () => {
    expect(learnerKey('class-secret-2026', 'ana')).toBe('221cd857428a40a66ebd0a452b1d5e6cbf617959bc8528a274b64b4172493c80');
  });

  it('differs per learner and per class secret', () => {
    const ana = learnerKey('s1', 'ana');
    expect(learnerKey('s1', 'ben')).not.toBe(ana);
    expect(learnerKey('s2', 'ana')).not.toBe(ana);
    expect(learnerKey('s1', 'ana')).toBe(ana);
  });

  it('refuses an empty secret or learner, and NUL in the learner id', () => {
    expect(() => learnerKey('', 'ana')).toThrow(/secret is empty/);
    expect(() => learnerKey('s', '')).toThrow(/learner id is empty/);
    expect(() => learnerKey('s', 'a\0b')).toThrow(/NUL/);
  });

  it('parses learner.key files: hex with optional newline, nothing else', () => {
    const k = learnerKey('s', 'ana');
    expect(parseLearnerKeyText(`${k}\n`)).toBe(k);
    expect(parseLearnerKeyText('not a key')).toBeNull();
    expect(parseLearnerKeyText(k.slice(1))).toBeNull();
  });
});

describe('canonicalJson + hmacHex', () => {
  it('sorts keys at every level and drops undefined, so field order never changes the signature', () => {
    const a = canonicalJson({ b: [2, { d: null, c: 'x' }], a: 1, z: undefined });
    const b = canonicalJson({ a: 1, b: [2, { c: 'x', d: null }] });
    expect(a).toBe('{"a":1,"b":[2,{"c":"x","d":null}]}');
    expect(b).toBe(a);
    // known answer from Python: hmac.new(key_hex.encode(), canonical, sha256)
    expect(hmacHex(learnerKey('class-secret-2026', 'ana'), a)).toBe('cdd61523ddfc4c5f20d5da55c53921aeb5ace414ede6fc8b419f9b75cce3ad80');
  });

  it('rejects values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ x: () => 1 })).toThrow(/function/);
  });

  it('sameDigest compares exactly', () => {
    expect(sameDigest('ab', 'ab')).toBe(true);
    expect(sameDigest('ab', 'ac')).toBe(false);
    expect(sameDigest('ab', 'abc')).toBe(false);
  });
});
