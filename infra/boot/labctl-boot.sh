#!/bin/sh
# labctl first boot: access first (SSM agent), then the eBPF tools. Each phase stands alone, so a failed package
# install never leaves a VM without a way in. The outcome goes to /var/lib/labctl/ready.json, which
# `labctl lab probe --inventory` reports per host; a failure also exits non-zero, so `cloud-init status` says error.
# Runs on Debian/Ubuntu (apt) and RHEL/Rocky/Alma (dnf). Arguments: SSM (yes|no), region, arch (amd64|arm64).
set -u
SSM=${1:-no} REGION=${2:-} ARCH=${3:-amd64}
STATE=${LABCTL_STATE_DIR:-/var/lib/labctl}
LOG=$STATE/boot.log
mkdir -p "$STATE"
MISSING_OPTIONAL=""

now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
json_str() { printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'; }
# status STEP STATUS DETAIL: written atomically, so a reader never sees half a file.
status() {
  opt=$(printf '%s' "$MISSING_OPTIONAL" | sed 's/^ //; s/ /","/g')
  [ -n "$opt" ] && opt="\"$opt\""
  printf '{"status":"%s","step":"%s","detail":"%s","missingOptional":[%s],"at":"%s"}\n' \
    "$2" "$1" "$(json_str "$3")" "$opt" "$(now)" > "$STATE/ready.json.tmp"
  mv "$STATE/ready.json.tmp" "$STATE/ready.json"
}
log() { echo "$(now) $*" >> "$LOG"; }
# retry N CMD...: package mirrors and locks are flaky at boot; 4 tries, 15/30/45 s apart.
retry() {
  n=1
  while :; do
    log "try $n: $*"
    "$@" >> "$LOG" 2>&1 && return 0
    [ "$n" -ge 4 ] && return 1
    sleep $((n * ${LABCTL_RETRY_SLEEP:-15}))
    n=$((n + 1))
  done
}
fail() {
  status "$1" failed "$2 (see $LOG: $(tail -n 1 "$LOG" 2>/dev/null))"
  echo "labctl boot: $1 failed: $2" >&2
  exit 1
}

if command -v apt-get >/dev/null 2>&1; then
  PM=apt
  export DEBIAN_FRONTEND=noninteractive
  # cloud-init and unattended-upgrades hold the dpkg lock at first boot: wait for it instead of failing.
  APT="apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3"
  install() { retry $APT install -y --no-install-recommends "$@"; }
  refresh() { retry $APT update; }
  TOOLS="bpfcc-tools bpftrace linux-headers-$(uname -r)"
elif command -v dnf >/dev/null 2>&1; then
  PM=dnf
  # dnf waits for another dnf's lock by itself; retries cover mirror hiccups.
  install() { retry dnf install -y "$@"; }
  refresh() { retry dnf makecache; }
  TOOLS="bcc-tools bpftrace kernel-devel-$(uname -r)"
else
  PM=none
fi

status access running "setting up access"
if [ "$SSM" = yes ]; then
  if systemctl cat amazon-ssm-agent.service >/dev/null 2>&1; then
    systemctl enable --now amazon-ssm-agent >> "$LOG" 2>&1 || true
  elif command -v snap >/dev/null 2>&1 && snap list amazon-ssm-agent >/dev/null 2>&1; then
    snap start --enable amazon-ssm-agent >> "$LOG" 2>&1 || true
  elif [ "$PM" = dnf ]; then
    # RHEL-family images do not ship the agent; it is the only way in for a class without inbound SSH.
    install "https://s3.$REGION.amazonaws.com/amazon-ssm-$REGION/latest/linux_$ARCH/amazon-ssm-agent.rpm" \
      || fail access "installing the SSM agent"
    systemctl enable --now amazon-ssm-agent >> "$LOG" 2>&1 || fail access "starting the SSM agent"
  else
    fail access "no SSM agent on this image"
  fi
fi

[ "$PM" = none ] && fail tools "neither apt-get nor dnf found"
status tools running "installing $TOOLS"
refresh || fail tools "$PM could not refresh its package lists"
install $TOOLS || fail tools "$PM could not install $TOOLS"
# libbpf-tools is packaged on Ubuntu 24.04+, Debian 13+ and EPEL/RHEL 9; older releases run BCC and bpftrace only.
install libbpf-tools || MISSING_OPTIONAL="$MISSING_OPTIONAL libbpf-tools"
for tool in bpftrace; do
  command -v "$tool" >/dev/null 2>&1 || fail tools "$tool is not on PATH after the install"
done
status done ready "eBPF tools installed with $PM"
log "ready"
