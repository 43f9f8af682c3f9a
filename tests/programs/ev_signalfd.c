// signalfd: read consumes blocked signals as signalfd_siginfo, poll/epoll readiness, mask
// change, nonblocking EAGAIN, a timer's sigval, blocking read woken by a child's kill.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void res(const char *what, long r) {
  printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "ok");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGUSR2);
  sigaddset(&set, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  printf("signalfd ok %d\n", fd >= 0);
  struct signalfd_siginfo si[4];
  res("empty read", read(fd, si, sizeof si));
  res("short read", read(fd, si, 100));
  struct pollfd p = {.fd = fd, .events = POLLIN};
  printf("poll empty: %d\n", poll(&p, 1, 0));
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 9};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  kill(getpid(), SIGUSR2);
  kill(getpid(), SIGUSR1);
  int pr = poll(&p, 1, 0);
  printf("poll ready: %d %#x\n", pr, p.revents);
  printf("epoll ready: %d\n", epoll_wait(ep, &ev, 1, 0));
  ssize_t n = read(fd, si, sizeof si);
  printf("read %zd bytes\n", n);
  for (int i = 0; i < n / (ssize_t)sizeof si[0]; i++)
    printf("  signo %u code %d pid-ok %d uid %u\n", si[i].ssi_signo, si[i].ssi_code,
           si[i].ssi_pid == (unsigned)getpid(), si[i].ssi_uid);
  printf("poll after: %d\n", poll(&p, 1, 0));
  // A timer's sigval arrives in ssi_int/ssi_ptr with ssi_overrun.
  timer_t tm;
  struct sigevent se = {0};
  se.sigev_notify = SIGEV_SIGNAL;
  se.sigev_signo = SIGUSR1;
  se.sigev_value.sival_ptr = (void *)0x123456789abcULL;
  timer_create(CLOCK_MONOTONIC, &se, &tm);
  struct itimerspec its = {{0, 0}, {0, 1000000L}};
  timer_settime(tm, 0, &its, NULL);
  struct pollfd pb = {.fd = fd, .events = POLLIN};
  printf("poll wait timer: %d\n", poll(&pb, 1, 2000));
  n = read(fd, si, sizeof si);
  for (int i = 0; i < n / (ssize_t)sizeof si[0]; i++)
    printf("  signo %u code %d int %d ptr %#llx\n", si[i].ssi_signo, si[i].ssi_code, si[i].ssi_int,
           (unsigned long long)si[i].ssi_ptr);
  // Narrow the mask: SIGUSR2 stays pending, invisible to the fd.
  sigset_t only1;
  sigemptyset(&only1);
  sigaddset(&only1, SIGUSR1);
  printf("same fd: %d\n", signalfd(fd, &only1, 0) == fd);
  raise(SIGUSR2);
  printf("poll usr2 with usr1 mask: %d\n", poll(&p, 1, 0));
  sigset_t pend;
  sigpending(&pend);
  printf("usr2 pending: %d\n", sigismember(&pend, SIGUSR2));
  res("bad size", syscall(SYS_signalfd4, -1, &set, 4, 0));
  res("bad flags", syscall(SYS_signalfd4, -1, &set, 8, 1));
  res("not a signalfd", signalfd(0, &set, 0));
  // Blocking read woken by a child's kill.
  int bfd = signalfd(-1, &only1, 0);
  pid_t c = fork();
  if (c == 0) {
    struct timespec d = {0, 20000000L};
    nanosleep(&d, NULL);
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  n = read(bfd, si, sizeof si);
  printf("blocking read %zd signo %u from child %d\n", n, si[0].ssi_signo, si[0].ssi_pid == (unsigned)c);
  waitpid(c, NULL, 0);
  return 0;
}
