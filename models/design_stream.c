/*
** Designs read in chunks from the survey cache. A crosstab adds each
** respondent into a few accumulators (estimate.c), so it never needs all
** of them at once: reading 16,384 respondents at a time keeps memory flat
** however large the survey (16M respondents would be 200 MB as arrays),
** and the pieces stay in the processor's cache between reading and adding.
** Every code is checked as it is widened: a damaged entry stops the
** estimate (-1), and the caller loads the design from its rows instead.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "design_cache.h"

#define CHUNK 16384

struct mu_design_source {
  mu_store *s;
  long long survey;
  char stamp[160];               /* the entries read are the ones of this state of the data */
  int open;                      /* the readers hold their blobs (readers_open) */
  long long design_len, var_len[MU_MAX_VARS];
  mu_cache_reader design, var[MU_MAX_VARS];
  uint32_t flags;
  double *wdict;                 /* the weights' dictionary, or NULL when they are stored whole */
  int nwdict;
  int w_off, stratum_off, psu_off, code_off[MU_MAX_VARS], bits[MU_MAX_VARS], nvars;
  double w[CHUNK];
  int stratum[CHUNK], psu[CHUNK], code[MU_MAX_VARS][CHUNK];
  unsigned char raw[CHUNK * 4];
};

/*
** The readers hold their entries' blobs only while a pass reads them: an open blob keeps the connection's
** read transaction, so a design kept for later (a Lua value the collector had not freed yet) pinned the
** store as it was: the script no longer saw another program's writes, and its own next write failed as
** busy. Each pass finds its entries again by name and stamp: an entry is never changed in place, so every
** chunk comes from the same bytes, and if the data changed meanwhile the entry is gone and the estimate
** starts again from the rows.
**
** The cache's columns are read through a memory map while a pass runs (mu_store_map), not a read() a
** page: the copies through the kernel were a third of a crosstab's time. As much of the file as SQLite
** will map (its build's SQLITE_MAX_MMAP_SIZE, 2 GB in Debian's): the cache is written last, at the end of
** the file, so a 1 GiB map missed it in a store of 16M answers. Nothing shrinks the file (no VACUUM),
** which is what makes a mapping unsafe; a build without mmap ignores it.
*/
static void readers_close(struct mu_design_source *src) {
  if (!src->open) return;
  mu_cache_close(&src->design);
  for (int v = 0; v < src->nvars; v++) mu_cache_close(&src->var[v]);
  src->open = 0;
}

/* Each entry by name and stamp; its length must be the one its heads were read with (-1: not read yet). */
static int readers_open(const mu_design *d, struct mu_design_source *src) {
  char name[300];
  if (src->open) return 0;
  mu_store_map(src->s, 1);
  src->open = 1;
  if (mu_cache_open(src->s, src->survey, "design", src->stamp, &src->design) ||
      (src->design_len >= 0 && src->design.len != src->design_len))
    return -1;
  src->design_len = src->design.len;
  for (int v = 0; v < src->nvars; v++) {
    snprintf(name, sizeof name, "var:%s", d->var[v].name);
    if (mu_cache_open(src->s, src->survey, name, src->stamp, &src->var[v]) ||
        (src->var_len[v] >= 0 && src->var[v].len != src->var_len[v]))
      return -1;
    src->var_len[v] = src->var[v].len;
  }
  return 0;
}

void mu_design_source_close(struct mu_design_source *src) {
  if (!src) return;
  readers_close(src);   /* (closed at the end of every pass already: nothing here touches the store) */
  free(src->wdict);
  free(src);
}

/* The design's header and per-stratum arrays, and each variable's levels; the rest is left in the store. */
static int open_cached(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d) {
  char stamp[160];
  memset(d, 0, sizeof *d);
  if (nnames > MU_MAX_VARS || mu_cache_stamp(s, stamp, sizeof stamp)) return -1;
  struct mu_design_source *src = calloc(1, sizeof *src);
  d->var = calloc((size_t)(nnames ? nnames : 1), sizeof *d->var);
  d->src = src;
  if (!src || !d->var) return -1;
  src->s = s;
  src->survey = survey;
  snprintf(src->stamp, sizeof src->stamp, "%s", stamp);
  src->design_len = -1;
  for (int v = 0; v < nnames; v++) {
    d->nvars = src->nvars = v + 1;
    src->var_len[v] = -1;
    if (!(d->var[v].name = strdup(names[v]))) return -1;
  }
  /* opened here to read the heads; closed below until a pass reads the rest */
  if (readers_open(d, src) ||
      mu_cache_read_design_head(d, &src->design, &src->flags, &src->wdict, &src->nwdict, &src->w_off,
                                &src->stratum_off, &src->psu_off))
    return -1;
  for (int v = 0; v < nnames; v++) {
    src->bits[v] = mu_cache_read_var_head(&d->var[v], &src->var[v]);
    src->code_off[v] = src->var[v].off;
    if (src->bits[v] < 0 ||
        (size_t)(src->var[v].len - src->code_off[v]) != mu_cache_code_bytes(src->bits[v], d->n))
      return -1;
  }
  readers_close(src);
  return 0;
}

/*
** Above this many rows (respondents and answers together, an upper bound on the respondents) the whole
** design would pass 64 MiB while it is built (about 50 bytes a respondent, twice over while its entries are
** written): the cache is then built in two passes instead.
*/
#define STREAM_BUILD_ROWS 2000000

static long long rows_bound(mu_store *s, long long survey) {
  sqlite3_stmt *st;
  long long n = 0;
  mu_store_map(s, 0);   /* a count reads every row: mapped, each page would stay resident (950 MiB at 16M) */
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT (SELECT count(*) FROM respondents WHERE survey_id = ?1) + "
                         "(SELECT count(*) FROM responses WHERE survey_id = ?1)", -1, &st, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_int64(st, 1, survey);
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

int mu_design_open(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d, char *err,
                   size_t errlen) {
  if (open_cached(s, survey, names, nnames, d) == 0) return 0;
  mu_design_free(d);
  /* No current entry. A large survey's is built from the rows in two passes (memory flat, about three
     times the time), then read in chunks like any; a smaller one is loaded whole, in one pass, and cached. */
  if (rows_bound(s, survey) > STREAM_BUILD_ROWS && mu_design_build_cache(s, survey, names, nnames) == 0) {
    if (open_cached(s, survey, names, nnames, d) == 0) return 0;
    mu_design_free(d);
  }
  return mu_design_load(s, survey, names, nnames, d, err, errlen);
}


static int read_chunk(const mu_design *d, struct mu_design_source *src, int first, int n, mu_chunk *c);

int mu_design_chunk(const mu_design *d, int first, mu_chunk *c) {
  memset(c, 0, sizeof *c);
  if (!d->src) {   /* the arrays are in memory: one chunk of everyone */
    c->n = d->n - first;
    c->w = d->w + first;
    c->stratum = d->stratum + first;
    c->psu = d->psu ? d->psu + first : NULL;
    for (int v = 0; v < d->nvars; v++) c->code[v] = d->var[v].code + first;
    return 0;
  }
  struct mu_design_source *src = d->src;
  int n = d->n - first < CHUNK ? d->n - first : CHUNK;
  c->n = n;
  if (readers_open(d, src) || read_chunk(d, src, first, n, c)) {
    readers_close(src);   /* a failed pass ends here too */
    return -1;
  }
  /* the chunk is copied out: at the end of a pass, let go of the blobs (readers_close) */
  if (first + n >= d->n) readers_close(src);
  return 0;
}

static int read_chunk(const mu_design *d, struct mu_design_source *src, int first, int n, mu_chunk *c) {
  if (mu_cache_read_weights(&src->design, src->w_off, src->wdict, src->nwdict, first, n, src->raw, src->w))
    return -1;
  c->w = src->w;
  if (src->flags & MU_HAS_STRATA) {
    if (mu_cache_get_at(&src->design, src->stratum_off + (long long)sizeof *src->stratum * first, src->stratum,
                        sizeof *src->stratum * (size_t)n)) return -1;
    for (int j = 0; j < n; j++)
      if (src->stratum[j] < 0 || src->stratum[j] >= d->nstrata) return -1;
    c->stratum = src->stratum;
  }
  if (src->flags & MU_HAS_PSUS) {
    if (mu_cache_get_at(&src->design, src->psu_off + (long long)sizeof *src->psu * first, src->psu,
                        sizeof *src->psu * (size_t)n)) return -1;
    for (int j = 0; j < n; j++)
      if (src->psu[j] < 0 || src->psu[j] >= d->npsu) return -1;
    c->psu = src->psu;
  }
  for (int v = 0; v < d->nvars; v++) {
    /* first is a multiple of CHUNK: its codes start on a byte */
    if (mu_cache_get_at(&src->var[v], src->code_off[v] + (long long)mu_cache_code_bytes(src->bits[v], first),
                        src->raw, mu_cache_code_bytes(src->bits[v], n)) ||
        mu_cache_widen(src->raw, src->bits[v], n, d->var[v].nlevels, src->code[v]))
      return -1;
    c->code[v] = src->code[v];
  }
  return 0;
}

int mu_design_next(const mu_design *d, int first, mu_chunk *c, char *err, size_t errlen) {
  if (mu_design_chunk(d, first, c) == 0 && c->n > 0 && (d->own_psus == d->n || c->psu)) return 0;
  snprintf(err, errlen, "the survey's cached design is damaged: it is read again from the answers");
  return MU_DESIGN_RELOAD;
}
