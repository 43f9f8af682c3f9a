/* Init semantics and limits under the Sentry (tests/unit/sentry/limits.test.ts).
 *   init_limits signals   as pid 1: SIGUSR1 and SIGKILL sent to itself with the default action
 *                         (discarded for a container's init), then a SIGUSR2 handler runs;
 *                         prints "alive", "handler 12", exits 0.
 *   init_limits forkn N   forks up to N children that pause; prints "forked K" (and the errno
 *                         of the failed fork), kills them, exits 0.
 *   init_limits memhog N  allocates and touches N MiB; prints "allocated N MiB".
 *   init_limits spin N    allocates and touches N MiB at once, then computes for seconds with
 *                         no syscall; prints "survived".
 *   init_limits show      prints the cgroup files and MemTotal the application sees. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int got;
static void on_usr2(int sig) { got = sig; }

static void cat(const char *path) {
  char buf[256];
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    printf("%s: %s\n", path, strerror(errno));
    return;
  }
  if (fgets(buf, sizeof buf, f) != NULL) printf("%s: %s", path, buf);
  fclose(f);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "";
  long n = argc > 2 ? atol(argv[2]) : 0;
  if (strcmp(mode, "signals") == 0) {
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGKILL);
    printf("alive\n");
    signal(SIGUSR2, on_usr2);
    kill(getpid(), SIGUSR2);
    printf("handler %d\n", got);
    return 0;
  }
  if (strcmp(mode, "forkn") == 0) {
    pid_t kids[4096];
    long k = 0;
    for (; k < n && k < 4096; k++) {
      pid_t p = fork();
      if (p < 0) {
        printf("fork failed: %s\n", strerror(errno));
        break;
      }
      if (p == 0) {
        pause();
        _exit(0);
      }
      kids[k] = p;
    }
    printf("forked %ld\n", k);
    for (long i = 0; i < k; i++) kill(kids[i], SIGKILL);
    while (wait(NULL) > 0) {}
    return 0;
  }
  if (strcmp(mode, "memhog") == 0) {
    for (long i = 0; i < n; i++) {
      char *p = malloc(1 << 20);
      if (p == NULL) return 2;
      memset(p, 1, 1 << 20);
    }
    printf("allocated %ld MiB\n", n);
    return 0;
  }
  if (strcmp(mode, "spin") == 0) {
    char *p = malloc(n << 20);
    if (p == NULL) return 2;
    memset(p, 1, n << 20);
    for (volatile long i = 0; i < 3000000000L; i++) {}
    printf("survived %d\n", p[(n << 20) - 1]); /* uses the memory: the memset stays */
    return 0;
  }
  if (strcmp(mode, "show") == 0) {
    cat("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    cat("/sys/fs/cgroup/pids/pids.max");
    cat("/sys/fs/cgroup/pids/pids.current");
    cat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
    cat("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    cat("/proc/meminfo");
    cat("/proc/self/cgroup");
    return 0;
  }
  return 1;
}
