// Capabilities of a root process: capget/capset (versions, subset rules), what dropping one
// forbids (chown, DAC override), and what setuid to a non-root uid leaves. Run as root. Sets
// print relative to the starting ones (the runner's own set may lack some, e.g. SYS_RESOURCE).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
static struct __user_cap_data_struct d[2];
static unsigned long long start;

static unsigned long long both(unsigned lo, unsigned hi) { return (unsigned long long)hi << 32 | lo; }

// A set as the bits it lacks of the starting permitted set ("-0": all of them), or "none".
static const char *rel(unsigned long long v) {
  static char b[4][40];
  static int i;
  char *s = b[i++ % 4];
  if (v == 0) return "none";
  snprintf(s, 40, "-%llx+%llx", start & ~v, v & ~start);
  return s;
}

static void show(const char *what) {
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  long r = syscall(SYS_capget, &hdr, d);
  unsigned long long eff = both(d[0].effective, d[1].effective), prm = both(d[0].permitted, d[1].permitted);
  printf("%s: capget %ld eff %s prm %s inh %s\n", what, r, rel(eff), rel(prm),
         rel(both(d[0].inheritable, d[1].inheritable)));
}

// /proc/self/status's capability lines, each relative to the starting set the same way.
static void status(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char l[256];
  unsigned long long v;
  while (f && fgets(l, sizeof l, f)) {
    if (strncmp(l, "Cap", 3) || sscanf(l + 7, "%llx", &v) != 1) continue;
    printf("%.6s %s\n", l, rel(v));
  }
  if (f) fclose(f);
}

static int set(unsigned lo_eff, unsigned lo_prm) {
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  struct __user_cap_data_struct n[2] = {{lo_eff, lo_prm, 0}, {d[1].effective, d[1].permitted, 0}};
  return syscall(SYS_capset, &hdr, n) ? errno : 0;
}

int main(void) {
  syscall(SYS_capget, &hdr, d);
  start = both(d[0].permitted, d[1].permitted);
  show("start");
  status();
  struct __user_cap_header_struct bad = {0x12345678, 0};
  long r = syscall(SYS_capget, &bad, d);
  printf("bad version: %ld %s, version now %x\n", r, strerrorname_np(errno), bad.version);
  hdr.pid = 999999;
  printf("capget unknown pid: %s\n", syscall(SYS_capget, &hdr, d) ? strerrorname_np(errno) : "ok");
  hdr.pid = 0;
  show("again");
  char path[] = "/tmp/capsXXXXXX";
  int fd = mkstemp(path);
  close(fd);
  chmod(path, 0600);
  printf("chown as root: %d\n", chown(path, 1, 1) ? errno : 0);
  // Drop CAP_CHOWN (bit 0) and CAP_DAC_OVERRIDE (bit 1) from effective and permitted.
  unsigned lo = d[0].permitted & ~3u;
  printf("capset drop: %d\n", set(lo, lo));
  show("dropped");
  printf("chown without CAP_CHOWN: %s\n", chown(path, 2, 2) ? strerrorname_np(errno) : "ok");
  int w = open(path, O_WRONLY);
  printf("open another's 0600 file for write without DAC_OVERRIDE: %s\n", w < 0 ? strerrorname_np(errno) : "ok");
  if (w >= 0) close(w);
  printf("capset regain: %s\n", set(lo | 1, lo | 1) ? "EPERM" : "ok");
  printf("capset eff beyond prm: %s\n", set(lo | 2, lo) ? "EPERM" : "ok");
  pid_t p = fork();
  if (p == 0) {
    printf("setuid 1000: %d\n", setuid(1000));
    show("after setuid");
    status();
    printf("setuid back to 0: %s\n", setuid(0) ? strerrorname_np(errno) : "ok");
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(p, &st, 0);
  unlink(path);
  return 0;
}
