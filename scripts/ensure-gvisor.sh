#!/usr/bin/env bash
# Optional second isolation (`sandbox check --isolation gvisor`): install Debian's runsc, register
# it with Docker as the runtime "runsc", and make the engine pick it up.
#
# The engine first gets SIGHUP (dockerd reloads `runtimes` from daemon.json live: running
# containers are untouched). Only if that does not register it is dockerd restarted, the way
# scripts/ensure-docker.sh starts it — which stops every running container, so never while
# tests run. NO_DOCKERD_RESTART=1 makes it stop with a message instead of restarting.
set -euo pipefail
cd "$(dirname "$0")"

registered() { docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; }

bash ./ensure-docker.sh
if registered; then echo "==> gVisor (runsc) is already registered with Docker" >&2; exit 0; fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  cat >&2 <<'MSG'
gVisor is not registered with Docker. Install runsc (https://gvisor.dev/docs/user_guide/install/)
and add to /etc/docker/daemon.json:
  "runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=none"]}}
then reload Docker (`sudo systemctl reload docker`, or send dockerd SIGHUP).
MSG
  exit 3
fi

if ! command -v runsc >/dev/null 2>&1; then
  echo "==> installing Debian's runsc (gVisor)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq runsc >/dev/null
fi

echo "==> registering runsc in /etc/docker/daemon.json" >&2
mkdir -p /etc/docker
python3 - "$(command -v runsc)" <<'PY'
import json, pathlib, sys
path = pathlib.Path("/etc/docker/daemon.json")
text = path.read_text() if path.exists() else ""
config = json.loads(text) if text.strip() else {}
config.setdefault("runtimes", {})["runsc"] = {
    "path": sys.argv[1],
    "runtimeArgs": ["--platform=ptrace", "--network=none"],
}
tmp = path.with_suffix(".json.tmp")
tmp.write_text(json.dumps(config, indent=2) + "\n")
tmp.replace(path)
PY

pid="$(cat /var/run/docker.pid 2>/dev/null || pgrep -xo dockerd || true)"
if [ -n "$pid" ]; then
  echo "==> asking dockerd ($pid) to reload its configuration" >&2
  kill -HUP "$pid"
  for _ in $(seq 1 20); do registered && break; sleep 0.5; done
fi
if ! registered; then
  if [ "${NO_DOCKERD_RESTART:-0}" = 1 ]; then
    echo "runsc is registered in daemon.json but dockerd did not load it; restart dockerd" >&2
    exit 3
  fi
  echo "==> restarting dockerd (running containers stop)" >&2
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker 2>/dev/null; then
    systemctl restart docker
  else
    if [ -n "$pid" ]; then
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    bash ./ensure-docker.sh
  fi
fi
registered || { echo "runsc is still not among Docker's runtimes; see /var/log/backend-sandbox-dockerd.log" >&2; exit 3; }
echo "==> gVisor is registered: sandbox check DIR --isolation gvisor" >&2
