/* The C tests' one assertion: prints "ok"/"not ok" per check (TAP style);
   main prints "N passed, N failed" from the two counters. */
#ifndef MU_TEST_CHECK_H
#define MU_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>

static int passed, failed;

#define CHECK(cond, name)                                                     \
  do {                                                                        \
    if (cond) { passed++; printf("ok - %s\n", name); }                        \
    else { failed++; printf("not ok - %s (%s:%d)\n", name, __FILE__, __LINE__); } \
  } while (0)

/* Removes the test's temporary folder; prints the closing line; main's exit status. */
static int finish(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

#endif
