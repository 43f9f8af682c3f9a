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
RUNSC_BIN="$PWD/dist/runsc" "$deno" test -A --parallel "$@"
