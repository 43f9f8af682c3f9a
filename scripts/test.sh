#!/usr/bin/env bash
# The test command of the README: static checks, the single binary, then every test.
# Runs from a checkout after `npm install` (scripts/setup.sh does that and the apt packages).
set -euo pipefail
cd "$(dirname "$0")/.."
# Plain logs in CI.
[ "${CI:-}" = true ] && export NO_COLOR=1
deno=node_modules/.bin/deno
[ -x "$deno" ] || { echo "test: $deno missing: run 'npm install' (or scripts/setup.sh) first" >&2; exit 1; }
echo "== format and lint"
"$deno" fmt --check
"$deno" lint
echo "== type check"
"$deno" check src/main.ts scripts/*.ts
echo "== build dist/runsc"
"$deno" run -A scripts/build.ts
echo "== tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
RUNSC_BIN="$PWD/dist/runsc" "$deno" test -A --parallel "$@" 2>&1 | tee "$log" || rc=$?
# deno's own summary reads "ok | N passed (M steps) | K failed"; repeat it in the plain
# "N passed, K failed" form that CI tooling recognises.
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1 || true)
if [ -n "$summary" ]; then
  passed=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")
  failed=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")
  # Suites skipped for a missing machine feature (KVM: tests/unit/platform/kvm-here.ts) are
  # reported as deno's "ignored"; say how many, so a skip is never silent.
  skipped=0
  grep -qE '\| [0-9]+ ignored' <<<"$summary" && skipped=$(sed -E 's/.*\| ([0-9]+) ignored.*/\1/' <<<"$summary")
  echo "tests: $passed passed, $failed failed, $skipped skipped"
fi
exit "$rc"
