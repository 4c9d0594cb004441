/*
** The weights' dictionary of the survey cache (design_cache.h): each
** distinct weight once, found again by its bits in an open-addressed table
** twice the dictionary's largest size, so that a two-pass build can look up
** 16 million weights without sorting them. Bits, not values: a weight is
** positive and never NaN (the respondents' CHECK), so equal bits and equal
** values are the same thing, and the dictionary gives back the very double.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "design_cache.h"

#define SLOTS (2 * MU_WDICT_MAX)   /* a power of two: the probe wraps with a mask */

struct mu_wdict {
  uint64_t key[SLOTS];
  int32_t index[SLOTS];   /* 0: empty slot, else the weight's index + 1 */
  double value[MU_WDICT_MAX];
  int n, full;
};

mu_wdict *mu_wdict_new(void) { return calloc(1, sizeof(mu_wdict)); }

void mu_wdict_free(mu_wdict *wd) { free(wd); }

int mu_wdict_add(mu_wdict *wd, double w) {
  uint64_t bits;
  if (!wd || wd->full) return -1;
  memcpy(&bits, &w, sizeof bits);
  /* Fibonacci hashing: weights differ in their low mantissa bits as often as in their high ones */
  uint32_t h = (uint32_t)((bits * 0x9E3779B97F4A7C15ull) >> 47) & (SLOTS - 1);
  while (wd->index[h]) {
    if (wd->key[h] == bits) return wd->index[h] - 1;
    h = (h + 1) & (SLOTS - 1);
  }
  if (wd->n == MU_WDICT_MAX) {
    wd->full = 1;
    return -1;
  }
  wd->key[h] = bits;
  wd->value[wd->n] = w;
  wd->index[h] = ++wd->n;
  return wd->n - 1;
}

const double *mu_wdict_values(const mu_wdict *wd, int *count) {
  *count = wd->n;
  return wd->value;
}

/* The dictionary and 2 bytes a respondent, against 8 bytes a respondent. */
int mu_wdict_worth(const mu_wdict *wd, long long n) { return wd && !wd->full && 8LL * wd->n + 2 * n < 8 * n; }
