// Differential: MAP_SHARED file mappings shared across mappings, fork and separate opens;
// msync and last-unmap write-back; memfd maps; EACCES for writable maps of read-only fds.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  int fd = open("/tmp/rt_shm_test_file", O_RDWR | O_CREAT | O_TRUNC, 0600);
  ftruncate(fd, 8192);
  char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  char *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
  printf("maps %d %d\n", a != MAP_FAILED, b != MAP_FAILED);
  strcpy(a + 4096, "via a");
  printf("b sees: %s\n", b);
  if (fork() == 0) {
    int fd2 = open("/tmp/rt_shm_test_file", O_RDWR);
    char *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    strcpy(c, "from child");
    strcpy(b + 100, "child b");
    _exit(0);
  }
  wait(NULL);
  printf("parent sees: %s / %s\n", a, a + 4196);
  printf("msync %d\n", msync(a, 8192, MS_SYNC));
  char buf[32] = {0};
  pread(fd, buf, 10, 0);
  printf("file: %s\n", buf);
  munmap(a, 8192); munmap(b, 4096);
  int m = memfd_create("m", 0); ftruncate(m, 4096);
  char *x = mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, m, 0);
  strcpy(x, "memfd map"); munmap(x, 4096);
  memset(buf, 0, sizeof buf); pread(m, buf, 12, 0);
  printf("memfd: %s\n", buf);
  int ro = open("/tmp/rt_shm_test_file", O_RDONLY);
  printf("ro map w: %d\n", mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED);
  unlink("/tmp/rt_shm_test_file");
  return 0;
}
