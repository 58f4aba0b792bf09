import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadClassroomOrThrow } from '../../infra/load-classroom.ts';
import { EXPIRES_FILE, READY_FILE, renderUserData } from '../../infra/user-data.ts';
import { shq } from '../../labs/shell.ts';
import { hasCommand, skipUnlessRequired } from '../support/live.ts';
import { runsInPhase, timing, vmSsh } from '../support/vm.ts';

/**
 * The classroom VMs' cloud-init for real: the user data the stack renders for a seat (infra/user-data.ts,
 * the example classroom, the seat's keys swapped for this test's throwaway key) booted as a NoCloud seed.
 * It must deliver what it promises: access for the login user, the eBPF tools or a loud failure marker,
 * the class expiry timer, still there after a reboot, and a power-off once the expiry has passed.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const image = inject('vmImage');
const why = inject('vmSkip') || (image ? null : 'no VM image (LABCTL_VM_IMAGE)') || (hasCommand('genisoimage') ? null : 'needs genisoimage (the NoCloud seed ISO)');
const skip = skipUnlessRequired(why);
// the login user cloud-init creates on Debian cloud images: the seat's keys land in its authorized_keys
const USER = 'debian';

describe.runIf(!skip && runsInPhase('host'))('cloud-init user data of a classroom seat (NoCloud seed, Debian 12 VM)', () => {
  const run = mkdtempSync(join(tmpdir(), 'labctl-vm-cloudinit-'));
  // as the login user, through sudo: what an instructor does (root's key is disabled by cloud-init)
  const sh = (cmd: string, ms?: number) => vmSsh(run, `sudo -n sh -c ${shq(cmd)}`, ms);
  let qemuPid = 0;
  afterAll(() => {
    execFileSync('bash', [join(ROOT, 'scripts/vm/stop.sh'), run]);
    rmSync(run, { recursive: true, force: true });
  });

  it('boots with the seed and runs the user data to a ready (or loudly failed) state', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'labctl-vm-throwaway', '-f', join(run, 'id_ed25519')]);
    const { classroom } = loadClassroomOrThrow(join(ROOT, 'infra/examples/classroom.yaml'));
    const key = readFileSync(join(run, 'id_ed25519.pub'), 'utf8').trim();
    const userData = renderUserData({
      classroom, learner: classroom.learners[0].id, distro: 'ubuntu-24.04', arch: 'amd64', ssm: false,
      expiresAt: new Date(Date.now() + 6 * 3600_000), sshPublicKeys: [key],
    });
    writeFileSync(join(run, 'user-data'), userData);
    writeFileSync(join(run, 'meta-data'), 'instance-id: labctl-vm-seat-1\nlocal-hostname: labvm\n');
    execFileSync('genisoimage', ['-quiet', '-output', join(run, 'seed.iso'), '-volid', 'cidata', '-joliet', '-rock', join(run, 'user-data'), join(run, 'meta-data')]);
    let t = Date.now();
    // one vCPU: it runs beside the lab host VM (vitest.vm.config.ts), which needs the CPU for BCC
    execFileSync('bash', [join(ROOT, 'scripts/vm/boot.sh'), image, run, '--seed', join(run, 'seed.iso'), '--persist', '--user', USER], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, LABCTL_VM_CPUS: '1' },
    });
    qemuPid = Number(readFileSync(join(run, 'qemu.pid'), 'utf8'));
    timing('cloud-init VM: boot to ssh', Date.now() - t);
    t = Date.now();
    // boot-finished is written when the final stage (runcmd: the timer, the boot script) is over; `cloud-init
    // status --wait` returns as soon as an earlier module failed (cloud-init 22.4), before runcmd has run
    const wait = await sh(
      `i=0; while [ ! -e /var/lib/cloud/instance/boot-finished ] && [ $i -lt 2700 ]; do sleep 5; i=$((i + 5)); done; cloud-init status --long; echo; cat ${READY_FILE}`,
      3_000_000,
    );
    timing('cloud-init VM: user data done', Date.now() - t);
    const ready = JSON.parse(wait.stdout.slice(wait.stdout.indexOf('{'))) as { status: string; step: string; detail: string };
    if (ready.status !== 'ready') {
      // a failure must be loud: the marker names the step, cloud-init reports an error
      expect(ready).toMatchObject({ status: 'failed' });
      expect(wait.stdout).toMatch(/status: error/);
    }
    expect(ready, wait.stdout).toMatchObject({ status: 'ready', step: 'done' });
    // cloud-init's own schema check: a value PyYAML reads differently (a plain `no` is false) is an error here
    const schema = await sh('cloud-init schema --system 2>&1; echo "exit=$?"');
    expect(schema.stdout, schema.stdout).toMatch(/exit=0\s*$/);
    // one name per `command -v`: dash (sh on Debian) looks up only the first of several
    const tools = await sh('for c in bpftrace execsnoop-bpfcc; do command -v $c; done; test -d /lib/modules/$(uname -r)/build && echo headers');
    expect(tools.stdout).toMatch(/bpftrace[\s\S]*execsnoop-bpfcc[\s\S]*headers/);
  });

  it('gives the seat key to the login user, with sudo', async () => {
    const r = await vmSsh(run, 'id -un; cat ~/.ssh/authorized_keys; sudo -n id -un');
    expect(r.stdout.split('\n')[0]).toBe(USER);
    expect(r.stdout).toContain(readFileSync(join(run, 'id_ed25519.pub'), 'utf8').trim().split(' ')[1]);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('root');
  });

  it('schedules the class expiry, and the schedule survives a reboot', async () => {
    const before = await sh(`systemctl is-enabled labctl-expire.timer; systemctl is-active labctl-expire.timer; cat ${EXPIRES_FILE}`);
    expect(before.stdout.split('\n').slice(0, 2)).toEqual(['enabled', 'active']);
    const epoch = Number(before.stdout.split('\n')[2]);
    expect(epoch).toBeGreaterThan(Date.now() / 1000);
    await sh('systemctl reboot', 60_000);
    const t = Date.now();
    // the same disk (--persist) comes back: wait for SSH, then for the timer
    let after = '';
    while (Date.now() - t < 1_200_000) {
      const r = await sh(`systemctl is-system-running --wait >/dev/null 2>&1; systemctl is-active labctl-expire.timer; cat ${EXPIRES_FILE}; cat ${READY_FILE}`, 900_000);
      if (r.code === 0 || /active/.test(r.stdout)) {
        after = r.stdout;
        break;
      }
      await new Promise((res) => setTimeout(res, 5000));
    }
    timing('cloud-init VM: reboot', Date.now() - t);
    expect(after.split('\n')[0]).toBe('active');
    expect(Number(after.split('\n')[1])).toBe(epoch);
    expect(after).toContain('"status":"ready"');
  });

  it('powers the VM off once the expiry has passed', async () => {
    await sh(`echo $(( $(date +%s) - 60 )) > ${EXPIRES_FILE}`);
    const t = Date.now();
    const alive = () => {
      try {
        process.kill(qemuPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // the timer checks every minute; emulation makes a minute longer
    while (alive() && Date.now() - t < 900_000) await new Promise((res) => setTimeout(res, 5000));
    timing('cloud-init VM: expiry to power-off', Date.now() - t);
    expect(alive()).toBe(false);
  });
});
