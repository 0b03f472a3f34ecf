#!/usr/bin/env bash
# Make sure a Docker engine answers. On Debian as root, install and start one; otherwise say what to do.
set -euo pipefail

engine_up() { docker info >/dev/null 2>&1; }

if engine_up; then exit 0; fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  cat >&2 <<'MSG'
No Docker engine is reachable.
Start one (for example `sudo systemctl start docker`, or open Docker Desktop),
or point DOCKER_HOST at a running engine, then run this command again.
MSG
  exit 3
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "==> installing Debian's docker.io (no Docker engine found)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
if ! command -v docker >/dev/null 2>&1; then
  apt-get install -y -qq docker-cli >/dev/null 2>&1 || true
fi

echo "==> starting dockerd" >&2
mkdir -p /var/log
nohup dockerd >/var/log/backend-sandbox-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if engine_up; then echo "==> Docker engine is up" >&2; exit 0; fi
  sleep 0.5
done
echo "dockerd did not come up within 30 s; see /var/log/backend-sandbox-dockerd.log" >&2
tail -n 20 /var/log/backend-sandbox-dockerd.log >&2 || true
exit 3
