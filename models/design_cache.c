/*
** The columnar cache of survey designs (migration 6): a design's arrays
** (weights, strata, PSUs, fpc) and each variable's codes and levels, kept
** as BLOBs in the store beside the rows they come from. Loading a design
** from rows scans and merges every respondent and answer; from the cache it
** copies a few arrays. An entry is valid while the stamp of the data it
** was built from still holds: the largest row ids of the tables involved
** (every insert raises one) and a counter that triggers raise on every
** update or delete. The cache is written in its own savepoint when the
** store can be written; when it cannot (read-only, busy), estimates are
** still right, only slower.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "design_cache.h"

int mu_cache_stamp(mu_store *s, char *buf, size_t len) {
  /* "max rowid of responses:respondents:questions:options:changes" */
  static const char *const sql =
    "SELECT (SELECT max(rowid) FROM responses_rows), (SELECT max(rowid) FROM respondents), "
    "(SELECT max(rowid) FROM questions), (SELECT max(rowid) FROM options), (SELECT n FROM data_changes)";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) return -1;
  int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
  if (!rc)
    snprintf(buf, len, "%lld:%lld:%lld:%lld:%lld", (long long)sqlite3_column_int64(st, 0),
             (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
             (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4));
  sqlite3_finalize(st);
  return rc;
}

/* ---------------------------------------------------------------- reading */

/*
** The loops that touch every respondent a crosstab reads: vectorised (GCC does only at -O3; clang already
** at -O2), and compiled twice on x86-64, for AVX2 and without, the loader picking the one the processor runs
** (not under ThreadSanitizer, whose run-time is not up yet when the loader picks: the program crashed).
*/
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define MU_HOT_LOOP __attribute__((optimize("O3"), target_clones("avx2", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
#define MU_HOT_LOOP __attribute__((optimize("O3")))
#else
#define MU_HOT_LOOP
#endif

int mu_cache_open(mu_store *s, long long survey, const char *name, const char *stamp, mu_cache_reader *r) {
  sqlite3_stmt *st;
  sqlite3_int64 rowid = 0;
  memset(r, 0, sizeof *r);
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT id FROM survey_cache WHERE survey_id = ? AND name = ? AND stamp = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(st, 1, survey);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, stamp, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW) rowid = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  /* A blob handle reads straight into the caller's buffer, a piece at a time; if the row changes while
     it is open, its reads fail (SQLITE_ABORT) rather than return a mixture. */
  if (!rowid || sqlite3_blob_open(mu_store_db(s), "main", "survey_cache", "data", rowid, 0, &r->blob) != SQLITE_OK) {
    sqlite3_blob_close(r->blob);   /* a failed open may still return a handle; NULL is harmless */
    r->blob = NULL;
    return -1;
  }
  r->len = sqlite3_blob_bytes(r->blob);
  return 0;
}

void mu_cache_close(mu_cache_reader *r) {
  sqlite3_blob_close(r->blob);
  r->blob = NULL;
}

int mu_cache_get(mu_cache_reader *r, void *out, size_t n) {
  if (r->bad || n > (size_t)(r->len - r->off) ||
      (n && sqlite3_blob_read(r->blob, out, (int)n, r->off) != SQLITE_OK)) {
    r->bad = 1;
    return -1;
  }
  r->off += (int)n;
  return 0;
}

int mu_cache_get_at(mu_cache_reader *r, long long off, void *out, size_t n) {
  if (off < 0 || off > r->len) {
    r->bad = 1;
    return -1;
  }
  r->off = (int)off;
  return mu_cache_get(r, out, n);
}

void *mu_cache_get_array(mu_cache_reader *r, size_t n, size_t size) {
  if (r->bad || (n && size > (size_t)(r->len - r->off) / n)) {
    r->bad = 1;
    return NULL;
  }
  void *a = malloc(n ? n * size : 1);
  if (!a || mu_cache_get(r, a, n * size)) {
    free(a);
    r->bad = 1;
    return NULL;
  }
  return a;
}

int mu_cache_read_design_head(mu_design *d, mu_cache_reader *r, uint32_t *flags, double **wdict, int *nwdict,
                              int *w_off, int *stratum_off, int *psu_off) {
  uint32_t h[7];
  *wdict = NULL;
  *nwdict = 0;
  if (mu_cache_get(r, h, sizeof h) || h[0] != MU_DESIGN_MAGIC || h[1] > INT32_MAX || h[2] > INT32_MAX ||
      h[3] > INT32_MAX || h[4] > h[1] || h[2] < 1 || h[5] > (MU_HAS_STRATA | MU_HAS_PSUS | MU_W_DICT) ||
      h[6] > MU_WDICT_MAX || !(h[5] & MU_W_DICT) != !h[6])
    return -1;
  d->n = (int)h[1];
  d->nstrata = (int)h[2];
  d->npsu = (int)h[3];
  d->own_psus = (int)h[4];
  *flags = h[5];
  if (!(*flags & MU_HAS_PSUS) && d->npsu != d->n) return -1;
  if (h[6] && !(*wdict = mu_cache_get_array(r, h[6], sizeof **wdict))) return -1;
  *nwdict = (int)h[6];
  for (int k = 0; k < *nwdict; k++)
    if (!((*wdict)[k] > 0)) return -1;   /* (the caller frees *wdict) */
  /* The sections' offsets, and the whole length they imply: anything else is damage. */
  long long off = r->off, n = d->n;
  *w_off = (int)off;
  off += (*nwdict ? 2 : 8) * n;
  *stratum_off = *flags & MU_HAS_STRATA ? (int)off : -1;
  if (*flags & MU_HAS_STRATA) off += 4 * n;
  *psu_off = *flags & MU_HAS_PSUS ? (int)off : -1;
  if (*flags & MU_HAS_PSUS) off += 4 * n;
  long long tail = off;
  off += (*flags & MU_HAS_PSUS ? 4LL * d->npsu : 0) + 12LL * d->nstrata;
  if (off != r->len) return -1;
  r->off = (int)tail;
  if (*flags & MU_HAS_PSUS) d->psu_stratum = mu_cache_get_array(r, (size_t)d->npsu, sizeof *d->psu_stratum);
  d->fpc = mu_cache_get_array(r, (size_t)d->nstrata, sizeof *d->fpc);
  d->psus_in_stratum = mu_cache_get_array(r, (size_t)d->nstrata, sizeof *d->psus_in_stratum);
  if (r->bad) return -1;
  long long total = 0;
  for (int h2 = 0; h2 < d->nstrata; h2++) {
    if (d->psus_in_stratum[h2] < 0) return -1;
    total += d->psus_in_stratum[h2];
  }
  if (total != d->npsu) return -1;
  for (int j = 0; d->psu_stratum && j < d->npsu; j++)
    if (d->psu_stratum[j] < 0 || d->psu_stratum[j] >= d->nstrata) return -1;
  return 0;
}

/*
** Each index's weight. An index beyond the dictionary reads its last weight (a minimum, not a branch), and
** is found in a loop of its own. A crosstab looks up every weight it reads: AVX2's gathers (MU_HOT_LOOP)
** took a third off the look-ups of a million.
*/
MU_HOT_LOOP
static int look_up(const uint16_t *idx, const double *wdict, int nwdict, int count, double *out) {
  unsigned last = (unsigned)nwdict - 1;
  for (int j = 0; j < count; j++) {
    unsigned k = idx[j];
    out[j] = wdict[k < last ? k : last];
  }
  unsigned bad = 0;
  for (int j = 0; j < count; j++) bad |= idx[j] >= (unsigned)nwdict;
  return bad ? -1 : 0;
}

int mu_cache_read_weights(mu_cache_reader *r, int w_off, const double *wdict, int nwdict, int first, int count,
                          void *raw, double *out) {
  if (!wdict) return mu_cache_get_at(r, w_off + 8LL * first, out, 8 * (size_t)count);
  return mu_cache_get_at(r, w_off + 2LL * first, raw, 2 * (size_t)count) ? -1 : look_up(raw, wdict, nwdict, count, out);
}

/* The next NUL-terminated string of the levels section, copied; NULL when there is none. */
static char *next_str(const char *p, size_t len, size_t *off) {
  const char *end = *off < len ? memchr(p + *off, 0, len - *off) : NULL;
  if (!end) return NULL;
  char *s = strdup(p + *off);
  *off = (size_t)(end - p) + 1;
  return s;
}

int mu_cache_code_bits(int nlevels) {
  return nlevels < 4 ? 2 : nlevels < 16 ? 4 : nlevels < 256 ? 8 : nlevels < 65536 ? 16 : 32;
}

size_t mu_cache_code_bytes(int bits, long long count) { return (size_t)((count * bits + 7) / 8); }

int mu_cache_read_var_head(mu_design_var *v, mu_cache_reader *r) {
  uint32_t h[4];
  if (mu_cache_get(r, h, sizeof h) || h[0] != MU_VAR_MAGIC || h[1] > 1000000 ||
      h[2] != (uint32_t)mu_cache_code_bits((int)h[1]) || mu_cache_get(r, &v->question_id, sizeof v->question_id))
    return -1;
  int nl = (int)h[1];
  char *levels = mu_cache_get_array(r, h[3], 1);
  v->keys = calloc((size_t)nl + 1, sizeof *v->keys);
  v->labels = calloc((size_t)nl + 1, sizeof *v->labels);
  v->option_ids = v->question_id ? calloc((size_t)nl + 1, sizeof *v->option_ids) : NULL;
  int bad = !levels || !v->keys || !v->labels || (v->question_id && !v->option_ids);
  size_t off = 0;
  for (int k = 0; k < nl && !bad; k++) {
    v->keys[k] = next_str(levels, h[3], &off);
    v->labels[k] = next_str(levels, h[3], &off);
    v->nlevels = k + 1;
    bad = !v->keys[k] || !v->labels[k];
    if (!bad && v->question_id) {
      bad = off + sizeof *v->option_ids > h[3];
      if (!bad) memcpy(&v->option_ids[k], levels + off, sizeof *v->option_ids);
      off += sizeof *v->option_ids;
    }
  }
  free(levels);
  return bad || off != h[3] ? -1 : (int)h[2];
}

/* Each byte's 2-bit and 4-bit codes, widened (-1: missing): a table look-up a byte beats shifting a code. */
#define P2(b) {((b) & 3) - 1, (((b) >> 2) & 3) - 1, (((b) >> 4) & 3) - 1, (((b) >> 6) & 3) - 1}
#define P4(b) {((b) & 15) - 1, (((b) >> 4) & 15) - 1}
#define X4(P, b) P(b), P((b) + 1), P((b) + 2), P((b) + 3)
#define X16(P, b) X4(P, b), X4(P, (b) + 4), X4(P, (b) + 8), X4(P, (b) + 12)
#define X64(P, b) X16(P, b), X16(P, (b) + 16), X16(P, (b) + 32), X16(P, (b) + 48)
#define X256(P) X64(P, 0), X64(P, 64), X64(P, 128), X64(P, 192)
static const int32_t widen2[256][4] = {X256(P2)};
static const int32_t widen4[256][2] = {X256(P4)};

/* GCC vectorises these loops only at -O3 (clang already does at -O2): a crosstab widens every code it reads. */
MU_HOT_LOOP
int mu_cache_widen(const void *raw, int bits, int count, int nlevels, int *out) {
  const unsigned char *p = raw;
  int whole = bits == 2 ? count / 4 : count / 2, j = 0;   /* bytes of 2-bit (4-bit) codes filled */
  if (bits == 2) {
    for (int i = 0; i < whole; i++) memcpy(out + 4 * i, widen2[p[i]], sizeof *widen2);
    for (j = 4 * whole; j < count; j++) out[j] = widen2[p[j / 4]][j % 4];
  } else if (bits == 4) {
    for (int i = 0; i < whole; i++) memcpy(out + 2 * i, widen4[p[i]], sizeof *widen4);
    for (j = 2 * whole; j < count; j++) out[j] = widen4[p[j / 2]][j % 2];
  } else if (bits == 8)
    for (j = 0; j < count; j++) out[j] = p[j] - 1;
  else if (bits == 16)
    for (j = 0; j < count; j++) {
      uint16_t c;
      memcpy(&c, p + j * 2, 2);
      out[j] = c - 1;
    }
  else
    for (j = 0; j < count; j++) {
      uint32_t c;
      memcpy(&c, p + j * 4, 4);
      out[j] = (int)(c - 1);
    }
  /* -1 .. nlevels - 1, as one unsigned comparison, in a loop of its own the compiler can vectorise */
  unsigned bad = 0;
  for (j = 0; j < count; j++) bad |= (unsigned)(out[j] + 1) > (unsigned)nlevels;
  return bad ? -1 : 0;
}

/* A whole design from the cache when it is current; -1 (and nothing allocated) otherwise. */
int mu_design_cached(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d) {
  char stamp[160], name[300];
  mu_cache_reader r;
  uint32_t flags;
  int w_off, stratum_off, psu_off, nwdict;
  double *wdict;
  memset(d, 0, sizeof *d);
  if (mu_cache_stamp(s, stamp, sizeof stamp) || mu_cache_open(s, survey, "design", stamp, &r)) return -1;
  int bad = mu_cache_read_design_head(d, &r, &flags, &wdict, &nwdict, &w_off, &stratum_off, &psu_off);
  if (!bad) {
    void *idx = wdict ? malloc(2 * (size_t)d->n + 1) : NULL;   /* the indexes, when there is a dictionary */
    d->w = malloc(((size_t)d->n + 1) * sizeof *d->w);
    bad = (wdict && !idx) || !d->w || mu_cache_read_weights(&r, w_off, wdict, nwdict, 0, d->n, idx, d->w);
    free(idx);   /* (the reader is left at the section after the weights) */
  }
  free(wdict);
  if (!bad) {
    d->stratum = flags & MU_HAS_STRATA ? mu_cache_get_array(&r, (size_t)d->n, sizeof *d->stratum)
                                       : calloc((size_t)d->n + 1, sizeof *d->stratum);
    if (flags & MU_HAS_PSUS) d->psu = mu_cache_get_array(&r, (size_t)d->n, sizeof *d->psu);
    bad = r.bad || !d->w || !d->stratum || ((flags & MU_HAS_PSUS) && !d->psu);
    for (int i = 0; !bad && i < d->n; i++)   /* indexes into per-stratum and per-PSU arrays: checked once */
      bad = d->stratum[i] < 0 || d->stratum[i] >= d->nstrata || mu_psu(d, i) < 0 || mu_psu(d, i) >= d->npsu;
  }
  mu_cache_close(&r);
  d->var = calloc((size_t)(nnames ? nnames : 1), sizeof *d->var);
  for (int v = 0; !bad && d->var && v < nnames; v++) {
    snprintf(name, sizeof name, "var:%s", names[v]);
    d->nvars = v + 1;
    bad = !(d->var[v].name = strdup(names[v])) || mu_cache_open(s, survey, name, stamp, &r);
    if (bad) break;
    int bits = mu_cache_read_var_head(&d->var[v], &r);
    void *raw = bits > 0 ? mu_cache_get_array(&r, mu_cache_code_bytes(bits, d->n), 1) : NULL;
    d->var[v].code = malloc(((size_t)d->n + 1) * sizeof *d->var[v].code);
    bad = !raw || !d->var[v].code || r.off != r.len ||
          mu_cache_widen(raw, bits, d->n, d->var[v].nlevels, d->var[v].code);
    free(raw);
    mu_cache_close(&r);
  }
  if (bad || !d->var) {
    mu_design_free(d);
    return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------- writing */

static void put_str(mu_bytes *b, const char *s) { mu_bytes_put(b, s, strlen(s) + 1); }

static int single_stratum(const mu_design *d) {
  for (int i = 0; i < d->n; i++)
    if (d->stratum[i]) return 0;
  return 1;
}

static int own_psus_in_order(const mu_design *d) {
  if (!d->psu) return 1;
  if (d->npsu != d->n) return 0;
  for (int i = 0; i < d->n; i++)
    if (d->psu[i] != i || d->psu_stratum[i] != d->stratum[i]) return 0;
  return 1;
}

/* The weights through their dictionary when that is smaller (NULL: the weights whole, or out of memory). */
static mu_wdict *weights_dict(const mu_design *d, mu_bytes *b) {
  mu_wdict *wd = mu_wdict_new();
  b->oom |= !wd;
  for (int i = 0; wd && i < d->n && mu_wdict_add(wd, d->w[i]) >= 0; i++) {}
  if (mu_wdict_worth(wd, d->n)) return wd;
  mu_wdict_free(wd);
  return NULL;
}

/* Weights first, then only what the design has: most surveys are weights only, and so is their entry. */
static void design_blob(const mu_design *d, mu_bytes *b) {
  mu_wdict *wd = weights_dict(d, b);
  int nw = 0;
  const double *wv = wd ? mu_wdict_values(wd, &nw) : NULL;
  uint32_t flags = (single_stratum(d) ? 0 : MU_HAS_STRATA) | (own_psus_in_order(d) ? 0 : MU_HAS_PSUS) |
                   (wd ? MU_W_DICT : 0);
  uint32_t h[7] = {MU_DESIGN_MAGIC, (uint32_t)d->n, (uint32_t)d->nstrata, (uint32_t)d->npsu,
                   (uint32_t)d->own_psus, flags, (uint32_t)nw};
  mu_bytes_put(b, h, sizeof h);
  if (wd) {
    mu_bytes_put(b, wv, (size_t)nw * sizeof *wv);
    for (int i = 0; i < d->n; i++) {
      uint16_t k = (uint16_t)mu_wdict_add(wd, d->w[i]);
      mu_bytes_put(b, &k, sizeof k);
    }
    mu_wdict_free(wd);
  } else
    mu_bytes_put(b, d->w, (size_t)d->n * sizeof *d->w);
  if (flags & MU_HAS_STRATA) mu_bytes_put(b, d->stratum, (size_t)d->n * sizeof *d->stratum);
  if (flags & MU_HAS_PSUS) {   /* then d->psu is filled (own_psus_in_order) */
    mu_bytes_put(b, d->psu, (size_t)d->n * sizeof *d->psu);
    mu_bytes_put(b, d->psu_stratum, (size_t)d->npsu * sizeof *d->psu_stratum);
  }
  mu_bytes_put(b, d->fpc, (size_t)d->nstrata * sizeof *d->fpc);
  int32_t *count = calloc((size_t)d->nstrata, sizeof *count);
  if (!count) {
    b->oom = 1;
    return;
  }
  for (int j = 0; j < d->npsu; j++) count[mu_psu_stratum(d, j)]++;
  mu_bytes_put(b, count, (size_t)d->nstrata * sizeof *count);
  free(count);
}

void mu_cache_narrow(const int *codes, int count, int bits, unsigned char *out) {
  if (bits < 8) memset(out, 0, mu_cache_code_bytes(bits, count));
  for (int j = 0; j < count; j++) {
    uint32_t c = (uint32_t)(codes[j] + 1);
    if (bits == 2) out[j >> 2] |= (unsigned char)(c << ((j & 3) * 2));
    else if (bits == 4) out[j >> 1] |= (unsigned char)(c << ((j & 1) * 4));
    else if (bits == 8) out[j] = (unsigned char)c;
    else if (bits == 16) {
      uint16_t c16 = (uint16_t)c;
      memcpy(out + j * 2, &c16, 2);
    } else
      memcpy(out + j * 4, &c, 4);
  }
}

unsigned char *mu_cache_levels(const mu_design_var *v, size_t *len) {
  mu_bytes levels = {NULL, 0, 0, 0};
  for (int k = 0; k < v->nlevels; k++) {
    put_str(&levels, v->keys[k]);
    put_str(&levels, v->labels[k]);
    if (v->question_id) mu_bytes_put(&levels, &v->option_ids[k], sizeof v->option_ids[k]);
  }
  if (levels.oom || !levels.p) {
    free(levels.p);
    return levels.oom ? NULL : calloc(1, 1);
  }
  *len = levels.len;
  return levels.p;
}

/* Codes in as few bits as the levels need (two for up to three, four up to fifteen): most of what a crosstab
   reads. */
static void var_blob(const mu_design *d, const mu_design_var *v, mu_bytes *b) {
  size_t llen = 0;
  unsigned char *levels = mu_cache_levels(v, &llen);
  int bits = mu_cache_code_bits(v->nlevels);
  uint32_t h[4] = {MU_VAR_MAGIC, (uint32_t)v->nlevels, (uint32_t)bits, (uint32_t)llen};
  mu_bytes_put(b, h, sizeof h);
  mu_bytes_put(b, &v->question_id, sizeof v->question_id);
  mu_bytes_put(b, levels, llen);
  b->oom |= !levels;
  free(levels);
  unsigned char chunk[4096];
  int per = (int)sizeof chunk * 8 / bits;   /* a multiple of 4: each piece starts on a byte */
  for (int i = 0; i < d->n; i += per) {
    int m = d->n - i < per ? d->n - i : per;
    mu_cache_narrow(v->code + i, m, bits, chunk);
    mu_bytes_put(b, chunk, mu_cache_code_bytes(bits, m));
  }
}

void mu_design_cache(mu_store *s, long long survey, const mu_design *d) {
  char stamp[160], name[300], err[256];
  sqlite3 *db = mu_store_db(s);
  /* Only outside the caller's transactions (a db:read snapshot stays read-only, a db:transaction is the
     caller's), and never waiting: a reader must not queue behind a writer for a cache it can do without. */
  if (sqlite3_db_readonly(db, "main") == 1 || !sqlite3_get_autocommit(db) || mu_cache_stamp(s, stamp, sizeof stamp))
    return;
  sqlite3_busy_timeout(db, 0);
  int begun = mu_store_begin(s, err, sizeof err);
  sqlite3_busy_timeout(db, mu_busy_timeout_ms());
  if (begun) return;   /* busy or read-only: the estimate goes on uncached */
  sqlite3_stmt *st = NULL;
  int ok = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO survey_cache (survey_id, name, stamp, data) "
                              "VALUES (?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK;
  for (int v = -1; ok && v < d->nvars; v++) {
    mu_bytes b = {NULL, 0, 0, 0};
    if (v < 0) {
      design_blob(d, &b);
      snprintf(name, sizeof name, "design");
    } else {
      var_blob(d, &d->var[v], &b);
      snprintf(name, sizeof name, "var:%s", d->var[v].name);
    }
    if (b.oom) ok = 0;
    if (ok) {
      sqlite3_reset(st);
      sqlite3_bind_int64(st, 1, survey);
      sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 3, stamp, -1, SQLITE_TRANSIENT);
      sqlite3_bind_blob(st, 4, b.p, (int)b.len, SQLITE_STATIC);
      ok = sqlite3_step(st) == SQLITE_DONE;
    }
    free(b.p);
  }
  sqlite3_finalize(st);
  if (!ok || mu_store_commit(s, err, sizeof err)) mu_store_rollback(s);
}
