// Smallest differential program: argv, environment, stdio, exit code.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  printf("hello from %s with %d args\n", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], argc);
  for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
  const char *v = getenv("GREETING");
  printf("GREETING=%s\n", v ? v : "(unset)");
  char *p = malloc(1 << 20);
  memset(p, 7, 1 << 20);
  printf("malloc ok %d\n", p[12345]);
  fprintf(stderr, "to stderr\n");
  return argc == 1 ? 0 : 3;
}
