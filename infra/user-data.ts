import { stringify } from 'yaml';
import { durationMinutes, type Classroom } from './classroom-schema.ts';
import { DISTROS, type DistroId } from './distros.ts';
import type { Arch } from './prices.ts';

export interface SeatUserData {
  classroom: Classroom;
  learner: string;
  distro: DistroId;
  arch: Arch;
  sshPublicKey?: string;
}

/**
 * cloud-init for one VM. The TTL shutdown is scheduled first so a VM whose package install fails still
 * expires; `instance_initiated_shutdown_behavior` turns the shutdown into stop or terminate.
 * Package names follow each distro: Ubuntu ships the BCC tools as `bpfcc-tools` (`*-bpfcc`), RHEL as
 * `bcc-tools` (/usr/share/bcc/tools); both need headers for the running kernel.
 */
export function renderUserData(seat: SeatUserData): string {
  const { classroom, learner, distro } = seat;
  const minutes = durationMinutes(classroom.ttl);
  const config: Record<string, unknown> = {};
  if (seat.sshPublicKey) config.ssh_authorized_keys = [seat.sshPublicKey];
  config.write_files = [
    {
      path: '/etc/labctl/seat.json',
      permissions: '0644',
      content: `${JSON.stringify({ class: classroom.name, learner, distro, scenarios: classroom.scenarios, ttlMinutes: minutes })}\n`,
    },
  ];
  config.runcmd = [
    `shutdown -h +${minutes} "labctl: class ${classroom.name} TTL (${classroom.ttl}) reached"`,
    ['sh', '-c', installScript(distro, seat.arch, classroom.region)],
  ];
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}

export function installScript(distro: DistroId, arch: Arch, region: string): string {
  if (DISTROS[distro].family === 'ubuntu') {
    return [
      'export DEBIAN_FRONTEND=noninteractive',
      'apt-get update',
      'apt-get install -y bpfcc-tools bpftrace "linux-headers-$(uname -r)"',
      // libbpf-tools is packaged from Ubuntu 24.04 on; older releases only get BCC and bpftrace.
      'apt-get install -y libbpf-tools || true',
    ].join(' && ');
  }
  // RHEL images do not ship the SSM agent (Ubuntu's have it as a snap); without it an SSH-less class is unreachable.
  const ssm = `https://s3.${region}.amazonaws.com/amazon-ssm-${region}/latest/linux_${arch}/amazon-ssm-agent.rpm`;
  return [
    'dnf install -y bcc-tools bpftrace "kernel-devel-$(uname -r)"',
    `(dnf install -y ${ssm} && systemctl enable --now amazon-ssm-agent || true)`,
    '(dnf install -y libbpf-tools || true)',
  ].join(' && ');
}
