#!/usr/bin/env bash
# The VM stage of .ci/run: a Debian 12 lab host with the distro's stock kernel (kprobes, headers) under QEMU
# TCG, reached over SSH on a loopback port; `npm run test:vm` sets it up, probes it, injects and checks every
# fault, runs every learner-brief command for Debian on it, and boots a classroom seat's cloud-init user data.
# The image is cached in /var/cache/labctl-vm, keyed by package versions. Each step prints its time.
#   scripts/vm/ci-stage.sh prepare RUN_DIR   build (or reuse) the image and boot the VM into RUN_DIR
#   scripts/vm/ci-stage.sh test RUN_DIR      run the suite against it, then stop it
# .ci/run starts `prepare` in the background while `npm test` runs (mostly downloads and unpacking; the booted
# VM idles), so the stage's own time is the suite's.
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:?usage: ci-stage.sh prepare|test RUN_DIR}" vm_run="${2:?RUN_DIR}"
step=$SECONDS
case "$what" in
  prepare)
    mkdir -p "$vm_run"
    apt-get update -qq   # the image key is made of the candidate versions: current lists, current key
    scripts/vm/build-image.sh > "$vm_run/image"
    echo "[vm stage] image ready (built or cached): $((SECONDS - step)) s"
    step=$SECONDS
    scripts/vm/boot.sh "$(cat "$vm_run/image")" "$vm_run" >/dev/null
    echo "[vm stage] boot to SSH: $((SECONDS - step)) s"
    ;;
  test)
    trap 'scripts/vm/stop.sh "$vm_run"' EXIT
    LABCTL_VM_RUN="$vm_run" LABCTL_VM_IMAGE="$(cat "$vm_run/image")" npm run test:vm
    echo "[vm stage] npm run test:vm: $((SECONDS - step)) s"
    ;;
  *) echo "ci-stage.sh: unknown step $what" >&2; exit 2 ;;
esac
