// pidfds (the parts Linux 5.15 and later agree on): pidfd_open rules, polling for exit, pidfd_send_signal (default and explicit siginfo),
// waitid(P_PIDFD), CLONE_PIDFD through clone and clone3, and their argument errors.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int popen_(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int psend(int fd, int sig, siginfo_t *info, unsigned flags) {
  return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}
static const char *res(long r) { return r >= 0 ? "ok" : strerror(errno); }
static int readable(int fd, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, ms);
}

static volatile int got_code, got_value;
static void on_usr1(int s, siginfo_t *si, void *u) {
  (void)s;
  (void)u;
  got_code = si->si_code;
  got_value = si->si_value.sival_int;
}


int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int self = popen_(getpid(), 0);
  printf("pidfd_open(self): %s, cloexec %d\n", res(self), fcntl(self, F_GETFD) == FD_CLOEXEC);
  char link[64] = "", path[32];
  snprintf(path, sizeof path, "/proc/self/fd/%d", self);
  (void)!readlink(path, link, sizeof link - 1);
  printf("link: %s\n", link);
  printf("pidfd_open(0): %s\n", res(popen_(0, 0)));
  printf("pidfd_open(no such pid): %s\n", res(popen_(0x3ffff0, 0)));
  printf("pidfd_open(bad flags): %s\n", res(popen_(getpid(), 1)));

  struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
  sigaction(SIGUSR1, &sa, NULL);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_signo = SIGUSR1;
  si.si_code = SI_QUEUE;
  si.si_value.sival_int = 77;
  const char *sent = res(psend(self, SIGUSR1, &si, 0));
  printf("send SI_QUEUE to self: %s, code %d value %d\n", sent, got_code == SI_QUEUE, got_value);
  printf("send with unknown flags: %s\n", res(psend(self, 0, NULL, 8)));
  printf("send on a non-pidfd: %s\n", res(psend(1, 0, NULL, 0)));
  si.si_signo = SIGUSR2;
  printf("send, siginfo for another signal: %s\n", res(psend(self, SIGUSR1, &si, 0)));

  int p[2];
  if (pipe(p) != 0) return 1;
  pid_t c = fork();
  if (c == 0) {
    char b;
    (void)!read(p[0], &b, 1);
    _exit(0);
  }
  int cfd = popen_(c, PIDFD_NONBLOCK);
  printf("child pidfd: %s, nonblock %d\n", res(cfd), (fcntl(cfd, F_GETFL) & O_NONBLOCK) != 0);
  printf("readable while running: %d\n", readable(cfd, 0));
  si.si_signo = SIGTERM;
  si.si_code = SI_USER;
  printf("send SI_USER siginfo to another process: %s\n", res(psend(cfd, SIGTERM, &si, 0)));
  printf("send SIGTERM: %s\n", res(psend(cfd, SIGTERM, NULL, 0)));
  printf("readable after death: %d\n", readable(cfd, 5000));
  siginfo_t wi;
  memset(&wi, 0, sizeof wi);
  const char *w = res(waitid(P_PIDFD, cfd, &wi, WEXITED));
  printf("waitid(P_PIDFD): %s, pid ok %d, code %d, status %d\n", w, wi.si_pid == c, wi.si_code,
         wi.si_status);
  printf("send after reaping: %s\n", res(psend(cfd, 0, NULL, 0)));
  printf("still readable: %d\n", readable(cfd, 0));
  printf("waitid(P_PIDFD) on a non-pidfd: %s\n", res(waitid(P_PIDFD, 1, &wi, WEXITED)));

  // CLONE_PIDFD through clone3.
  int pidfd = -1;
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_PIDFD;
  ca.pidfd = (uintptr_t)&pidfd;
  ca.exit_signal = SIGCHLD;
  long r = syscall(SYS_clone3, &ca, sizeof ca);
  if (r == 0) _exit(5);
  printf("clone3 CLONE_PIDFD: %s, fd set %d, cloexec %d\n", res(r), pidfd >= 0,
         fcntl(pidfd, F_GETFD) == FD_CLOEXEC);
  printf("readable: %d\n", readable(pidfd, 5000));
  memset(&wi, 0, sizeof wi);
  waitid(P_PIDFD, pidfd, &wi, WEXITED);
  printf("waitid: pid ok %d, status %d\n", wi.si_pid == r, wi.si_status);
  close(pidfd);

  ca.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
  ca.parent_tid = ca.pidfd;
  printf("clone3 pidfd == parent_tid: %s\n", res(syscall(SYS_clone3, &ca, sizeof ca)));
  ca.flags = CLONE_PIDFD;
  ca.pidfd = 8;
  printf("clone3 pidfd bad pointer: %s\n", res(syscall(SYS_clone3, &ca, sizeof ca)));

  // Legacy clone: the pidfd comes back through parent_tid.
  pidfd = -1;
  r = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
  if (r == 0) _exit(6);
  printf("clone CLONE_PIDFD: %s, fd set %d\n", res(r), pidfd >= 0);
  memset(&wi, 0, sizeof wi);
  waitid(P_PIDFD, pidfd, &wi, WEXITED);
  printf("waitid: status %d\n", wi.si_status);
  printf("clone CLONE_PIDFD|CLONE_PARENT_SETTID: %s\n",
         res(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0)));
  return 0;
}
