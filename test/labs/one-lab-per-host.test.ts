import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learnerKey } from '../../grader/provenance/key.ts';
import { SealedManifestSchema, sealedSeedMatches } from '../../grader/sealed-manifest.ts';
import { parseInventory } from '../../labs/fanout/inventory.ts';
import { deriveSeed } from '../../scenarios/variants.ts';
import { hasCommand, isRoot, skipUnlessRequired } from '../support/live.ts';
import { sshdMissing, SshdPool, type SshdServer } from '../support/sshd.ts';

/**
 * One lab per host when the inventory names one machine by two addresses (127.0.0.1 and localhost): the
 * instructor's side cannot tell, the host's state dir can. Real sshd on loopback, real faults (run under
 * `flock /tmp/labctl-live.lock`).
 */

function labctl(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [resolve('bin/labctl.js'), ...args], { env: { ...process.env, NO_COLOR: '1', CI: '1', ...env }, cwd: resolve('.') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

type HostResult = { learner: string; ok: boolean; result?: { seed: string }; error?: { message: string; hint: string } };

const missing = sshdMissing() ?? (isRoot() && hasCommand('gcc') && hasCommand('getent') ? null : 'needs root and gcc (the offcpu-lock program)');

describe.skipIf(skipUnlessRequired(missing))('one lab per host, also when two inventory addresses name one machine', () => {
  const secret = 'one-host-test-secret-Pz4Wq8Lm2Rt6';
  let pool: SshdPool;
  let server: SshdServer;
  let dir = '';
  let env: Record<string, string>;
  let stateDir = '';
  let inv = '';

  beforeAll(async () => {
    pool = new SshdPool();
    server = await pool.start();
    dir = mkdtempSync(join(tmpdir(), 'labctl-onehost-'));
    // neither entry names a stateDir: both reach the host's default one, as two addresses of one VM would
    stateDir = join(dir, 'var-lib-labctl');
    env = { LABCTL_SSH_OPTS: pool.sshOpts.join(' '), LABCTL_NO_SYSTEMD: '1', LABCTL_REMOTE_STATE_DIR: stateDir, LABCTL_CLASS_SECRET: secret };
    inv = join(dir, 'inventory.json');
    writeFileSync(
      inv,
      JSON.stringify({
        class: 'one-host',
        hosts: [
          { learner: 'ana', distro: 'debian', host: '127.0.0.1', user: 'root', port: server.port },
          { learner: 'ben', distro: 'ubuntu', host: 'localhost', user: 'root', port: server.port },
        ],
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await labctl(['lab', 'stop', '--purge', '--inventory', inv, '--retries', '0'], env);
    pool?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the inventory itself passes: the addresses differ', () => {
    expect(parseInventory(readFileSync(inv, 'utf8'), inv).hosts.map((h) => h.address)).toEqual([`root@127.0.0.1:${server.port}`, `root@localhost:${server.port}`]);
  });

  it('inject --inventory (both at once): one learner gets the lab, the other is refused naming both learners and both addresses', async () => {
    const res = await labctl(['lab', 'inject', 'offcpu-lock', '--inventory', inv, '--ttl', '2m', '--out-dir', join(dir, 'manifests'), '--json', '--retries', '0'], env);
    expect(res.code, res.stderr).toBe(1);
    const json = JSON.parse(res.stdout) as HostResult[];
    // run in parallel: which one claims the host first is a race, that exactly one does is not
    const won = json.filter((j) => j.ok);
    const lost = json.filter((j) => !j.ok);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const [winner, loser] = [won[0].learner, lost[0].learner];
    const addr = (l: string) => (l === 'ana' ? `root@127.0.0.1:${server.port}` : `root@localhost:${server.port}`);
    // the loser may look before or after the winner's fault has started
    const labs = lost[0].error!.message.includes('offcpu-lock (running)') ? 'offcpu-lock (running)' : 'no fault yet (being injected, or only its learner key is left)';
    expect(lost[0].error!.message).toBe(
      `${addr(loser)}: this host already holds the lab of learner ${winner} (injected via ${addr(winner)}): ${labs}; refusing to inject a lab for learner ${loser} on the same host (state dir ${stateDir}): one lab per host`,
    );
    expect(lost[0].error!.hint).toMatch(new RegExp(`are the same machine: give ${loser} a host of their own; .*--replace-other-learner`));
    // the winner's lab and key are intact: the refused inject wrote nothing
    expect(readFileSync(join(stateDir, 'learner.key'), 'utf8')).toBe(`${learnerKey(secret, winner)}\n`);
    // the host keeps the sealed manifest: the winner's seed only as a hash
    const kept = SealedManifestSchema.parse(JSON.parse(readFileSync(join(stateDir, 'offcpu-lock', 'lab-manifest.json'), 'utf8')));
    expect(kept.learner).toBe(winner);
    expect(sealedSeedMatches(kept, deriveSeed(secret, winner, 'offcpu-lock'))).toBe(true);
    expect(readFileSync(join(stateDir, 'owner'), 'utf8')).toBe(`${winner}\t${addr(winner)}\n`);
  }, 120_000);

  it('single-host inject for another learner is refused too, also after the lab was stopped (kept for a late submit)', async () => {
    const owner = readFileSync(join(stateDir, 'owner'), 'utf8').split('\t')[0];
    const other = owner === 'ana' ? 'ben' : 'ana';
    const otherHost = other === 'ana' ? `root@127.0.0.1:${server.port}` : `root@localhost:${server.port}`;
    const stop = await labctl(['lab', 'stop', '--host', otherHost], env);
    expect(stop.code, stop.stderr).toBe(0);
    const res = await labctl(['lab', 'inject', 'ghost-load', '--host', otherHost, '--learner', other, '--ttl', '1m'], env);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(`this host already holds the lab of learner ${owner}`);
    expect(res.stderr).toContain('offcpu-lock (ended, kept for a late submit)');
    expect(existsSync(join(stateDir, 'ghost-load'))).toBe(false);
    expect(readFileSync(join(stateDir, 'learner.key'), 'utf8')).toBe(`${learnerKey(secret, owner)}\n`);
  }, 60_000);

  it('--replace-other-learner purges the other lab first; stop --purge frees the host', async () => {
    const owner = readFileSync(join(stateDir, 'owner'), 'utf8').split('\t')[0];
    const other = owner === 'ana' ? 'ben' : 'ana';
    const res = await labctl(['lab', 'inject', 'offcpu-lock', '--inventory', inv, '--learner', other, '--ttl', '2m', '--out-dir', join(dir, 'manifests'), '--replace-other-learner', '--retries', '0'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^${other}\\s.*\\sok\\s+.*replaced learner ${owner}'s lab; offcpu-lock injected`, 'm'));
    expect(readFileSync(join(stateDir, 'learner.key'), 'utf8')).toBe(`${learnerKey(secret, other)}\n`);
    expect(JSON.parse(readFileSync(join(stateDir, 'offcpu-lock', 'lab-manifest.json'), 'utf8'))).toMatchObject({ learner: other });
    expect(readFileSync(join(stateDir, 'owner'), 'utf8').split('\t')[0]).toBe(other);
    const purge = await labctl(['lab', 'stop', '--purge', '--inventory', inv, '--learner', other, '--retries', '0'], env);
    expect(purge.code, purge.stderr).toBe(0);
    expect(existsSync(join(stateDir, 'owner'))).toBe(false);
    expect(existsSync(join(stateDir, 'learner.key'))).toBe(false);
  }, 120_000);
});
