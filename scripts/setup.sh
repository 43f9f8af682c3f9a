#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine: Debian packages
# (as root) and the npm dependencies. Idempotent. Used by .ci/run and by the README.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES=(busybox-static runc gcc libc6-dev make strace python3 bc docker.io podman bsdutils sqlite3 git perl curl redis-server nginx-light default-jre-headless mariadb-server debootstrap iproute2 runsc)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# npm ci refuses the lock file (it lacks other platforms' optional packages); npm install with
# install scripts skipped is what was verified to work on a fresh clone (toolchain.md).
npm install --no-audit --no-fund --ignore-scripts --loglevel=error
# The Docker and podman tests need dockerd running with our runtime registered and a local
# image; docker-setup.sh registers dist/runsc, so build it first (test.sh rebuilds it in place,
# and Docker looks the binary up by path on every call).
node_modules/.bin/deno run -A scripts/build.ts >/dev/null
DOCKER_SETUP_PODMAN=1 bash scripts/docker-setup.sh
