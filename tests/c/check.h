/* The C tests' one assertion: prints "ok"/"not ok" per check (TAP style);
   main prints "N passed, N failed" from the two counters. */
#ifndef MU_TEST_CHECK_H
#define MU_TEST_CHECK_H
#include <stdio.h>

static int passed, failed;

#define CHECK(cond, name)                                                     \
  do {                                                                        \
    if (cond) { passed++; printf("ok - %s\n", name); }                        \
    else { failed++; printf("not ok - %s (%s:%d)\n", name, __FILE__, __LINE__); } \
  } while (0)

#endif
