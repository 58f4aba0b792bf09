import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findRule, RULES, runRule } from '../../../grader/rules/registry.ts';
import { scenarioJsonSchema } from '../../../scenarios/json-schema.ts';
import { CheckSchema } from '../../../scenarios/schema.ts';

const RULES_DIR = fileURLToPath(new URL('../../../grader/rules/', import.meta.url));

describe('rule registry', () => {
  it('registers every rule that a module in grader/rules declares, once', async () => {
    const declared: string[] = [];
    for (const file of readdirSync(RULES_DIR).filter((f) => f.endsWith('.ts')).sort()) {
      const mod = (await import(pathToFileURL(join(RULES_DIR, file)).href)) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        const v = value as { name?: unknown; kind?: unknown; run?: unknown; params?: unknown };
        if (v && typeof v === 'object' && typeof v.name === 'string' && (v.kind === 'evidence' || v.kind === 'answer') && typeof v.run === 'function') declared.push(v.name);
      }
    }
    const registered = RULES.map((r) => r.name);
    expect(new Set(registered).size).toBe(registered.length);
    expect([...new Set(declared)].sort()).toEqual([...registered].sort());
  });

  it('builds the scenario check schema from the rules: parameters are each rule\'s own', () => {
    const ok = CheckSchema.safeParse({ id: 'x', kind: 'evidence', rule: 'exec-dominant', title: 't', points: 5, hint: 'h', with: { comm: '{{culprit_comm}}', minShare: 0.2 } });
    expect(ok.success).toBe(true);
    const wrongKind = CheckSchema.safeParse({ id: 'x', kind: 'answer', rule: 'exec-dominant', title: 't', points: 5, hint: 'h', with: { comm: 'curl', minShare: 0.2 } });
    expect(wrongKind.success).toBe(false);
    const extra = CheckSchema.safeParse({ id: 'x', kind: 'evidence', rule: 'exec-dominant', title: 't', points: 5, hint: 'h', with: { comm: 'curl', minShare: 0.2, speed: 1 } });
    expect(extra.success).toBe(false);
    const noKey = CheckSchema.safeParse({ id: 'x', kind: 'answer', rule: 'answer-fact', title: 't', points: 5, hint: 'h', with: { fact: 'culprit_comm' } });
    expect(noKey.success).toBe(false);
  });

  it('lists every rule in the generated JSON Schema', () => {
    const json = scenarioJsonSchema();
    for (const r of RULES) expect(json).toContain(`"const": "${r.name}"`);
  });

  it('fills {{fact}} placeholders before a rule runs', () => {
    const obs = { captures: {}, exec: { events: 10, byComm: { curl: 9, sh: 1 }, parentsByComm: {}, topArgsByComm: {}, ratePerSecByComm: {}, timedSec: 0 } };
    const out = runRule({ rule: 'exec-dominant', with: { comm: '{{culprit_comm}}', minShare: 0.5 } }, { obs, facts: { culprit_comm: 'curl' }, answers: {} });
    expect(out.status).toBe('pass');
    expect(findRule('exec-dominant')?.kind).toBe('evidence');
    expect(findRule('no-such-rule')).toBeUndefined();
  });
});
