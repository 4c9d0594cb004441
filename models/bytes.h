/*
** A growable run of bytes, for the writers that build a blob before it
** goes into the store (columns.c, design_cache.c). A failed allocation sets
** oom and makes every later put a no-op, so a writer checks once, at the end.
*/
#ifndef MUTUALS_BYTES_H
#define MUTUALS_BYTES_H

#include <stdlib.h>
#include <string.h>

typedef struct {
  unsigned char *p;
  size_t len, cap;
  int oom;
} mu_bytes;

static inline void mu_bytes_put(mu_bytes *b, const void *data, size_t n) {
  if (b->oom || n == 0) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    unsigned char *g = realloc(b->p, cap);
    if (!g) {
      b->oom = 1;
      return;
    }
    b->p = g;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}

#endif
