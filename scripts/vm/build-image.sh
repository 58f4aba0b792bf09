#!/usr/bin/env bash
# Builds the VM lab host image: Debian 12 with the distro's stock kernel and the SAME version's headers,
# cloud-init, openssh-server, systemd, and the lesson tools (BCC, bpftrace, libbpf-tools, gcc) plus nodejs
# for the host's labctl: unpacking them under emulation would take minutes of the CI budget (issue 12).
# Left out on purpose, so `labctl lab setup` proves its apt path over SSH for real: sysstat.
#
# Debian packages only (mmdebstrap + mkfs.ext4 -d: no loop mounts, no root-owned mounts left behind).
# Cached by a key made of the resolved package versions and this script's own text:
#   $LABCTL_VM_CACHE (default /var/cache/labctl-vm)/<key>/{rootfs.img,vmlinuz,initrd.img,manifest.txt}
# Prints the cache directory on stdout (everything else goes to stderr). Usage:
#   scripts/vm/build-image.sh            build unless cached
#   scripts/vm/build-image.sh --key      print the key only
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${LABCTL_VM_CACHE:-/var/cache/labctl-vm}"
suite=bookworm
mirrors=(
  "deb http://deb.debian.org/debian $suite main"
  "deb http://deb.debian.org/debian $suite-updates main"
  "deb http://deb.debian.org/debian-security $suite-security main"
)
# The kernel comes in through its metapackages so image and headers always share one ABI (6.1.0-NN moves).
packages=(
  linux-image-amd64 linux-headers-amd64
  systemd-sysv udev dbus openssh-server cloud-init initramfs-tools iproute2 procps kmod
  ca-certificates sudo less
  e2fsprogs locales cloud-guest-utils   # what a cloud image has: cloud-init's resizefs/growpart and locale modules use them
  bpfcc-tools bpftrace libbpf-tools gcc libc6-dev curl python3 nodejs
)
log() { printf '[vm-build %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# One apt-cache call each (apt-cache takes seconds per call on a loaded machine).
resolve_versions() {
  apt-cache policy "${packages[@]}" | awk '/^[^ ].*:$/ {p=substr($1, 1, length($1)-1)} /Candidate:/ {print p "=" $2}'
  apt-cache depends linux-image-amd64 linux-headers-amd64 |
    awk '/Depends: linux-image-[0-9]/ {print "kernel=" $2} /Depends: linux-headers-[0-9]/ {print "headers=" $2}'
}

versions="$(resolve_versions)"
if [ "$(grep -c . <<<"$versions")" -ne $((${#packages[@]} + 2)) ] || grep -q '=$\|=(none)$' <<<"$versions"; then
  log "some packages have no candidate in this machine's apt lists (run apt-get update):"
  grep '=$\|=(none)$' <<<"$versions" >&2
  exit 1
fi
key="$( { printf '%s\n' "$versions"; cat "$here/build-image.sh" "$here/guest"/*; } | sha256sum | cut -c1-16)"
if [ "${1:-}" = "--key" ]; then echo "$key"; exit 0; fi

out="$cache_root/$key"
if [ -s "$out/rootfs.img" ] && [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ]; then
  log "cached: $out"
  echo "$out"
  exit 0
fi

mkdir -p "$cache_root"
work="$(mktemp -d "$cache_root/.build-XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
started=$SECONDS
log "building $key into $work (kernel $(grep ^kernel= <<<"$versions" | cut -d= -f2))"

# Hooks run on this machine with the chroot as $1. The initramfs settings go in before the kernel's
# postinst builds it (the module list itself is written, and the initramfs rebuilt, in customize.sh).
setup_initramfs='mkdir -p "$1/etc/initramfs-tools/conf.d" && printf "MODULES=list\nCOMPRESS=zstd\n" > "$1/etc/initramfs-tools/conf.d/labctl.conf"'
mmdebstrap --mode=root --variant=apt --components=main \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --aptopt='Acquire::Languages "none"' \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --essential-hook="$setup_initramfs" \
  --customize-hook="$here/guest/customize.sh \"\$1\"" \
  --skip=cleanup/apt/lists \
  "$suite" "$root" "${mirrors[@]}" >&2
log "root filesystem ready after $((SECONDS - started)) s"

cp -L "$root/vmlinuz" "$work/vmlinuz"
cp -L "$root/initrd.img" "$work/initrd.img"
{
  echo "# built $(date -u +%FT%TZ) by scripts/vm/build-image.sh (key $key)"
  echo "$versions"
  echo "# dpkg -l in the image:"
  chroot "$root" dpkg-query -W -f='${Package}=${Version}\n'
} > "$work/manifest.txt"
# 4 GiB sparse: room for what `lab setup` installs during a -snapshot boot
mkfs.ext4 -q -F -L labctl-root -d "$root" "$work/rootfs.img" 4G >&2   # it says "Creating regular file" on stdout
rm -rf "$root"
log "image made after $((SECONDS - started)) s ($(du -sh "$work/rootfs.img" | cut -f1) used)"

rm -rf "$out"
mv "$work" "$out"
trap - EXIT
chmod 755 "$out"
echo "$out"
