#!/usr/bin/env bash
# Stops the VM booted into RUN_DIR by scripts/vm/boot.sh (its own pid only) and its SSH master connection.
set -uo pipefail
run="$1"
[ -f "$run/ssh_config" ] && ssh -F "$run/ssh_config" -O exit labvm 2>/dev/null
if [ -f "$run/qemu.pid" ]; then
  pid="$(cat "$run/qemu.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$run/qemu.pid"
fi
exit 0
