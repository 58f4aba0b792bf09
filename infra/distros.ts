import type { Arch } from './prices.ts';

/**
 * What the stack needs to know per distro: whose AMIs to trust (owner account), how their images are named per
 * architecture, which login user the image creates, and how to install the eBPF tools on it.
 * Owner ids are the publishers' official accounts: Canonical, Red Hat, Rocky (RESF), AlmaLinux.
 */
export interface Distro {
  label: string;
  family: 'ubuntu' | 'rhel';
  amiOwner: string;
  amiName: Record<Arch, string>;
  user: string;
  /** Red Hat charges a per-vCPU-hour subscription fee on top of the instance price. */
  rhelSubscription: boolean;
}

export const DISTROS = {
  'ubuntu-24.04': {
    label: 'Ubuntu 24.04 LTS',
    family: 'ubuntu',
    amiOwner: '099720109477',
    amiName: {
      amd64: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*',
      arm64: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*',
    },
    user: 'ubuntu',
    rhelSubscription: false,
  },
  'ubuntu-22.04': {
    label: 'Ubuntu 22.04 LTS',
    family: 'ubuntu',
    amiOwner: '099720109477',
    // Canonical publishes jammy under both hvm-ssd and hvm-ssd-gp3; most_recent picks the newest of either.
    amiName: {
      amd64: 'ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*',
      arm64: 'ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-arm64-server-*',
    },
    user: 'ubuntu',
    rhelSubscription: false,
  },
  'rhel-9': {
    label: 'Red Hat Enterprise Linux 9',
    family: 'rhel',
    amiOwner: '309956199498',
    amiName: {
      amd64: 'RHEL-9.*_HVM-*-x86_64-*-Hourly2-GP3',
      arm64: 'RHEL-9.*_HVM-*-arm64-*-Hourly2-GP3',
    },
    user: 'ec2-user',
    rhelSubscription: true,
  },
  'rocky-9': {
    label: 'Rocky Linux 9',
    family: 'rhel',
    amiOwner: '792107900819',
    amiName: { amd64: 'Rocky-9-EC2-Base-9.*.x86_64', arm64: 'Rocky-9-EC2-Base-9.*.aarch64' },
    user: 'rocky',
    rhelSubscription: false,
  },
  'alma-9': {
    label: 'AlmaLinux 9',
    family: 'rhel',
    amiOwner: '764336703387',
    amiName: { amd64: 'AlmaLinux OS 9.* x86_64', arm64: 'AlmaLinux OS 9.* aarch64' },
    user: 'ec2-user',
    rhelSubscription: false,
  },
} as const satisfies Record<string, Distro>;

export type DistroId = keyof typeof DISTROS;
export const DISTRO_IDS = Object.keys(DISTROS) as [DistroId, ...DistroId[]];

/** EC2's own name for the architecture, as the `architecture` AMI filter expects it. */
export function ec2Architecture(arch: Arch): 'x86_64' | 'arm64' {
  return arch === 'amd64' ? 'x86_64' : 'arm64';
}
