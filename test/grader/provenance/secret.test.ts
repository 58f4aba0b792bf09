import { describe, expect, it } from 'vitest';
import { assertStrongSecret, generateClassSecret, secretBits, weakSecretReason } from '../../../grader/provenance/secret.ts';
import { labctl as run } from '../../support/labctl.ts';

const labctl = (args: string[], env: Record<string, string> = {}) => run(args, { env });

describe('class secret strength', () => {
  it('refuses short or repetitive secrets and accepts random ones', () => {
    for (const weak of ['s3cret', 'class-fixture-secret', 'a'.repeat(64), 'abababababababababababababababab']) expect(weakSecretReason(weak)).not.toBeNull();
    expect(secretBits('0123456789abcdef0123456789abcdef')).toBeGreaterThanOrEqual(128);
    expect(weakSecretReason('0123456789abcdef0123456789abcdef')).toBeNull();
    expect(() => assertStrongSecret('s3cret', '--secret')).toThrow(/--secret: the class secret is too weak \(~\d+ bits/);
  });

  it('labctl classroom secret prints a new 256-bit secret each time', async () => {
    const [a, b] = await Promise.all([labctl(['classroom', 'secret']), labctl(['classroom', 'secret'])]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(a.stdout).not.toBe(b.stdout);
    expect(weakSecretReason(a.stdout.trim())).toBeNull();
    expect(weakSecretReason(generateClassSecret())).toBeNull();
  });

  it('grade --batch refuses a weak secret with exit 2 and says how to make one', async () => {
    const res = await labctl(['grade', '--batch', '.', '--out-dir', '/nonexistent-never-written'], { LABCTL_CLASS_SECRET: 'password123' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/LABCTL_CLASS_SECRET: the class secret is too weak/);
    expect(res.stderr).toContain('labctl classroom secret');
  });
});
