/*
** A survey's sealed keys in a Bloom filter (sealed.h): a write of a new
** answer to a survey with sealed ones needs its key looked for among them,
** and most such keys are new, which the filter says without decoding a
** block (a seek decodes two columns' blocks: milliseconds at a million).
*/
#include <stdlib.h>
#include "sealed.h"
/*
** A survey's sealed keys in a Bloom filter (10 bits a key, 4 probes: about 1% false "maybe"): a write of a new
** answer to a survey with sealed ones needs its key looked for among them, and most such keys are new, which
** the filter says without decoding a block.
*/
struct mu_sealed_keys {
  uint64_t mask;   /* bits - 1 (a power of two) */
  uint64_t *bits;
};

static uint64_t key_hash(const mu_cval *r, sqlite3_int64 q) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)q * 0x9e3779b97f4a7c15ull;
  for (int k = 0; k < r->len; k++) h = (h ^ (unsigned char)r->s[k]) * 1099511628211ull;
  return h ^ h >> 29;
}

#define PROBE(h, k) ((h) + (uint64_t)(k) * (((h) >> 32) | 1))

mu_sealed_keys *mu_sealed_keys_build(sqlite3 *db, long long survey) {
  mu_sealed *s = NULL;
  if (mu_sealed_open_cols(db, survey, 1u << 2 | 1u << 3, &s) || !s) return NULL;
  mu_sealed_keys *f = calloc(1, sizeof *f);
  uint64_t nbits = 64;
  while (nbits < (uint64_t)mu_sealed_count(s) * 10) nbits *= 2;
  if (f && (f->bits = calloc(nbits / 64, sizeof *f->bits))) {
    f->mask = nbits - 1;
    int got;
    while ((got = mu_sealed_next(s)) > 0) {
      const mu_cval *r = mu_sealed_value(s, 2), *q = mu_sealed_value(s, 3);
      if (r->type != SQLITE_TEXT || q->type != SQLITE_INTEGER) break;
      uint64_t h = key_hash(r, q->i);
      for (int k = 0; k < 4; k++) {
        uint64_t b = PROBE(h, k) & f->mask;
        f->bits[b / 64] |= 1ull << (b % 64);
      }
    }
    if (got == 0) {
      mu_sealed_close(s);
      return f;
    }
  }
  mu_sealed_close(s);
  mu_sealed_keys_free(f);
  return NULL;
}

int mu_sealed_keys_maybe(const mu_sealed_keys *f, const mu_cval *respondent, sqlite3_int64 question) {
  uint64_t h = key_hash(respondent, question);
  for (int k = 0; k < 4; k++) {
    uint64_t b = PROBE(h, k) & f->mask;
    if (!(f->bits[b / 64] & 1ull << (b % 64))) return 0;
  }
  return 1;
}

void mu_sealed_keys_free(mu_sealed_keys *f) {
  if (!f) return;
  free(f->bits);
  free(f);
}
