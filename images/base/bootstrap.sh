#!/usr/bin/env bash
# Build the runner's base image offline: a minimal Debian bookworm with Python 3.11,
# made with debootstrap and loaded with `docker import`. Used when python:3.11-slim cannot be pulled.
# Usage: bootstrap.sh IMAGE_TAG
set -euo pipefail
tag=${1:?usage: bootstrap.sh IMAGE_TAG}

if ! command -v debootstrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  else
    echo "debootstrap is missing: install it (apt-get install debootstrap) or make python:3.11-slim pullable" >&2
    exit 3
  fi
fi

rootfs=$(mktemp -d /var/tmp/sandbox-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" >"$rootfs.log" 2>&1 || {
  tail -n 30 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 3; }
rm -f "$rootfs.log"
# Trim what a grading container never needs.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  - "$tag" >/dev/null
echo "$tag"
