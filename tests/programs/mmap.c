// Memory syscalls: private file mappings (copy semantics, offset, EOF tail zeroed), anonymous
// shared memory across fork, mremap (grow in place, move with contents), mprotect with a
// SIGSEGV handler reading si_addr/si_code, partial munmap, MADV_DONTNEED, brk, mincore, and
// /proc/self/maps agreeing with what was mapped.
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf jb;
static void *fault_addr;
static int fault_code;
static void on_segv(int s, siginfo_t *si, void *uc) {
  (void)s;
  (void)uc;
  fault_addr = si->si_addr;
  fault_code = si->si_code;
  siglongjmp(jb, 1);
}

static int in_maps(void *addr, const char *perms) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  int found = 0;
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    unsigned long lo, hi;
    char p[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) == 3 && (unsigned long)addr >= lo && (unsigned long)addr < hi) {
      found = strncmp(p, perms, 4) == 0 ? 1 : 2;
    }
  }
  if (f != NULL) fclose(f);
  return found;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  long pg = sysconf(_SC_PAGESIZE);

  // Private file mapping: content, offset, zero tail, writes stay private.
  int fd = open("/etc/passwd", O_RDONLY);
  off_t size = lseek(fd, 0, SEEK_END);
  char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  char first[5] = {0};
  memcpy(first, m, 4);
  printf("file map: %s tail zero=%d\n", first, m[size] == 0 && m[pg * ((size + pg - 1) / pg) - 1] == 0);
  m[0] = 'X';
  char b[4] = {0};
  pread(fd, b, 4, 0);
  printf("private write not in file: %.4s maps=%d\n", b, in_maps(m, "rw-p"));
  munmap(m, size);
  printf("after munmap: maps=%d\n", in_maps(m, "rw-p"));
  close(fd);

  // Shared anonymous memory across fork.
  int *sh = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  *sh = 1;
  pid_t c = fork();
  if (c == 0) {
    *sh = 42;
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("shared after child write: %d maps=%d\n", *sh, in_maps(sh, "rw-s"));

  // mremap: grow (maybe in place), then force a move; contents follow.
  char *r = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(r, 'r', 2 * pg);
  char *r2 = mremap(r, 2 * pg, 4 * pg, MREMAP_MAYMOVE);
  printf("mremap grow: ok=%d keep=%c new=%d\n", r2 != MAP_FAILED, r2[2 * pg - 1], r2[3 * pg]);
  char *dst = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *r3 = mremap(r2, 4 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  printf("mremap fixed: at dst=%d keep=%c old gone=%d\n", r3 == dst, r3[0], in_maps(r2, "rw-p") == 0 || r2 == dst);

  // mprotect + SIGSEGV with si_addr and SEGV_ACCERR / SEGV_MAPERR.
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  mprotect(r3, pg, PROT_READ);
  if (sigsetjmp(jb, 1) == 0) {
    r3[10] = 1;
    printf("write to read-only did not fault\n");
  } else {
    printf("SIGSEGV: addr ok=%d accerr=%d maps=%d\n", fault_addr == r3 + 10, fault_code == SEGV_ACCERR,
           in_maps(r3, "r--p"));
  }
  munmap(r3 + pg, pg);
  if (sigsetjmp(jb, 1) == 0) {
    r3[pg + 5] = 1;
    printf("write to a hole did not fault\n");
  } else {
    printf("hole: addr ok=%d maperr=%d\n", fault_addr == r3 + pg + 5, fault_code == SEGV_MAPERR);
  }
  printf("partial munmap: before=%d hole=%d after=%d\n", in_maps(r3, "r--p"), in_maps(r3 + pg, "rw-p"),
         in_maps(r3 + 2 * pg, "rw-p"));

  // MADV_DONTNEED zeroes private anonymous memory; mincore sees it resident after a touch.
  char *z = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(z, 7, 4 * pg);
  madvise(z + pg, pg, MADV_DONTNEED);
  printf("MADV_DONTNEED: %d %d %d\n", z[0], z[pg], z[2 * pg]);
  unsigned char vec[4];
  printf("mincore: %d\n", mincore(z, 4 * pg, vec));

  // brk.
  char *cur = sbrk(0);
  char *grown = sbrk(5 * pg);
  memset(grown, 1, 5 * pg);
  printf("brk: grown=%d heap=%d\n", grown == cur && sbrk(0) == cur + 5 * pg, in_maps(cur, "rw-p"));
  sbrk(-5 * pg);
  printf("brk shrink: %d\n", sbrk(0) == cur);

  // Bad arguments.
  printf("EINVAL unaligned: %d\n", mmap((void *)1, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED);
  printf("EBADF: %d\n", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED);
  return 0;
}
