#!/usr/bin/env bash
# Benchmark (not a test): getppid loop ns/op natively, under our Sentry (pinned to one CPU and
# unpinned), under the reference runsc (--platform=ptrace) if installed, and a C ptrace tracer
# floor. Prints a table with ratios to the C floor.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-50000}
bin=tests/programs/bin
mkdir -p "$bin"
gcc -O2 -static -o "$bin/getppid_loop" tests/programs/getppid_loop.c
cat > "$bin/floor.c" <<'C'
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  cpu_set_t s; CPU_ZERO(&s); CPU_SET(0, &s); sched_setaffinity(0, sizeof s, &s);
  pid_t c = fork();
  if (c == 0) { ptrace(PTRACE_TRACEME, 0, 0, 0); raise(SIGSTOP); for (int i = 0; i < n + 10; i++) syscall(SYS_getppid); _exit(0); }
  int st; waitpid(c, &st, 0);
  ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
  struct user_regs_struct r; struct timespec a, b;
  ptrace(PTRACE_SYSEMU, c, 0, 0);
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) { waitpid(c, &st, __WALL); ptrace(PTRACE_GETREGS, c, 0, &r); r.rax = 1; ptrace(PTRACE_SETREGS, c, 0, &r); ptrace(PTRACE_SYSEMU, c, 0, 0); }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  kill(c, SIGKILL);
  return 0;
}
C
gcc -O2 -o "$bin/floor" "$bin/floor.c"
deno=node_modules/.bin/deno
floor=$("$bin/floor" "$N")
native=$("$bin/getppid_loop" "$N")
ours_pinned=$("$deno" run -A tests/bench/sentry-run.ts "$PWD/$bin/getppid_loop" "$N")
ours_free=$(SENTRY_CPU=-1 "$deno" run -A tests/bench/sentry-run.ts "$PWD/$bin/getppid_loop" "$N")
ref=n/a
if [ -x /usr/bin/runsc ]; then
  ref=$(/usr/bin/runsc --rootless --network=none --platform=ptrace do "$PWD/$bin/getppid_loop" "$N" 2>/dev/null || echo n/a)
fi
ratio() { if [ "$2" = n/a ]; then echo n/a; else echo "scale=2; $2 / $1" | bc; fi; }
printf '%-34s %10s %8s\n' "getppid loop (N=$N)" "ns/op" "x floor"
printf '%-34s %10s %8s\n' "native" "$native" "$(ratio "$floor" "$native")"
printf '%-34s %10s %8s\n' "C ptrace tracer floor (1 CPU)" "$floor" "1.00"
printf '%-34s %10s %8s\n' "ours, Sentry+stubs on one CPU" "$ours_pinned" "$(ratio "$floor" "$ours_pinned")"
printf '%-34s %10s %8s\n' "ours, unpinned" "$ours_free" "$(ratio "$floor" "$ours_free")"
printf '%-34s %10s %8s\n' "reference runsc --platform=ptrace" "$ref" "$(ratio "$floor" "$ref")"
