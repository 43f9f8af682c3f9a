#!/usr/bin/env bash
# Benchmark (not a test): fork + child _exit + waitpid, µs per fork, natively and under our
# Sentry, with 1, 8 and 64 MiB of touched heap in the parent (copy-on-write makes the Sentry's
# cost nearly independent of it), then fork+exec+wait of the dynamic /bin/true. N per run (default 100).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-100}
bin=tests/programs/bin
mkdir -p "$bin"
gcc -O2 -static -o "$bin/fork_loop" tests/programs/fork_loop.c
deno=node_modules/.bin/deno
printf '%-24s %12s %12s\n' "fork+exit+wait (N=$N)" "native µs" "ours µs"
for mb in 1 8 64; do
  native=$("$bin/fork_loop" "$N" "$mb")
  ours=$("$deno" run -A tests/bench/sentry-run.ts "$PWD/$bin/fork_loop" "$N" "$mb")
  printf '%-24s %12s %12s\n' "heap ${mb} MiB" "$native" "$ours"
done
gcc -O2 -static -o "$bin/exec_loop" tests/programs/exec_loop.c
native=$("$bin/exec_loop" "$N" | cut -d' ' -f1)
ours=$("$deno" run -A tests/bench/sentry-run.ts "$PWD/$bin/exec_loop" "$N" | cut -d' ' -f1)
printf '%-24s %12s %12s\n' "fork+exec /bin/true" "$native" "$ours"
