#!/bin/sh
# labctl class expiry, run every minute by labctl-expire.timer: once the absolute expiry has passed, power off
# (EC2 then stops or terminates the VM, as classroom.yaml onExpiry says). A reboot, stop/start or `shutdown -c`
# cannot cancel it; a VM that ignores it is stopped by the class's EventBridge Scheduler backstop.
# The expiry comes from the instance tag labctl-expires-at (IMDS), so `labctl classroom deploy --renew` can move it
# without touching the VM; the copy in /var/lib/labctl/expires-at (from user data) covers a VM without IMDS.
set -u
FILE=${LABCTL_EXPIRES_FILE:-/var/lib/labctl/expires-at}
IMDS=${LABCTL_IMDS:-http://169.254.169.254/latest}
if command -v curl >/dev/null 2>&1; then
  token=$(curl -sf -m 2 -X PUT "$IMDS/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' 2>/dev/null) &&
    tag=$(curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" "$IMDS/meta-data/tags/instance/labctl-expires-at" 2>/dev/null) &&
    epoch=$(date -u -d "$tag" +%s 2>/dev/null) &&
    [ "$epoch" != "$(cat "$FILE" 2>/dev/null)" ] && echo "$epoch" > "$FILE.tmp" && mv "$FILE.tmp" "$FILE"
fi
expires=$(cat "$FILE" 2>/dev/null) || exit 0
case $expires in '' | *[!0-9]*) echo "labctl-expire: $FILE does not hold epoch seconds" >&2; exit 1 ;; esac
if [ "$(date +%s)" -ge "$expires" ]; then
  logger -t labctl "class expired at $(date -u -d "@$expires" +%Y-%m-%dT%H:%M:%SZ): powering off" 2>/dev/null || true
  ${LABCTL_POWEROFF:-systemctl poweroff}
fi
