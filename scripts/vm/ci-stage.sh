#!/usr/bin/env bash
# The VM stage of .ci/run: a Debian 12 lab host with the distro's stock kernel (kprobes, headers) under QEMU
# TCG, reached over SSH on a loopback port; `npm run test:vm` sets it up, probes it, injects and checks every
# fault, runs every learner-brief command for Debian on it, and boots a classroom seat's cloud-init user data.
# The image is cached in /var/cache/labctl-vm, keyed by package versions. Each step prints its time.
set -euo pipefail
cd "$(dirname "$0")/../.."
vm_run="$(mktemp -d /tmp/labctl-ci-vm-XXXXXX)"
trap 'scripts/vm/stop.sh "$vm_run"' EXIT
stage=$SECONDS
step=$SECONDS
apt-get update -qq   # the image key is made of the candidate versions: current lists, current key
vm_image="$(scripts/vm/build-image.sh)"
echo "[vm stage] image ready (built or cached): $((SECONDS - step)) s"
step=$SECONDS
scripts/vm/boot.sh "$vm_image" "$vm_run" >/dev/null
echo "[vm stage] boot to SSH: $((SECONDS - step)) s"
step=$SECONDS
LABCTL_VM_RUN="$vm_run" LABCTL_VM_IMAGE="$vm_image" npm run test:vm
echo "[vm stage] npm run test:vm: $((SECONDS - step)) s; whole VM stage: $((SECONDS - stage)) s"
