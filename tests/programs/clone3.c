// clone3 called directly: struct clone_args validation (sizes, flags, exit signal, stack,
// set_tid, cgroup), a fork-like child, CLONE_CLEAR_SIGHAND, set_tid, and a raw thread.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct args {  // clone_args, version 2 (88 bytes) plus room for a bigger one
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup, extra[2];
};

static long c3(struct args *a, size_t size) { return syscall(SYS_clone3, a, size); }

static void expect(const char *what, struct args *a, size_t size) {
  long r = c3(a, size);
  if (r == 0) _exit(0);
  if (r > 0) waitpid(r, NULL, 0);
  printf("%s: %s\n", what, r < 0 ? strerror(errno) : "ok");
}

static void errors(void) {
  struct args a;
  memset(&a, 0, sizeof a);
  a.exit_signal = SIGCHLD;
  expect("size 63", &a, 63);
  expect("size 4097", &a, 4097);
  expect("bad pointer", (struct args *)8, 64);
  a.extra[0] = 1;
  expect("unknown trailing field", &a, sizeof a);
  a.extra[0] = 0;
  expect("zero trailing field", &a, sizeof a);
  a.exit_signal = 65;
  expect("exit signal 65", &a, 88);
  a.exit_signal = 0x100000000ULL | SIGCHLD;
  expect("exit signal high bits", &a, 88);
  a.exit_signal = SIGCHLD;
  a.flags = SIGCHLD;
  expect("CSIGNAL in flags", &a, 88);
  a.flags = 1ULL << 40;
  expect("unknown high flag", &a, 88);
  a.flags = CLONE_SIGHAND | CLONE_CLEAR_SIGHAND | CLONE_VM;
  expect("SIGHAND with CLEAR_SIGHAND", &a, 88);
  a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
  expect("THREAD with exit signal", &a, 88);
  a.flags = CLONE_PARENT;
  expect("PARENT with exit signal", &a, 88);
  a.flags = CLONE_THREAD;
  a.exit_signal = 0;
  expect("THREAD without SIGHAND", &a, 88);
  a.flags = 0;
  a.exit_signal = SIGCHLD;
  a.stack = 0x10000;
  expect("stack without size", &a, 88);
  a.stack = 0;
  a.stack_size = 4096;
  expect("size without stack", &a, 88);
  a.stack = 0x7ffffffff000ULL;
  a.stack_size = 0x10000;
  expect("stack past user space", &a, 88);
  a.stack = a.stack_size = 0;
  a.flags = CLONE_SETTLS;
  a.tls = 0x800000000000ULL;
  expect("TLS past user space", &a, 88);
  a.flags = 0;
  a.tls = 0;
  a.stack_size = 0;
  a.set_tid_size = 1;
  expect("set_tid_size without set_tid", &a, 88);
  pid_t tids[40] = {getpid()};
  a.set_tid = (uintptr_t)tids;
  a.set_tid_size = 0;
  expect("set_tid without size", &a, 88);
  a.set_tid_size = 33;
  expect("set_tid_size 33", &a, 88);
  a.set_tid_size = 2;
  expect("set_tid_size 2", &a, 88);
  a.set_tid_size = 1;
  expect("set_tid taken", &a, 88);
  tids[0] = 0;
  expect("set_tid 0", &a, 88);
  a.set_tid = 8;
  expect("set_tid bad pointer", &a, 88);
  a.set_tid = a.set_tid_size = 0;
  a.flags = CLONE_INTO_CGROUP;
  a.cgroup = 1;
  expect("INTO_CGROUP, size 64", &a, 64);
  a.cgroup = 0x80000000ULL;
  expect("INTO_CGROUP, fd 2^31", &a, 88);
  a.cgroup = 987;
  expect("INTO_CGROUP, bad fd", &a, 88);
}

static void handler(int s) { (void)s; }

static void forklike(void) {
  struct args a;
  memset(&a, 0, sizeof a);
  a.exit_signal = SIGCHLD;
  long r = c3(&a, 64);
  if (r == 0) _exit(getppid() > 0 ? 7 : 1);
  int st = 0;
  int waited = waitpid(r, &st, 0) == r;
  printf("fork-like: waited %d, exit %d\n", waited, WEXITSTATUS(st));

  // CLONE_CLEAR_SIGHAND: a handler goes back to SIG_DFL, an ignored signal stays ignored.
  signal(SIGUSR1, handler);
  signal(SIGUSR2, SIG_IGN);
  a.flags = CLONE_CLEAR_SIGHAND;
  r = c3(&a, 88);
  if (r == 0) {
    struct sigaction s1, s2;
    sigaction(SIGUSR1, NULL, &s1);
    sigaction(SIGUSR2, NULL, &s2);
    _exit((s1.sa_handler == SIG_DFL ? 1 : 0) | (s2.sa_handler == SIG_IGN ? 2 : 0));
  }
  waitpid(r, &st, 0);
  printf("clear sighand: child saw %d\n", WEXITSTATUS(st));
  struct sigaction s1;
  sigaction(SIGUSR1, NULL, &s1);
  printf("parent keeps its handler: %d\n", s1.sa_handler == handler);

  // set_tid: the child gets the pid asked for (root may choose it). Natively a pid may be taken
  // (EEXIST; try further ones) and our pid plus something may pass pid_max (EINVAL): ask for
  // low pids, so the outcome printed does not depend on the host's pids.
  pid_t want = 2000 + getpid() % 500;
  a.flags = 0;
  a.set_tid = (uintptr_t)&want;
  a.set_tid_size = 1;
  for (int k = 0; (r = c3(&a, 88)) < 0 && errno == EEXIST && k < 50; k++) want += 37;
  if (r == 0) _exit(getpid() == want ? 0 : 1);
  if (r < 0) {
    printf("set_tid: %s\n", strerror(errno));
    return;
  }
  waitpid(r, &st, 0);
  printf("set_tid: returned it %d, child saw it %d\n", r == want, WEXITSTATUS(st) == 0);
}

static volatile int thread_ran, thread_tid;
static uint32_t ctid_word = 1, ptid_word;

static int thread_fn(void *arg) {
  thread_ran = *(int *)arg;
  thread_tid = syscall(SYS_gettid);
  return 0;
}

// The child runs on the new stack: it must not return into C code, so call and exit in asm.
static long clone3_run(struct args *a, size_t size, int (*fn)(void *), void *arg) {
  long ret;
  __asm__ volatile(
      "mov %[fn], %%r12\n"
      "mov %[arg], %%r13\n"
      "mov $435, %%eax\n"
      "syscall\n"
      "test %%rax, %%rax\n"
      "jnz 1f\n"
      "mov %%r13, %%rdi\n"
      "call *%%r12\n"
      "mov %%eax, %%edi\n"
      "mov $60, %%eax\n"
      "syscall\n"
      "1:\n"
      : "=a"(ret)
      : "D"(a), "S"(size), [fn] "r"(fn), [arg] "r"(arg)
      : "rcx", "r11", "r12", "r13", "memory");
  return ret;
}

static void thread(void) {
  static char stack[65536] __attribute__((aligned(16)));
  struct args a;
  memset(&a, 0, sizeof a);
  a.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
            CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  a.child_tid = (uintptr_t)&ctid_word;
  a.parent_tid = (uintptr_t)&ptid_word;
  a.stack = (uintptr_t)stack;
  a.stack_size = sizeof stack;
  int token = 42;
  long r = clone3_run(&a, 64, thread_fn, &token);
  if (r < 0) {
    printf("thread: %s\n", strerror((int)-r));
    return;
  }
  while (__atomic_load_n(&ctid_word, __ATOMIC_SEQ_CST) != 0)
    syscall(SYS_futex, &ctid_word, FUTEX_WAIT, ctid_word, NULL, NULL, 0);
  printf("thread: ran %d, tid returned %d, parent_tid written %d, not the pid %d\n", thread_ran,
         thread_tid == r, (long)ptid_word == r, thread_tid != getpid());
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  errors();
  forklike();
  thread();
  return 0;
}
