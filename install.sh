#!/bin/sh
# Installs runsc.
#   From a checkout:   ./install.sh [--prefix DIR] [--docker] [--runtime-name NAME] [-- RUNTIME_ARGS...]
#     builds dist/runsc (npm dependencies installed if missing) and installs it as DIR/bin/runsc.
#   Without a checkout (curl -fsSL URL/install.sh | sh -s -- [--prefix DIR] [--docker]):
#     downloads runsc and runsc.sha256 from $RUNSC_RELEASE_URL (or --release-url), verifies the
#     checksum, then installs. See docs/install.md.
# --docker registers the runtime in /etc/docker/daemon.json (`runsc install`) and reloads dockerd.
# Idempotent: running it again replaces the binary atomically and rewrites the same entry.
set -eu

prefix=/usr/local
docker=0
runtime_name=runsc
release_url=${RUNSC_RELEASE_URL:-}
usage() {
  sed -n '2,10p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --docker) docker=1; shift ;;
    --runtime-name) [ $# -ge 2 ] || usage; runtime_name=$2; shift 2 ;;
    --runtime-name=*) runtime_name=${1#--runtime-name=}; shift ;;
    --release-url) [ $# -ge 2 ] || usage; release_url=$2; shift 2 ;;
    --release-url=*) release_url=${1#--release-url=}; shift ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) echo "install.sh: unknown argument: $1" >&2; usage ;;
  esac
done

die() { echo "install.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" 2>/dev/null && pwd || true)
staged=""
cleanup() { [ -n "$staged" ] && rm -f "$staged" "$staged.sha256"; return 0; }
trap cleanup EXIT INT TERM

if [ -n "$here" ] && [ -f "$here/package.json" ] && [ -f "$here/src/main.ts" ]; then
  # From a checkout: build.
  cd "$here"
  command -v node >/dev/null 2>&1 || die "node (>= 20) is required to build; apt-get install nodejs npm"
  if [ ! -x node_modules/.bin/deno ] || [ ! -d node_modules/koffi ]; then
    echo "install.sh: installing npm dependencies"
    npm install --no-audit --no-fund --ignore-scripts --loglevel=error
  fi
  echo "install.sh: building dist/runsc"
  node_modules/.bin/deno run -A scripts/build.ts >/dev/null
  src="$here/dist/runsc"
else
  # Without a checkout: download a release and verify it.
  [ -n "$release_url" ] || die "not in a checkout: set RUNSC_RELEASE_URL or --release-url to where runsc and runsc.sha256 are published"
  command -v curl >/dev/null 2>&1 || die "curl is required to download a release"
  command -v sha256sum >/dev/null 2>&1 || die "sha256sum is required to verify a release"
  staged=$(mktemp "${TMPDIR:-/tmp}/runsc-download.XXXXXX")
  curl -fsSL "$release_url/runsc" -o "$staged" || die "download of $release_url/runsc failed"
  curl -fsSL "$release_url/runsc.sha256" -o "$staged.sha256" || die "download of $release_url/runsc.sha256 failed"
  want=$(cut -d' ' -f1 <"$staged.sha256")
  got=$(sha256sum "$staged" | cut -d' ' -f1)
  [ -n "$want" ] && [ "$want" = "$got" ] || die "checksum mismatch for $release_url/runsc (want $want, got $got)"
  src=$staged
fi

mkdir -p "$prefix/bin"
tmp="$prefix/bin/.runsc.install.$$"
cp "$src" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$prefix/bin/runsc"
"$prefix/bin/runsc" --version >/dev/null || die "installed $prefix/bin/runsc does not run"
echo "install.sh: installed $prefix/bin/runsc"

if [ "$docker" = 1 ]; then
  "$prefix/bin/runsc" install --runtime "$runtime_name" -- "$@" || die "runsc install failed"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker 2>/dev/null; then
    systemctl reload docker || systemctl restart docker
  elif pid=$(pidof dockerd 2>/dev/null); then
    kill -HUP $pid
  else
    echo "install.sh: dockerd is not running; the runtime is registered for its next start" >&2
  fi
  echo "install.sh: docker runtime '$runtime_name' registered"
fi
