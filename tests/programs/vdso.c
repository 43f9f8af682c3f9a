// The vDSO: the auxv names one, /proc/self/maps shows it, clocks read through it agree with the
// clock syscalls and move forward, and it survives fork, exec and an unmap of it (then gone).
// Prints facts and booleans only (no times), so native and sandboxed runs print the same.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

// Start and end of the first /proc/self/maps line naming `name` (0 when none).
static unsigned long maps_range(const char *name, unsigned long *end) {
  FILE *f = fopen("/proc/self/maps", "r");
  char l[512];
  unsigned long s = 0;
  *end = 0;
  while (f && fgets(l, sizeof l, f)) {
    if (strstr(l, name) && sscanf(l, "%lx-%lx", &s, end) == 2) break;
    s = 0;
  }
  if (f) fclose(f);
  return s;
}

static int maps_count(const char *name) {
  FILE *f = fopen("/proc/self/maps", "r");
  char l[512];
  int n = 0;
  while (f && fgets(l, sizeof l, f)) n += strstr(l, name) != NULL;
  if (f) fclose(f);
  return n;
}

static long ns(struct timespec t) { return t.tv_sec * 1000000000L + t.tv_nsec; }

static void clocks(const char *who) {
  struct timespec v0, s, v1, r;
  clock_gettime(CLOCK_MONOTONIC, &v0);
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &s);
  clock_gettime(CLOCK_MONOTONIC, &v1);
  int ordered = ns(v0) <= ns(s) && ns(s) <= ns(v1);
  clock_gettime(CLOCK_REALTIME, &r);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  time_t t = time(NULL);
  int real = r.tv_sec > 1700000000 && tv.tv_sec - r.tv_sec <= 1 && t - tv.tv_sec <= 1;
  long prev = 0, back = 0;
  for (int i = 0; i < 10000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &v1);
    back += ns(v1) < prev;
    prev = ns(v1);
  }
  printf("%s: vdso/syscall monotonic ordered %d, realtime sane %d, went back %ld\n", who, ordered, real, back);
}

int main(int argc, char **argv) {
  unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
  printf("auxv vdso %s, elf magic %d\n", vdso ? "yes" : "no", vdso && !memcmp((void *)vdso, "\177ELF", 4));
  printf("maps [vdso] %d, [vvar] %d\n", maps_count("[vdso]"), maps_count("[vvar]"));
  if (argc > 1) {  // the exec'd copy
    clocks("exec'd");
    return 0;
  }
  clocks("main");
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    clocks("child");
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "again", (char *)NULL);
    _exit(127);
  }
  int st;
  waitpid(p, &st, 0);
  printf("child status %d\n", st);
  // The vDSO cannot be split (EINVAL for part of it); unmapped whole it is gone from maps too,
  // and the clock syscalls still work.
  unsigned long end, start = maps_range("[vdso]", &end);
  printf("maps [vdso] at auxv %d\n", start == vdso);
  int r = munmap((void *)vdso, sysconf(_SC_PAGESIZE));
  printf("munmap part of vdso %d %s\n", r, r ? strerrorname_np(errno) : "");
  printf("munmap vdso %d\n", munmap((void *)start, end - start));
  printf("maps [vdso] after %d\n", maps_count("[vdso]"));
  struct timespec s;
  printf("clock syscall after %ld\n", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &s));
  return 0;
}
