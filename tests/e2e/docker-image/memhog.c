/* memhog MiB: allocates and touches MiB mebibytes, then prints "allocated N MiB". Under a smaller
 * --memory limit the kernel (or the sandbox) kills it before it prints (docker exit code 137). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  long mib = argc > 1 ? atol(argv[1]) : 64;
  for (long i = 0; i < mib; i++) {
    char *p = malloc(1 << 20);
    if (p == NULL) {
      printf("malloc failed after %ld MiB\n", i);
      return 2;
    }
    memset(p, 1, 1 << 20); /* touch every page: RSS, not just address space */
  }
  printf("allocated %ld MiB\n", mib);
  return 0;
}
