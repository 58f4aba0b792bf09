import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundle } from '../../../grader/provenance/bundle.ts';
import { learnerKey } from '../../../grader/provenance/key.ts';
import { PROVENANCE_FILE, signProvenance, type Provenance } from '../../../grader/provenance/record.ts';
import { verifyBundle } from '../../../grader/provenance/verify.ts';
import { execsnoopFor, ghostLoadWork, manifestFor } from './learner-lab.ts';

const SECRET = 'class-secret-2026';
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'labctl-verify-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Bundles a learner's work with `labctl submit`'s code and extracts it, as the grader would. */
async function bundleAndExtract(name: string, learner: string, opts: { captureFrom?: string; key?: string | null } = {}): Promise<string> {
  const base = join(tmp, name);
  const manifest = manifestFor(SECRET, learner, 'ghost-load');
  const from = opts.captureFrom ? manifestFor(SECRET, opts.captureFrom, 'ghost-load') : manifest;
  const { dir, manifestPath } = await ghostLoadWork(base, manifest, from);
  const key = opts.key === undefined ? learnerKey(SECRET, learner) : opts.key;
  const res = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key, out: base, now: new Date('2026-11-25T09:40:00Z') });
  const root = join(base, 'extracted');
  await (await import('node:fs/promises')).mkdir(root);
  await extract({ file: res.file, cwd: root });
  return root;
}

describe('verifyBundle', () => {
  it('verifies an untouched bundle from the learner\'s own lab', async () => {
    const root = await bundleAndExtract('ok', 'ana');
    const r = await verifyBundle(root, { classSecret: SECRET });
    expect(r.status).toBe('verified');
    expect(r.learner).toBe('ana');
    expect(r.scenario).toBe('ghost-load');
    expect(r.createdAt).toBe('2026-11-25T09:40:00.000Z');
    expect(r.message).toMatch(/signed by ana's lab key/);
  });

  it('reports unchecked without the class secret, and tampered with the wrong one', async () => {
    const root = await bundleAndExtract('secret', 'ana');
    expect((await verifyBundle(root)).status).toBe('unchecked');
    const wrong = await verifyBundle(root, { classSecret: 'another-class' });
    expect(wrong.status).toBe('tampered');
    expect(wrong.message).toMatch(/HMAC mismatch/);
  });

  it('flags one changed byte in a capture as tampered, naming the file', async () => {
    const root = await bundleAndExtract('byte', 'ana');
    const file = join(root, 'execsnoop.txt');
    const buf = await readFile(file);
    buf[100] = buf[100] === 0x41 ? 0x42 : 0x41;
    await writeFile(file, buf);
    const r = await verifyBundle(root, { classSecret: SECRET });
    expect(r.status).toBe('tampered');
    expect(r.message).toContain('execsnoop.txt: changed after `labctl submit`');
  });

  it('flags a file added after signing and a file removed', async () => {
    const root = await bundleAndExtract('added', 'ana');
    await writeFile(join(root, 'extra.txt'), 'hello\n');
    await rm(join(root, 'answers.yaml'));
    const r = await verifyBundle(root, { classSecret: SECRET });
    expect(r.status).toBe('tampered');
    expect(r.message).toContain('extra.txt: added after');
    expect(r.message).toContain('answers.yaml: listed in .provenance.json but missing');
  });

  it('flags an edited manifest learner: the hash breaks (tampered)', async () => {
    const root = await bundleAndExtract('learner-edit', 'ana');
    const mpath = join(root, 'lab-manifest.json');
    const m = JSON.parse(await readFile(mpath, 'utf8'));
    m.learner = 'ben';
    await writeFile(mpath, JSON.stringify(m, null, 2));
    const r = await verifyBundle(root, { classSecret: SECRET });
    expect(r.status).toBe('tampered');
    expect(r.message).toContain('lab-manifest.json: changed after');
  });

  it('re-signing with a hash fix but without the key breaks the HMAC; re-signing with ben\'s own key is wrong-learner', async () => {
    const root = await bundleAndExtract('resign', 'ana');
    const rec = JSON.parse(await readFile(join(root, PROVENANCE_FILE), 'utf8')) as Provenance;
    // ben submits ana's lab under his name, with his own key: intact, but ana's lab
    const { hmac: _h, ...rest } = rec;
    await writeFile(join(root, PROVENANCE_FILE), JSON.stringify(signProvenance({ ...rest, learner: 'ben' }, learnerKey(SECRET, 'ben'))));
    const ben = await verifyBundle(root, { classSecret: SECRET });
    expect(ben.status).toBe('wrong-learner');
    expect(ben.message).toContain("lab-manifest.json is learner ana's lab, but the bundle is signed for ben");
    // the same edit without a key: the old HMAC no longer matches
    await writeFile(join(root, PROVENANCE_FILE), JSON.stringify({ ...rec, learner: 'ben' }));
    expect((await verifyBundle(root, { classSecret: SECRET })).status).toBe('tampered');
  });

  it('flags a capture from another learner\'s lab (their URL in the curl loop) as wrong-learner', async () => {
    const ana = manifestFor(SECRET, 'ana', 'ghost-load');
    const ben = manifestFor(SECRET, 'ben', 'ghost-load');
    expect(ana.facts.url).not.toBe(ben.facts.url);
    const root = await bundleAndExtract('cross', 'ben', { captureFrom: 'ana' });
    const r = await verifyBundle(root, { classSecret: SECRET });
    expect(r.status).toBe('wrong-learner');
    expect(r.message).toContain(`shows url "${ana.facts.url}", but this lab's is "${ben.facts.url}"`);
  });

  it('flags manifest facts that do not match the lab seed (edited before signing) as tampered', async () => {
    const base = join(tmp, 'facts-edit');
    const manifest = manifestFor(SECRET, 'ana', 'ghost-load');
    const other = manifestFor(SECRET, 'ben', 'ghost-load');
    // ana copies ben's captures and edits her manifest to ben's names, then signs with her own key
    const forged = { ...manifest, facts: { ...manifest.facts, url: other.facts.url, parent_comm: other.facts.parent_comm } };
    const { dir, manifestPath } = await ghostLoadWork(base, forged as typeof manifest, other);
    const res = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, 'ana'), out: base });
    const root = join(base, 'x');
    await (await import('node:fs/promises')).mkdir(root);
    await extract({ file: res.file, cwd: root });
    const r = await verifyBundle(root, { classSecret: SECRET });
    expect(r.status).toBe('tampered');
    expect(r.message).toMatch(/lab-manifest\.json: [a-z_, ]*url[a-z_, ]* (does|do) not match ana's lab \(derived from the class secret\)/);
  });

  it('flags a lab whose seed is not derived for the signing learner', async () => {
    const base = join(tmp, 'seed');
    const manifest = { ...manifestFor(SECRET, 'ana', 'ghost-load'), seed: 's1' };
    manifest.facts = (await import('../../../scenarios/variants.ts')).variantFacts('ghost-load', 's1');
    const { dir, manifestPath } = await ghostLoadWork(base, manifest);
    const res = await createBundle({ scenario: 'ghost-load', dir, manifestPath, key: learnerKey(SECRET, 'ana'), out: base });
    const root = join(base, 'x');
    await (await import('node:fs/promises')).mkdir(root);
    await extract({ file: res.file, cwd: root });
    expect((await verifyBundle(root, { classSecret: SECRET })).message).toContain("the lab's seed is not ana's");
    expect((await verifyBundle(root, { classSecret: SECRET, requireDerivedSeed: false })).status).toBe('verified');
  });

  it('reports a folder without a record as unsigned, and a broken record as tampered', async () => {
    const base = join(tmp, 'unsigned');
    const { dir } = await ghostLoadWork(base, manifestFor(SECRET, 'ana', 'ghost-load'));
    const r = await verifyBundle(dir, { classSecret: SECRET });
    expect(r.status).toBe('unsigned');
    expect(r.message).toMatch(/no \.provenance\.json/);
    await writeFile(join(dir, PROVENANCE_FILE), '{"version": 1,');
    expect((await verifyBundle(dir, { classSecret: SECRET })).message).toMatch(/\.provenance\.json: not valid JSON/);
    await writeFile(join(dir, PROVENANCE_FILE), JSON.stringify({ version: 2 }));
    expect((await verifyBundle(dir, { classSecret: SECRET })).status).toBe('tampered');
  });

  it('still catches another learner\'s capture in an unsigned folder that carries a manifest', async () => {
    const base = join(tmp, 'unsigned-cross');
    const ben = manifestFor(SECRET, 'ben', 'ghost-load');
    const { dir } = await ghostLoadWork(base, ben, manifestFor(SECRET, 'ana', 'ghost-load'));
    await writeFile(join(dir, 'lab-manifest.json'), JSON.stringify(ben));
    const r = await verifyBundle(dir, { classSecret: SECRET });
    expect(r.status).toBe('wrong-learner');
    expect(r.findings.map((f) => f.status)).toContain('unsigned');
  });

  it('uses the learner\'s real capture unchanged (sanity: the helper\'s capture carries the URL)', async () => {
    const text = await execsnoopFor(manifestFor(SECRET, 'ana', 'ghost-load'));
    expect(text).toContain(String(manifestFor(SECRET, 'ana', 'ghost-load').facts.url));
  });
});
