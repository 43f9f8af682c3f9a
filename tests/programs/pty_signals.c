// Job control on a pty made inside: a session leader takes the slave as its controlling
// terminal; ^C, ^\ and ^Z written to the master signal the foreground process group; a
// background read gets SIGTTIN (EIO when ignored); TIOCSPGRP/TIOCGPGRP/TIOCGSID/TIOCSCTTY/
// TIOCNOTTY rules; closing the master hangs the session leader up (SIGHUP).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t got[65];
static int sync_r, sync_w;  // child -> parent: "ready" bytes

static void on_sig(int s) { got[s]++; }

static void ready(void) { (void)!write(sync_w, "r", 1); }
static void await_ready(void) {
  char c;
  (void)!read(sync_r, &c, 1);
}

static const char *err(int r) { return r == 0 ? "ok" : strerror(errno); }

// Waits up to 5 s for signal `s` to have arrived `n` times.
static int wait_sig(int s, int n) {
  for (int i = 0; i < 500 && got[s] < n; i++) usleep(10000);
  return got[s];
}

static void child(const char *slave, int master) {
  close(master);
  close(sync_r);
  int pg;
  printf("child: TIOCSCTTY before setsid: %s\n", err(ioctl(1, TIOCSCTTY, 0) == 0 ? 0 : -1));
  setsid();
  int fd = open(slave, O_RDWR | O_NOCTTY);
  printf("child: tcgetpgrp before TIOCSCTTY: %s\n", err(tcgetpgrp(fd) >= 0 ? 0 : -1));
  printf("child: TIOCSCTTY: %s\n", err(ioctl(fd, TIOCSCTTY, 0)));
  printf("child: again: %s\n", err(ioctl(fd, TIOCSCTTY, 0)));
  printf("child: foreground is me: %d, sid is me: %d\n", tcgetpgrp(fd) == getpid(),
         tcgetsid(fd) == getpid());
  int tty = open("/dev/tty", O_RDWR);
  printf("child: /dev/tty opens: %d, is a tty: %d\n", tty >= 0, isatty(tty));
  (void)!write(tty, "via /dev/tty\n", 13);
  close(tty);
  signal(SIGINT, on_sig);
  signal(SIGQUIT, on_sig);
  signal(SIGHUP, on_sig);
  ready();
  printf("child: SIGINT from ^C: %d\n", wait_sig(SIGINT, 1));
  ready();
  printf("child: SIGQUIT from ^\\: %d\n", wait_sig(SIGQUIT, 1));

  // A background process group reading the terminal.
  pid_t bg = fork();
  if (bg == 0) {
    setpgid(0, 0);
    char c;
    signal(SIGTTIN, SIG_IGN);
    errno = 0;
    ssize_t r = read(fd, &c, 1);
    printf("bg: read with SIGTTIN ignored: %zd %s\n", r, strerror(errno));
    signal(SIGTTIN, SIG_DFL);
    r = read(fd, &c, 1);  // stops; continued once it is in the foreground
    printf("bg: read in the foreground: %zd %c\n", r, c);
    signal(SIGTTOU, SIG_IGN);
    pg = getpgrp();
    printf("bg: TIOCSPGRP to itself: %s\n", err(ioctl(fd, TIOCSPGRP, &pg)));
    printf("bg: TIOCNOTTY (not leader): %s\n", err(ioctl(fd, TIOCNOTTY)));
    printf("bg: tcgetpgrp after TIOCNOTTY: %s\n", err(tcgetpgrp(fd) >= 0 ? 0 : -1));
    printf("bg: /dev/tty after TIOCNOTTY: %s\n", err(open("/dev/tty", O_RDWR) >= 0 ? 0 : -1));
    _exit(0);
  }
  setpgid(bg, bg);
  int st;
  waitpid(bg, &st, WUNTRACED);
  printf("child: bg stopped by SIGTTIN: %d\n", WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN);
  pg = bg;
  printf("child: TIOCSPGRP to bg: %s\n", err(ioctl(fd, TIOCSPGRP, &pg)));
  ready();  // parent types "x\n"
  kill(bg, SIGCONT);
  waitpid(bg, &st, 0);
  printf("child: bg exit %d\n", WEXITSTATUS(st));
  // Now in the background of its own terminal, in an orphaned group: without SIGTTOU
  // ignored, TIOCSPGRP is refused (ENOTTY).
  pg = getpid();
  printf("child: TIOCSPGRP from the background: %s\n", err(ioctl(fd, TIOCSPGRP, &pg)));
  signal(SIGTTOU, SIG_IGN);
  pg = 999999;
  printf("child: TIOCSPGRP to no group: %s\n", err(ioctl(fd, TIOCSPGRP, &pg)));
  pg = -1;
  printf("child: TIOCSPGRP -1: %s\n", err(ioctl(fd, TIOCSPGRP, &pg)));
  pg = 1;
  printf("child: TIOCSPGRP to another session's group: %s\n", err(ioctl(fd, TIOCSPGRP, &pg)));
  pg = getpid();
  printf("child: TIOCSPGRP back: %s\n", err(ioctl(fd, TIOCSPGRP, &pg)));

  // ^Z stops a foreground child process group.
  pid_t fg = fork();
  if (fg == 0) {
    setpgid(0, 0);
    int me = getpid();
    ioctl(fd, TIOCSPGRP, &me);
    ready();
    for (;;) pause();
  }
  setpgid(fg, fg);
  waitpid(fg, &st, WUNTRACED);
  printf("child: fg stopped by SIGTSTP: %d\n", WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP);
  kill(fg, SIGKILL);
  waitpid(fg, &st, 0);
  pg = getpid();
  ioctl(fd, TIOCSPGRP, &pg);
  ready();  // parent closes the master
  printf("child: SIGHUP on hangup: %d\n", wait_sig(SIGHUP, 1));
  char c;
  printf("child: read after hangup: %zd\n", read(fd, &c, 1));
  _exit(0);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2];
  if (pipe(p) != 0) return 1;
  sync_r = p[0];
  sync_w = p[1];
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  grantpt(master);
  unlockpt(master);
  char slave[64];
  snprintf(slave, sizeof slave, "%s", ptsname(master));
  pid_t c = fork();
  if (c == 0) child(slave, master);
  close(sync_w);
  await_ready();
  (void)!write(master, "\x03", 1);
  await_ready();
  (void)!write(master, "\x1c", 1);
  await_ready();
  (void)!write(master, "x\n", 2);
  await_ready();
  (void)!write(master, "\x1a", 1);
  await_ready();
  char buf[256];
  struct termios tio;
  tcgetattr(master, &tio);
  int fl = fcntl(master, F_GETFL);
  fcntl(master, F_SETFL, fl | O_NONBLOCK);
  ssize_t n = read(master, buf, sizeof buf);
  printf("parent: echo from the terminal: ");
  for (ssize_t i = 0; i < n; i++) printf(buf[i] >= 32 ? "%c" : "\\x%02x", buf[i]);
  printf("\n");
  close(master);
  int st;
  waitpid(c, &st, 0);
  printf("parent: child exit %d\n", WEXITSTATUS(st));
  return 0;
}
