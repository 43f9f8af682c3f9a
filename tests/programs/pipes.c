// Pipes and readiness: blocking reads/writes between processes, EOF when writers close,
// PIPE_BUF atomicity with concurrent writers, O_NONBLOCK (EAGAIN), poll/select readiness and
// POLLHUP, EPIPE with SIGPIPE (default death and ignored), dup2 redirection of a child's stdout.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

static int waitcode(pid_t p) {
  int st;
  if (waitpid(p, &st, 0) != p) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2];
  char buf[8192];

  // A child writes in pieces; the parent reads until EOF.
  if (pipe(p) != 0) return 1;
  pid_t c = fork();
  if (c == 0) {
    close(p[0]);
    for (int i = 0; i < 5; i++) {
      dprintf(p[1], "line %d\n", i);
      usleep(2000);
    }
    _exit(0);
  }
  close(p[1]);
  size_t total = 0;
  ssize_t n;
  while ((n = read(p[0], buf + total, sizeof buf - total)) > 0) total += n;
  buf[total] = 0;
  printf("read until EOF (%zd): %s", n, buf);
  close(p[0]);
  printf("child: %d\n", waitcode(c));

  // PIPE_BUF atomicity: 4 writers, each 200 records of 512 bytes of one letter.
  if (pipe(p) != 0) return 1;
  for (int w = 0; w < 4; w++) {
    if (fork() == 0) {
      close(p[0]);
      char rec[512];
      memset(rec, 'a' + w, sizeof rec);
      for (int i = 0; i < 200; i++) {
        if (write(p[1], rec, sizeof rec) != (ssize_t)sizeof rec) _exit(1);
      }
      _exit(0);
    }
  }
  close(p[1]);
  int counts[4] = {0}, torn = 0;
  char rec[512];
  size_t have = 0;
  while ((n = read(p[0], rec + have, sizeof rec - have)) > 0) {
    have += n;
    if (have < sizeof rec) continue;
    for (size_t i = 1; i < sizeof rec; i++) torn += rec[i] != rec[0];
    if (rec[0] >= 'a' && rec[0] <= 'd') counts[rec[0] - 'a']++;
    have = 0;
  }
  close(p[0]);
  int ok = 0, st;
  for (int w = 0; w < 4; w++) ok += wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  printf("atomic records: %d %d %d %d torn=%d leftover=%zu\n", counts[0], counts[1], counts[2],
         counts[3], torn, have);

  // O_NONBLOCK and readiness.
  if (pipe2(p, O_NONBLOCK) != 0) return 1;
  errno = 0;
  n = read(p[0], buf, 1);
  printf("empty nonblocking read: %zd eagain=%d\n", n, errno == EAGAIN);
  struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  int np = poll(pf, 2, 0);
  printf("poll empty: n=%d rd=%d wr=%d\n", np, pf[0].revents, pf[1].revents);
  if (write(p[1], "x", 1) != 1) return 1;
  np = poll(pf, 1, 0);
  printf("poll data: n=%d rd=%d\n", np, pf[0].revents);
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  struct timeval tv = {0, 0};
  np = select(p[0] + 1, &rs, NULL, NULL, &tv);
  printf("select: n=%d isset=%d\n", np, FD_ISSET(p[0], &rs) != 0);
  size_t filled = 1;
  while (write(p[1], buf, sizeof buf) > 0) filled += sizeof buf;
  printf("filled until EAGAIN: eagain=%d full=%d\n", errno == EAGAIN, filled >= 4096);
  pf[1].revents = 0;
  np = poll(&pf[1], 1, 0);
  printf("poll full: n=%d wr=%d\n", np, pf[1].revents);
  close(p[1]);
  while (read(p[0], buf, sizeof buf) > 0) {
  }
  pf[0].revents = 0;
  poll(pf, 1, 0);
  printf("writer closed: revents=%d\n", pf[0].revents);
  close(p[0]);

  // poll blocks until a child writes.
  if (pipe(p) != 0) return 1;
  c = fork();
  if (c == 0) {
    usleep(30000);
    if (write(p[1], "late", 4) != 4) _exit(1);
    _exit(0);
  }
  struct pollfd one = {p[0], POLLIN, 0};
  int pr = poll(&one, 1, 5000);
  printf("poll woke: n=%d revents=%d\n", pr, one.revents);
  waitcode(c);
  close(p[0]);
  close(p[1]);

  // EPIPE: SIGPIPE kills by default; ignored it gives EPIPE.
  if (pipe(p) != 0) return 1;
  close(p[0]);
  c = fork();
  if (c == 0) {
    if (write(p[1], "x", 1) < 0) _exit(3);
    _exit(4);
  }
  printf("SIGPIPE death: %d\n", waitcode(c));
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  n = write(p[1], "x", 1);
  printf("ignored: write=%zd epipe=%d\n", n, errno == EPIPE);
  close(p[1]);

  // dup2 a pipe onto a child's stdout, exec a program, read its output.
  if (pipe(p) != 0) return 1;
  c = fork();
  if (c == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    execl("/bin/echo", "echo", "from", "exec", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  total = 0;
  while ((n = read(p[0], buf + total, sizeof buf - total)) > 0) total += n;
  buf[total] = 0;
  printf("exec'd child said: %s", buf);
  printf("exec'd child: %d\n", waitcode(c));
  printf("F_GETFL of a pipe end: %d\n", fcntl(p[0], F_GETFL) & O_ACCMODE);
  return ok == 4 ? 0 : 2;
}
