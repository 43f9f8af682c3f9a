#!/usr/bin/env bash
# Prepares this machine for the Docker end-to-end tests (tests/e2e/docker.test.ts):
#   1. installs docker.io from Debian (only when dockerd is absent),
#   2. starts dockerd in the background (only when `docker info` does not answer), log in $DOCKERD_LOG,
#   3. registers dist/runsc as the Docker runtime "runsc-test" (`runsc install`, args
#      --platform=ptrace --network=none) and reloads dockerd (SIGHUP),
#   4. builds the local test image (no registry is reachable): busybox-static + its applet
#      symlinks + static C test programs from tests/e2e/docker-image/, imported with `docker import`;
#      and a Debian image (debootstrap --variant=minbase of this host's release, from the mirror
#      apt is configured with), built once: tests/e2e/docker-debian.test.ts.
# Safe to run any number of times. Needs root and a built dist/runsc (scripts/build.ts).
# Env: RUNSC_BIN (default dist/runsc), DOCKER_TEST_RUNTIME_NAME (default runsc-test),
#      DOCKER_TEST_IMAGE (default runsc-test-busybox), DOCKERD_LOG (default /var/log/dockerd-runsc-test.log),
#      DOCKER_SETUP_PODMAN=1 also installs podman (tests/e2e/podman.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNSC=$(realpath -m "${RUNSC_BIN:-dist/runsc}")
RT_NAME=${DOCKER_TEST_RUNTIME_NAME:-runsc-test}
IMAGE=${DOCKER_TEST_IMAGE:-runsc-test-busybox}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd-runsc-test.log}
# The docker.io client matches dockerd's API; another `docker` earlier in PATH may not.
DOCKER=/usr/bin/docker
say() { echo "docker-setup: $*"; }
die() { echo "docker-setup: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, starts dockerd, writes /etc/docker/daemon.json)"
[ -x "$RUNSC" ] || die "$RUNSC is missing: build it first (node_modules/.bin/deno run -A scripts/build.ts)"

# --- 1. packages -----------------------------------------------------------------------------
apt_install() {
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
pkgs=()
[ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] || pkgs+=(docker.io)
[ -x /bin/busybox ] && /bin/busybox --list-full >/dev/null 2>&1 || pkgs+=(busybox-static)
command -v gcc >/dev/null || pkgs+=(gcc libc6-dev)
[ "${DOCKER_SETUP_PODMAN:-0}" = 1 ] && ! command -v podman >/dev/null && pkgs+=(podman)
[ "${#pkgs[@]}" -eq 0 ] || apt_install "${pkgs[@]}"
{ LC_ALL=C ldd /bin/busybox 2>&1 || true; } | grep -q 'not a dynamic executable' ||
  die "/bin/busybox is not the static busybox (apt-get install busybox-static)"

# --- 2. dockerd ------------------------------------------------------------------------------
if ! timeout 20 "$DOCKER" info >/dev/null 2>&1; then
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  say "starting dockerd (log: $DOCKERD_LOG)"
  # setsid: dockerd outlives this script and the CI step's process group.
  setsid dockerd --host unix:///var/run/docker.sock >>"$DOCKERD_LOG" 2>&1 </dev/null &
  for _ in $(seq 60); do
    timeout 10 "$DOCKER" info >/dev/null 2>&1 && break
    sleep 1
  done
  timeout 20 "$DOCKER" info >/dev/null 2>&1 || { tail -20 "$DOCKERD_LOG" >&2; die "dockerd did not come up"; }
fi

# --- 3. our runtime --------------------------------------------------------------------------
"$RUNSC" install --runtime "$RT_NAME" --path "$RUNSC" -- --platform=ptrace --network=none
pid=$(cat /var/run/docker.pid 2>/dev/null || pgrep -xo dockerd || true)
[ -n "$pid" ] || die "dockerd answers but its pid is unknown (no /var/run/docker.pid): cannot reload it"
kill -HUP "$pid"
for _ in $(seq 30); do
  timeout 10 "$DOCKER" info --format '{{json .Runtimes}}' 2>/dev/null | grep -q "\"$RT_NAME\"" && break
  sleep 1
done
timeout 10 "$DOCKER" info --format '{{json .Runtimes}}' | grep -q "\"$RT_NAME\"" ||
  die "dockerd did not pick up runtime $RT_NAME after SIGHUP (see $DOCKERD_LOG)"
say "runtime $RT_NAME -> $RUNSC --platform=ptrace --network=none"

# --- 4. test image ---------------------------------------------------------------------------
SRC=$REPO/tests/e2e/docker-image
# The image is rebuilt only when its inputs change: their hash is a label on the image.
# Bump IMAGE_LAYOUT when the way the rootfs is assembled below changes.
IMAGE_LAYOUT=1
sum=$( (echo "$IMAGE_LAYOUT"; sha256sum /bin/busybox "$SRC"/*.c | awk '{print $1}') | sha256sum | cut -c1-16)
have=$(timeout 20 "$DOCKER" image inspect -f '{{index .Config.Labels "runsc-test.inputs"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" != "$sum" ]; then
  root=$(mktemp -d /tmp/runsc-test-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,test}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  for c in "$SRC"/*.c; do
    gcc -O2 -static -o "$root/test/$(basename "$c" .c)" "$c"
  done
  tar -C "$root" --numeric-owner -c . |
    timeout 120 "$DOCKER" import --change "LABEL runsc-test.inputs=$sum" --change 'CMD ["/bin/sh"]' \
      --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin:/test' - "$IMAGE" >/dev/null
  say "built image $IMAGE ($sum)"
else
  say "image $IMAGE up to date"
fi
# --- 4b. a Debian image ------------------------------------------------------------------------
# What users run most is a glibc distribution image, not busybox: debootstrap (minbase) of this
# host's release from the mirror apt already uses (no other host is named here). Built once
# (~70 s, ~200 MiB); DEBIAN_LAYOUT in the label forces a rebuild when this recipe changes.
DEBIAN_IMAGE=${DOCKER_TEST_DEBIAN_IMAGE:-runsc-test-debian}
DEBIAN_LAYOUT=1
dhave=$(timeout 20 "$DOCKER" image inspect -f '{{index .Config.Labels "runsc-test.layout"}}' "$DEBIAN_IMAGE" 2>/dev/null || true)
if [ "$dhave" != "$DEBIAN_LAYOUT" ]; then
  command -v debootstrap >/dev/null || apt_install debootstrap
  suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
  mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1 || true)
  [ -n "$mirror" ] || mirror=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | head -n 1 || true)
  [ -n "$suite" ] && [ -n "$mirror" ] || die "cannot tell the Debian release or apt's mirror for debootstrap"
  droot=$(mktemp -d /tmp/runsc-test-debian.XXXXXX)
  trap 'rm -rf "$droot" "${root:-}"' EXIT
  dlog=$droot.log
  timeout 600 debootstrap --variant=minbase "$suite" "$droot" "$mirror" >"$dlog" 2>&1 ||
    die "debootstrap $suite failed (log: $dlog)"
  rm -f "$dlog"
  tar -C "$droot" --numeric-owner -c . |
    timeout 300 "$DOCKER" import --change "LABEL runsc-test.layout=$DEBIAN_LAYOUT" --change 'CMD ["/bin/bash"]' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$droot"
  say "built image $DEBIAN_IMAGE (debootstrap $suite)"
else
  say "image $DEBIAN_IMAGE up to date"
fi
# --- 5. the same image for the other clients --------------------------------------------------
# containerd (dockerd's own, namespace runsc-test) for `ctr run`, and podman when it is installed.
CTR=(ctr --address /var/run/docker/containerd/containerd.sock -n runsc-test)
ref=docker.io/library/$IMAGE:latest
# Re-imported when the docker image was just rebuilt or containerd lacks it.
refs=$(timeout 20 "${CTR[@]}" images ls -q 2>/dev/null || true)
if [ "$have" != "$sum" ] || ! grep -qx "$ref" <<<"$refs"; then
  timeout 120 "$DOCKER" save "$IMAGE" | timeout 120 "${CTR[@]}" images import - >/dev/null
  say "imported $IMAGE into containerd namespace runsc-test"
fi
if command -v podman >/dev/null; then
  P=(podman --cgroup-manager=cgroupfs --events-backend=file)
  phave=$(timeout 20 "${P[@]}" image inspect -f '{{index .Labels "runsc-test.inputs"}}' "localhost/$IMAGE" 2>/dev/null || true)
  if [ "$phave" != "$sum" ]; then
    timeout 120 "$DOCKER" save "$IMAGE" | timeout 120 "${P[@]}" load >/dev/null 2>&1
    say "loaded $IMAGE into podman"
  fi
fi
say "ready: docker run --rm --runtime=$RT_NAME --network=none $IMAGE echo hi"
