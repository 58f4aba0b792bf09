#!/usr/bin/env bash
# Boots the lab host VM from a built image (scripts/vm/build-image.sh) under QEMU TCG and waits for SSH.
#   scripts/vm/boot.sh IMAGE_DIR RUN_DIR [--seed SEED.iso] [--persist] [--user USER]
# RUN_DIR gets a throwaway SSH key, an ssh_config (Host labvm, ControlMaster), qemu.pid, serial.log, env.
# The disk is used with -snapshot (the cached image stays pristine) unless --persist, which boots a
# private copy-on-write overlay in RUN_DIR instead, so a reboot keeps what the first boot wrote.
# --user: the login user of ssh_config (default root, whose key comes on the kernel command line; with a
# seed, cloud-init sets root's key to a "log in as ..." message and gives the key to its default user).
# Stdout: `export` lines for LABCTL_VM_HOST and LABCTL_SSH_OPTS. Stop with scripts/vm/stop.sh RUN_DIR.
set -euo pipefail
image="$1" run="$2"; shift 2
seed= persist= user=root
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed="$2"; shift 2 ;;
    --persist) persist=1; shift ;;
    --user) user="$2"; shift 2 ;;
    *) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
log() { printf '[vm-boot %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
mkdir -p "$run"
run="$(cd "$run" && pwd)"
[ -f "$run/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C labctl-vm-throwaway -f "$run/id_ed25519"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "$port" > "$run/port"
cat > "$run/ssh_config" <<CONF
Host labvm
  HostName 127.0.0.1
  Port $port
  User $user
  IdentityFile $run/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  ConnectTimeout 20
  ServerAliveInterval 15
  ServerAliveCountMax 8
  ControlMaster auto
  ControlPath $run/cm-%C
  ControlPersist 900
CONF

disk=(-drive "file=$image/rootfs.img,format=raw,if=virtio")
if [ -n "$persist" ]; then
  [ -f "$run/overlay.qcow2" ] || qemu-img create -q -f qcow2 -F raw -b "$image/rootfs.img" "$run/overlay.qcow2"
  disk=(-drive "file=$run/overlay.qcow2,format=qcow2,if=virtio")
else
  disk+=(-snapshot)
fi
append="root=/dev/vda rw console=ttyS0 quiet mitigations=off tsc=reliable net.ifnames=0"
append+=" labctl.ssh_key=$(base64 -w0 < "$run/id_ed25519.pub")"
extra=()
if [ -n "$seed" ]; then
  append+=" cloud-init=enabled"
  extra+=(-drive "file=$seed,format=raw,if=virtio,readonly=on")
fi
: > "$run/serial.log"
started=$SECONDS
# -cpu qemu64 and tsc=reliable: 3-5x faster under TCG than -cpu max / an unstable TSC (ENVIRONMENT.md)
qemu-system-x86_64 -name labctl-vm -machine q35 -accel tcg,thread=multi -cpu qemu64 \
  -smp "${LABCTL_VM_CPUS:-2}" -m "${LABCTL_VM_MEM_MB:-3072}" \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" -append "$append" \
  "${disk[@]}" "${extra[@]}" \
  -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=n0 \
  -device virtio-rng-pci -display none -serial "file:$run/serial.log" \
  -pidfile "$run/qemu.pid" -daemonize
log "qemu $(cat "$run/qemu.pid") started, ssh on 127.0.0.1:$port"

deadline=$((SECONDS + ${LABCTL_VM_BOOT_TIMEOUT:-900}))
until ssh -F "$run/ssh_config" -o ConnectTimeout=10 labvm true 2>/dev/null; do
  if ! kill -0 "$(cat "$run/qemu.pid")" 2>/dev/null; then log "qemu exited; serial log:"; tail -30 "$run/serial.log" >&2; exit 1; fi
  if [ $SECONDS -ge $deadline ]; then log "no SSH after $((SECONDS - started)) s; serial log:"; tail -30 "$run/serial.log" >&2; exit 1; fi
  sleep 3
done
log "ssh answers after $((SECONDS - started)) s"
cat > "$run/env" <<ENV
export LABCTL_VM_HOST=labvm
export LABCTL_VM_RUN=$run
export LABCTL_SSH_OPTS="-F $run/ssh_config"
ENV
cat "$run/env"
