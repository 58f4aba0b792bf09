#!/usr/bin/env bash
# The VM stage of .ci/run: a Debian 12 lab host with the distro's stock kernel (kprobes, headers) under QEMU
# TCG, reached over SSH on a loopback port; `npm run test:vm` sets it up, probes it, injects and checks every
# fault, runs every learner-brief command for Debian on it, and boots a classroom seat's cloud-init user data.
# The image is cached in /var/cache/labctl-vm, keyed by package versions. Each step prints its time.
#   scripts/vm/ci-stage.sh prepare RUN_DIR     build (or reuse) the image and boot the VM into RUN_DIR
#   scripts/vm/ci-stage.sh host RUN_DIR        the suite's host phase: lab setup, lab probe, the cloud-init VM
#   scripts/vm/ci-stage.sh scenarios RUN_DIR   the suite's scenarios phase (every fault), then stop the VM
#   scripts/vm/ci-stage.sh test RUN_DIR        both phases, then stop the VM
# .ci/run (with LABCTL_CI_VM=1) runs `prepare` in the background while `npm test` runs, then `test` alone: the
# faults' evidence (exec rates, run-queue latency) must not share the CPU. A developer can run `host` once and
# `scenarios` again and again against the same VM (LABCTL_VM_RUN=RUN_DIR npm run test:vm does the same).
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:?usage: ci-stage.sh prepare|host|scenarios|test RUN_DIR}" vm_run="${2:?RUN_DIR}"
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
  host)
    LABCTL_VM_PHASE=host LABCTL_VM_RUN="$vm_run" LABCTL_VM_IMAGE="$(cat "$vm_run/image")" npm run test:vm
    echo "[vm stage] npm run test:vm, host phase: $((SECONDS - step)) s"
    ;;
  scenarios | test)
    trap 'scripts/vm/stop.sh "$vm_run"' EXIT
    phase=all; [ "$what" = scenarios ] && phase=scenarios
    LABCTL_VM_PHASE=$phase LABCTL_VM_RUN="$vm_run" LABCTL_VM_IMAGE="$(cat "$vm_run/image")" npm run test:vm
    echo "[vm stage] npm run test:vm, $phase: $((SECONDS - step)) s"
    ;;
  *) echo "ci-stage.sh: unknown step $what" >&2; exit 2 ;;
esac
