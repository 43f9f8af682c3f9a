#!/usr/bin/env bash
# Benchmark (not a test): start-to-exit wall time of native vs ours (`runsc do`) vs the reference
# gVisor runsc (`--platform=ptrace --network=none do`): /bin/true, python3 -c pass, node -e 0.
# The variants run interleaved (native, reference, ours, native, ...) so that the load of a
# shared machine hits them alike; medians of N rounds. Also the CPU time (user+sys of the whole
# process tree) of ours and the reference, which moves less than wall time under load.
# RUNSC_BASE=OTHER_BINARY adds a column for another build of ours (before/after comparisons).
# Usage: tests/bench/start.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
n=${1:-7}
ours=${RUNSC_BIN:-dist/runsc}
ref=${RUNSC_REF:-/usr/bin/runsc}
base=${RUNSC_BASE:-}
[ -x "$ours" ] || { echo "bench: $ours not built (node_modules/.bin/deno run -A scripts/build.ts)" >&2; exit 1; }
have_ref=1
[ -x "$ref" ] && [ "$(id -u)" = 0 ] || have_ref=0
[ "$have_ref" = 1 ] || echo "note: no reference runsc at $ref (Debian package runsc) or not root: its columns are n/a" >&2
# Debian's interpreters, not a version manager's shims on PATH (pyenv's python3 is a bash script
# that runs several programs before Python).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
nd=/usr/bin/node
[ -x "$nd" ] || nd=node
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one NAME CMD...: appends "wall_ms cpu_ms" of one run of CMD to $tmp/NAME (wall from bash's
# clock; user+sys of the process tree from time(1), whose resolution is 10 ms).
one() {
  local name=$1
  shift
  local s e
  s=$EPOCHREALTIME
  /usr/bin/time -f "%U %S" -o "$tmp/t" "$@" >/dev/null 2>&1 || true
  e=$EPOCHREALTIME
  awk -v s="$s" -v e="$e" '{ printf "%.1f %.0f\n", (e - s) * 1000, ($1 + $2) * 1000 }' "$tmp/t" >>"$tmp/$name"
}
# col NAME FIELD: median of column FIELD (1 wall, 2 cpu) of $tmp/NAME, or n/a.
col() { [ -s "$tmp/$1" ] && awk -v f="$2" '{ print $f }' "$tmp/$1" | median || echo n/a; }

hdr="| workload | native ms | reference ms | ours ms | ours/native | ours/ref | reference cpu ms | ours cpu ms |"
sep="|---|---|---|---|---|---|---|---|"
if [ -n "$base" ]; then
  hdr="$hdr base ms | base cpu ms |"
  sep="$sep---|---|"
fi
echo "$hdr"
echo "$sep"
row() {
  local name=$1
  shift
  command -v "$1" >/dev/null || { echo "| $name | (missing $1) | | | | | | |"; return; }
  # A run that fails is not a measurement: say so instead of timing an error path.
  "$ours" do "$@" >/dev/null 2>&1 || { echo "| $name | | | FAILS under ours | | | | |"; return; }
  rm -f "$tmp"/native "$tmp"/ref "$tmp"/ours "$tmp"/base
  local i
  for i in $(seq "$n"); do
    one native "$@"
    [ "$have_ref" = 1 ] && one ref "$ref" --platform=ptrace --network=none do "$@"
    one ours "$ours" do "$@"
    [ -n "$base" ] && one base "$base" do "$@"
  done
  local a b c
  a=$(col native 1)
  b=$(col ref 1)
  c=$(col ours 1)
  local line="| $name | $a | $b | $c | $(ratio "$a" "$c") | $(ratio "$b" "$c") | $(col ref 2) | $(col ours 2) |"
  [ -n "$base" ] && line="$line $(col base 1) | $(col base 2) |"
  echo "$line"
}
row "/bin/true" /bin/true
row "python3 -c pass" "$py" -c pass
row "node -e 0" "$nd" -e 0
echo
echo "median of $n interleaved rounds; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Node reads and parses NODE_EXTRA_CA_CERTS before any JavaScript runs (~80 ms for Debian's bundle,
# measured): the CLI pays it, the roles it starts do not (src/sandbox/spawn.ts drops it).
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  echo "note: NODE_EXTRA_CA_CERTS is set; our CLI's Node start parses it first. Without: env -u NODE_EXTRA_CA_CERTS $0 $n"
fi
