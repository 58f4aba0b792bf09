#!/usr/bin/env bash
# mmdebstrap customize hook: runs on the build machine with the image's root directory as $1.
set -euo pipefail
r="$1"
here="$(cd "$(dirname "$0")" && pwd)"

# A fixed machine-id avoids first-boot setup; every boot is a -snapshot of the same image anyway.
echo 5ca1ab1e0ddba11c0ffee0000000beef > "$r/etc/machine-id"
echo labvm > "$r/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 labvm\n' > "$r/etc/hosts"
echo 'LABEL=labctl-root / ext4 rw,relatime 0 1' > "$r/etc/fstab"

# QEMU user networking: DHCP on eth0 (net.ifnames=0 on the kernel command line), its DNS at 10.0.2.3.
mkdir -p "$r/etc/systemd/network"
# The link-local metadata address goes nowhere: QEMU would otherwise pass the guest's cloud metadata
# lookups (the class expiry script asks IMDS) on to whatever answers it outside this machine.
printf '[Match]\nName=eth0\n[Network]\nDHCP=ipv4\n[Route]\nDestination=169.254.0.0/16\nType=blackhole\n' > "$r/etc/systemd/network/10-eth0.network"
rm -f "$r/etc/resolv.conf"
echo 'nameserver 10.0.2.3' > "$r/etc/resolv.conf"
chroot "$r" systemctl enable systemd-networkd.service >/dev/null 2>&1
# Timers that would start apt or disk scans in the middle of a test; boot waits nobody needs.
chroot "$r" systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer \
  fstrim.timer systemd-networkd-wait-online.service >/dev/null 2>&1

# cloud-init runs only on the boot that asks for it (`cloud-init=enabled` on the kernel command line wins
# over this file), and only ever reads a local NoCloud seed: no metadata service is probed.
mkdir -p "$r/etc/cloud/cloud.cfg.d"
touch "$r/etc/cloud/cloud-init.disabled"
printf 'datasource_list: [ NoCloud, None ]\n' > "$r/etc/cloud/cloud.cfg.d/90-labctl-nocloud.cfg"

# The throwaway SSH key of each boot arrives on the kernel command line (labctl.ssh_key=<base64 line>).
install -m 0755 "$here/labctl-vm-key" "$r/usr/local/sbin/labctl-vm-key"
install -m 0644 "$here/labctl-vm-key.service" "$r/etc/systemd/system/labctl-vm-key.service"
chroot "$r" systemctl enable labctl-vm-key.service >/dev/null 2>&1
printf 'UseDNS no\nPermitRootLogin prohibit-password\n' > "$r/etc/ssh/sshd_config.d/labctl-vm.conf"
passwd -R "$r" -l root >/dev/null

# Only the drivers QEMU's virtio devices need: a small initramfs boots in seconds under emulation.
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' > "$r/etc/initramfs-tools/modules"
chroot "$r" update-initramfs -u -k all >/dev/null 2>&1
