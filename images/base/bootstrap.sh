#!/usr/bin/env bash
# Build the runner's base image offline: a minimal Debian bookworm with Python 3.11 and the
# services graders may start (redis-server 7, PostgreSQL 15, libfaketime), made with debootstrap
# and loaded with `docker import`. Used when python:3.11-slim cannot be pulled. The runner's
# Dockerfile installs the same packages over python:3.11-slim (SERVICE_PACKAGES there).
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
packages=python3,python3-venv,ca-certificates,redis-server,postgresql-15,libfaketime
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" >"$rootfs.log" 2>&1 || {
  tail -n 30 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 3; }
rm -f "$rootfs.log"
# Trim what a grading container never needs. PostgreSQL runs with jit=off: libLLVM and libz3
# (~130 MB) only serve its llvmjit.so plug-in, never the server itself. Full Perl (~50 MB) only
# serves postgresql-common's wrapper scripts (pg_ctlcluster, …), which the graders do not use:
# they run initdb and postgres directly. Locale sources: C.UTF-8 is built into glibc. The
# package's own cluster is unused (the runner image prepares its own).
rm -rf "$rootfs"/usr/lib/*/libLLVM-*.so* "$rootfs"/usr/lib/*/libz3.so* \
       "$rootfs"/usr/lib/postgresql/15/lib/llvmjit* "$rootfs"/usr/lib/postgresql/15/lib/bitcode \
       "$rootfs"/usr/lib/*/perl "$rootfs"/usr/share/perl "$rootfs"/usr/lib/*/libperl.so* \
       "$rootfs"/usr/share/i18n "$rootfs"/var/lib/postgresql/15 "$rootfs"/etc/postgresql/15
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  - "$tag" >/dev/null
echo "$tag"
