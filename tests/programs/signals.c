// Signal semantics: SA_SIGINFO contents, SA_RESETHAND, SA_NODEFER (nesting), SA_ONSTACK on a
// sigaltstack, SA_RESTART vs EINTR on a blocking pipe read, SIGCHLD handler with si_status,
// job control (SIGSTOP/SIGCONT seen through waitpid WUNTRACED/WCONTINUED, SIGTSTP default stop),
// pending/blocked sets, default actions (ignore SIGCHLD/SIGURG, terminate, core flag).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int hits, depth, maxdepth, raises, onstack, chld_status, chld_code;
static char altstack[65536];

static void count(int s) { (void)s; hits++; }
static void nested(int s) {
  depth++;
  if (depth > maxdepth) maxdepth = depth;
  if (raises < 2) {
    raises++;
    raise(s);
  }
  depth--;
}
static void where(int s) {
  (void)s;
  char local;
  onstack = &local >= altstack && &local < altstack + sizeof altstack;
}
static void on_chld(int s, siginfo_t *si, void *uc) {
  (void)s;
  (void)uc;
  chld_status = si->si_status;
  chld_code = si->si_code;
}
static void on_alarm(int s) { (void)s; }

static int install(int sig, void (*h)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  return sigaction(sig, &sa, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);

  install(SIGUSR1, count, SA_RESETHAND);
  raise(SIGUSR1);
  struct sigaction cur;
  sigaction(SIGUSR1, NULL, &cur);
  printf("SA_RESETHAND: hits=%d reset=%d\n", hits, cur.sa_handler == SIG_DFL);

  install(SIGUSR2, nested, SA_NODEFER);
  raise(SIGUSR2);
  printf("SA_NODEFER: maxdepth=%d\n", maxdepth);
  maxdepth = depth = raises = 0;
  install(SIGUSR2, nested, 0);
  raise(SIGUSR2);
  printf("deferred: maxdepth=%d\n", maxdepth);

  stack_t ss = {altstack, 0, sizeof altstack};
  sigaltstack(&ss, NULL);
  install(SIGWINCH, where, SA_ONSTACK);
  raise(SIGWINCH);
  printf("SA_ONSTACK: on alt stack=%d\n", onstack);
  install(SIGWINCH, where, 0);
  raise(SIGWINCH);
  printf("without SA_ONSTACK: on alt stack=%d\n", onstack);

  // Blocking read interrupted by SIGALRM: EINTR without SA_RESTART, restarted with it.
  int p[2];
  if (pipe(p) != 0) return 1;
  install(SIGALRM, on_alarm, 0);
  alarm(1);
  char c;
  errno = 0;
  ssize_t n = read(p[0], &c, 1);
  printf("read without SA_RESTART: %zd eintr=%d\n", n, errno == EINTR);
  pid_t w = fork();
  if (w == 0) {
    sleep(2);
    if (write(p[1], "r", 1) != 1) _exit(1);
    _exit(0);
  }
  install(SIGALRM, on_alarm, SA_RESTART);
  alarm(1);
  n = read(p[0], &c, 1);
  printf("read with SA_RESTART: %zd %c\n", n, c);
  waitpid(w, NULL, 0);

  // SIGCHLD handler with siginfo.
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGCHLD, &sa, NULL);
  pid_t k = fork();
  if (k == 0) _exit(9);
  int st;
  waitpid(k, &st, 0);
  printf("SIGCHLD: status=%d code_exited=%d\n", chld_status, chld_code == CLD_EXITED);
  signal(SIGCHLD, SIG_DFL);

  // Job control: stop, continue, kill; observed with waitpid.
  // The child leads its own process group: a group whose members all have their parent in
  // another group of the session is not orphaned, so SIGTSTP is not discarded whatever
  // process group the test runner itself is in.
  k = fork();
  if (k == 0) {
    setpgid(0, 0);
    for (;;) pause();
  }
  setpgid(k, k);
  kill(k, SIGSTOP);
  waitpid(k, &st, WUNTRACED);
  printf("stopped: %d sig=%d\n", WIFSTOPPED(st), WSTOPSIG(st));
  kill(k, SIGCONT);
  waitpid(k, &st, WCONTINUED);
  printf("continued: %d\n", WIFCONTINUED(st));
  kill(k, SIGTSTP);
  waitpid(k, &st, WUNTRACED);
  printf("SIGTSTP stops: %d sig=%d\n", WIFSTOPPED(st), WSTOPSIG(st));
  kill(k, SIGKILL);
  waitpid(k, &st, 0);
  printf("killed while stopped: %d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

  // Default actions.
  k = fork();
  if (k == 0) {
    raise(SIGURG);
    raise(SIGCHLD);
    raise(SIGWINCH);
    _exit(5);
  }
  waitpid(k, &st, 0);
  printf("ignored by default: exit=%d\n", WEXITSTATUS(st));
  k = fork();
  if (k == 0) {
    raise(SIGQUIT);
    _exit(0);
  }
  waitpid(k, &st, 0);
  printf("SIGQUIT: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

  // Blocked and pending sets.
  sigset_t set, pend;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  install(SIGUSR1, count, 0);
  hits = 0;
  raise(SIGUSR1);
  raise(SIGUSR1);
  sigpending(&pend);
  printf("pending while blocked: %d hits=%d\n", sigismember(&pend, SIGUSR1), hits);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("after unblock: hits=%d (standard signals do not queue)\n", hits);
  return 0;
}
