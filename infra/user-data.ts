import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Classroom } from './classroom-schema.ts';
import type { DistroId } from './distros.ts';
import type { Arch } from './prices.ts';

/** The shell scripts the VMs run, shipped as files so they can be linted, run in tests and booted in a real VM. */
const BOOT_DIR = new URL('./boot/', import.meta.url);
export const BOOT_SCRIPT = readFileSync(new URL('labctl-boot.sh', BOOT_DIR), 'utf8');
export const EXPIRE_SCRIPT = readFileSync(new URL('labctl-expire.sh', BOOT_DIR), 'utf8');

/** Where the VM keeps its labctl state; `lab probe --inventory` reads READY_FILE. */
export const STATE_DIR = '/var/lib/labctl';
export const READY_FILE = `${STATE_DIR}/ready.json`;
export const EXPIRES_FILE = `${STATE_DIR}/expires-at`;
export const EXPIRES_TAG = 'labctl-expires-at';

const EXPIRE_SERVICE = `[Unit]
Description=labctl: power off once the class expiry has passed

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/labctl-expire
`;

// A periodic check, not a one-shot `shutdown -h +N`: it comes back after every boot and cannot be cancelled.
const EXPIRE_TIMER = `[Unit]
Description=labctl: check the class expiry every minute

[Timer]
OnBootSec=1min
OnUnitActiveSec=1min
AccuracySec=15s

[Install]
WantedBy=timers.target
`;

export interface SeatUserData {
  classroom: Classroom;
  learner: string;
  distro: DistroId;
  arch: Arch;
  /** The learner's own key and the instructor's: both land in the login user's authorized_keys. */
  sshPublicKeys: string[];
  /** Absolute class expiry; the VM powers off at or after it, whenever it boots. */
  expiresAt: Date;
  ssm: boolean;
}

/**
 * cloud-init for one VM, in the order a VM needs it: the SSH keys (cloud-init's ssh module, before any script),
 * then the expiry timer, then `labctl-boot.sh` (SSM agent, then the eBPF tools, each phase on its own). Keys come
 * through user data, not an EC2 key pair, so changing a key never forces a VM to be replaced.
 */
export function renderUserData(seat: SeatUserData): string {
  const { head, common } = renderUserDataParts(seat);
  return head + common;
}

/**
 * The user data split where the seat-specific part (keys, seat.json) ends: everything after it is the same for
 * every VM of the class. The stack writes the common part once and joins the two in terraform, so a 400-VM stack
 * does not carry 400 copies of the boot scripts (terraform parses every JSON string as a template: ~20 ms per copy).
 */
export function renderUserDataParts(seat: SeatUserData): { head: string; common: string } {
  const { classroom, learner, distro } = seat;
  const expiresEpoch = Math.floor(seat.expiresAt.getTime() / 1000);
  const config: Record<string, unknown> = {};
  if (seat.sshPublicKeys.length) config.ssh_authorized_keys = seat.sshPublicKeys;
  config.write_files = [
    {
      path: '/etc/labctl/seat.json',
      permissions: '0644',
      content: `${JSON.stringify({ class: classroom.name, learner, distro, scenarios: classroom.scenarios, expiresAt: seat.expiresAt.toISOString() })}\n`,
    },
    { path: EXPIRES_FILE, permissions: '0644', content: `${expiresEpoch}\n` },
    { path: '/usr/local/sbin/labctl-expire', permissions: '0755', content: EXPIRE_SCRIPT },
    { path: '/etc/systemd/system/labctl-expire.service', permissions: '0644', content: EXPIRE_SERVICE },
    { path: '/etc/systemd/system/labctl-expire.timer', permissions: '0644', content: EXPIRE_TIMER },
    { path: '/usr/local/lib/labctl/labctl-boot.sh', permissions: '0755', content: BOOT_SCRIPT },
  ];
  config.runcmd = [
    ['systemctl', 'daemon-reload'],
    ['systemctl', 'enable', '--now', 'labctl-expire.timer'],
    ['/usr/local/lib/labctl/labctl-boot.sh', seat.ssm ? 'yes' : 'no', classroom.region, seat.arch],
  ];
  // cloud-init reads YAML 1.1 (PyYAML): a plain `no` there is false, so strings are written the 1.1 way (quoted)
  const text = `#cloud-config\n${stringify(config, { lineWidth: 0, version: '1.1' })}`;
  const split = text.indexOf(`  - path: ${EXPIRES_FILE}\n`);
  if (split < 0) throw new Error('user data: the class-wide part was not found (renderUserDataParts is out of step with its YAML)');
  return { head: text.slice(0, split), common: text.slice(split) };
}
