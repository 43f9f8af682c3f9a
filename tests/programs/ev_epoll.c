// epoll semantics: level vs edge triggered, EPOLLONESHOT, EPOLLEXCLUSIVE validation, nested.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static volatile int handled;
static void onUsr1(int sig) { handled = sig; }

static void show(const char *what, int r) {
  printf("%s: %d %s\n", what, r, r < 0 ? strerror(errno) : "ok");
}

static int waitn(int ep, const char *what) {
  struct epoll_event ev[4];
  int n = epoll_wait(ep, ev, 4, 0);
  // Ready-list order differs by history on Linux: print sorted by data.
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && ev[j].data.u64 < ev[j - 1].data.u64; j--) {
      struct epoll_event x = ev[j];
      ev[j] = ev[j - 1];
      ev[j - 1] = x;
    }
  printf("%s: %d", what, n);
  for (int i = 0; i < n; i++) printf(" [%llu %#x]", (unsigned long long)ev[i].data.u64, ev[i].events);
  printf("\n");
  return n;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2], q[2];
  char buf[16];
  pipe(p);
  pipe(q);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 1};
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  ev.events = EPOLLIN;
  ev.data.u64 = 2;
  epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev);
  waitn(ep, "empty");
  write(p[1], "a", 1);
  write(q[1], "b", 1);
  waitn(ep, "both ready");
  waitn(ep, "again: only level");
  write(p[1], "c", 1);
  waitn(ep, "new data: edge again");
  read(p[0], buf, 1);
  waitn(ep, "partial read: no edge");
  read(p[0], buf, sizeof buf);
  read(q[0], buf, sizeof buf);
  waitn(ep, "drained");
  // EPOLLONESHOT: one report until MOD re-arms.
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = 3;
  epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &ev);
  write(q[1], "d", 1);
  waitn(ep, "oneshot first");
  waitn(ep, "oneshot disarmed");
  epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &ev);
  waitn(ep, "oneshot rearmed");
  // MOD on an ET interest re-checks readiness.
  write(p[1], "e", 1);
  waitn(ep, "et write");
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = 4;
  epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
  waitn(ep, "et after mod");
  // EPOLLEXCLUSIVE rules.
  int r[2];
  pipe(r);
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  show("excl add", epoll_ctl(ep, EPOLL_CTL_ADD, r[0], &ev));
  show("excl mod", epoll_ctl(ep, EPOLL_CTL_MOD, r[0], &ev));
  ev.events = EPOLLIN;
  show("mod of excl", epoll_ctl(ep, EPOLL_CTL_MOD, r[0], &ev));
  ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
  show("excl+oneshot", epoll_ctl(ep, EPOLL_CTL_ADD, r[1], &ev));
  // Nested ET: an outer epoll watching the inner one edge-triggered.
  int outer = epoll_create1(0);
  int inner = epoll_create1(0);
  int s[2];
  pipe(s);
  ev.events = EPOLLIN;
  ev.data.u64 = 5;
  epoll_ctl(inner, EPOLL_CTL_ADD, s[0], &ev);
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = 6;
  epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev);
  waitn(outer, "nested empty");
  write(s[1], "f", 1);
  waitn(outer, "nested ready");
  waitn(outer, "nested no edge");
  // Blocking ET wait woken by a child's write.
  if (fork() == 0) {
    usleep(20000);
    write(s[1], "g", 1);
    _exit(0);
  }
  struct epoll_event got;
  int n = epoll_wait(outer, &got, 1, 2000);
  printf("blocking nested: %d %llu\n", n, (unsigned long long)got.data.u64);
  // epoll_pwait's mask: a blocked pending signal it unblocks interrupts the wait; the old
  // mask is back afterwards.
  signal(SIGUSR1, onUsr1);
  sigset_t blk, none, now;
  sigemptyset(&blk);
  sigaddset(&blk, SIGUSR1);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &blk, NULL);
  raise(SIGUSR1);
  int e = epoll_create1(0);
  errno = 0;
  int pr = epoll_pwait(e, &got, 1, 1000, &none);
  int pe = errno;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("pwait: %d eintr %d handled %d still blocked %d\n", pr, pe == EINTR, handled,
         sigismember(&now, SIGUSR1));
  pr = epoll_pwait(e, &got, 1, 0, &blk);
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("pwait timeout: %d blocked %d\n", pr, sigismember(&now, SIGUSR1));
  return 0;
}
