/*
** The survey cache built from the rows in two passes, so that building it
** takes as little memory at 16 million respondents as at a thousand (the
** whole design held in arrays was 683 MiB at 16M). The first pass counts
** the respondents and learns the strata, PSUs and attribute levels (small
** maps); the entries are then made at their final size (zeroblob) and the
** second pass writes each respondent's weight, stratum, PSU and codes into
** them, a chunk at a time. The entries are byte for byte what
** design_cache.c writes from a whole design, so the readers cannot tell.
**
** Run by a crosstab that finds no current entry (design_stream.c). Like the
** whole-design writer it never writes inside the caller's transaction and
** never waits for another writer; when it cannot build, it returns -1 and
** the estimate loads the design from the rows instead.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "design_cache.h"

#define CHUNK 16384

/* A growable array (ints or doubles), indexed by a stratum or a PSU, new entries zero. */
static int grow(void *array, int *cap, int need, size_t size) {
  if (need <= *cap) return 0;
  int n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  char *g = realloc(*(void **)array, (size_t)n * size);
  if (!g) return -1;
  memset(g + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
  *(void **)array = g;
  *cap = n;
  return 0;
}

/* What the first pass learns. */
typedef struct {
  long long n;
  int *named_stratum, named_cap;   /* a named PSU's stratum */
  int *own_in, own_cap;            /* respondents with their own PSU, per stratum */
  double *fpc;                     /* per stratum */
  int fpc_cap;
  mu_wdict *wdict;                 /* the distinct weights, until there are too many */
} census;

static int count_row(void *ctx, const mu_scan_row *r) {
  census *c = ctx;
  c->n++;
  if (c->wdict && mu_wdict_add(c->wdict, r->w) < 0) {   /* too many to be worth it: the weights go whole */
    mu_wdict_free(c->wdict);
    c->wdict = NULL;
  }
  if (r->psu >= 0) {
    if (grow(&c->named_stratum, &c->named_cap, r->psu + 1, sizeof *c->named_stratum)) return -1;
    c->named_stratum[r->psu] = r->stratum;
  } else {
    if (grow(&c->own_in, &c->own_cap, r->stratum + 1, sizeof *c->own_in)) return -1;
    c->own_in[r->stratum]++;
  }
  if (grow(&c->fpc, &c->fpc_cap, r->stratum + 1, sizeof *c->fpc)) return -1;
  if (r->fpc > 0) c->fpc[r->stratum] = r->fpc;
  return 0;
}

/* One entry being written: its blob, and where each section begins. */
typedef struct {
  sqlite3_blob *blob;
  int bad;
} entry;

static void put_at(entry *e, const void *data, long long n, long long off) {
  if (e->bad || n == 0) return;
  if (sqlite3_blob_write(e->blob, data, (int)n, (int)off) != SQLITE_OK) e->bad = 1;
}

/* A new entry of len bytes (zeros), open for writing. */
static int make_entry(mu_store *s, long long survey, const char *name, const char *stamp, long long len, entry *e) {
  sqlite3 *db = mu_store_db(s);
  sqlite3_stmt *st;
  memset(e, 0, sizeof *e);
  if (len > INT_MAX) return -1;   /* a blob's offsets are ints: beyond 2 GiB, the estimate reads the rows */
  if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO survey_cache (survey_id, name, stamp, data) "
                         "VALUES (?, ?, ?, zeroblob(?))", -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(st, 1, survey);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, stamp, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, len);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE ||
      sqlite3_blob_open(db, "main", "survey_cache", "data", sqlite3_last_insert_rowid(db), 1, &e->blob) != SQLITE_OK) {
    sqlite3_blob_close(e->blob);
    e->blob = NULL;
    return -1;
  }
  return 0;
}

/* The second pass: respondents gathered a chunk at a time, then written where they go. */
typedef struct {
  entry design, var[MU_MAX_VARS];
  int nvars, bits[MU_MAX_VARS], named;
  mu_wdict *wdict;                 /* the weights' indexes are written, or (NULL) the weights themselves */
  const int *const *remap;         /* per attribute: interned level -> sorted level; NULL for a question */
  long long w_off, stratum_off, psu_off, psu_stratum_off, code_off[MU_MAX_VARS];
  int has_strata, has_psus;
  long long first, m, own;         /* the chunk's first respondent and size; own PSUs so far */
  double w[CHUNK];
  uint16_t widx[CHUNK];
  int32_t stratum[CHUNK], psu[CHUNK], own_stratum[CHUNK];
  long long own_first;
  int nown;
  int code[MU_MAX_VARS][CHUNK];
  unsigned char narrow[CHUNK * 4];
  FILE *spool[MU_MAX_VARS];        /* each variable's codes, until the design entry is written (see flush) */
} writer;

static void flush_own(writer *wr) {
  put_at(&wr->design, wr->own_stratum, 4LL * wr->nown, wr->psu_stratum_off + 4 * (wr->named + wr->own_first));
  wr->own_first += wr->nown;
  wr->nown = 0;
}

/*
** A chunk's design goes straight into its entry; its codes go to a temporary file per variable, copied into
** their entries one after another at the end (copy_codes). Writing two blobs of one table in turn makes
** SQLite forget where each blob's pages are (a write saves the other cursors on the table, which drops
** their overflow-page lists), so each write walked its blob's page chain from the start: at 4M respondents
** 1.27 million page reads, against 0.17 million with the codes written last.
*/
static void flush(writer *wr) {
  if (wr->wdict) {
    for (long long j = 0; j < wr->m; j++) wr->widx[j] = (uint16_t)mu_wdict_add(wr->wdict, wr->w[j]);
    put_at(&wr->design, wr->widx, 2 * wr->m, wr->w_off + 2 * wr->first);
  } else
    put_at(&wr->design, wr->w, 8 * wr->m, wr->w_off + 8 * wr->first);
  if (wr->has_strata) put_at(&wr->design, wr->stratum, 4 * wr->m, wr->stratum_off + 4 * wr->first);
  if (wr->has_psus) put_at(&wr->design, wr->psu, 4 * wr->m, wr->psu_off + 4 * wr->first);
  for (int v = 0; v < wr->nvars; v++) {
    mu_cache_narrow(wr->code[v], (int)wr->m, wr->bits[v], wr->narrow);   /* m is CHUNK but at the end */
    size_t len = mu_cache_code_bytes(wr->bits[v], wr->m);
    if (fwrite(wr->narrow, 1, len, wr->spool[v]) != len) wr->var[v].bad = 1;
  }
  wr->first += wr->m;
  wr->m = 0;
}

/* Each variable's spooled codes into its entry, in order, one entry at a time. */
static void copy_codes(writer *wr) {
  for (int v = 0; v < wr->nvars; v++) {
    long long off = wr->code_off[v];
    size_t got;
    if (fflush(wr->spool[v]) || fseek(wr->spool[v], 0, SEEK_SET)) wr->var[v].bad = 1;
    while (!wr->var[v].bad && (got = fread(wr->narrow, 1, sizeof wr->narrow, wr->spool[v])) > 0) {
      put_at(&wr->var[v], wr->narrow, (long long)got, off);
      off += (long long)got;
    }
    if (ferror(wr->spool[v]) || off != wr->code_off[v] + (long long)mu_cache_code_bytes(wr->bits[v], wr->first))
      wr->var[v].bad = 1;
  }
}

static int write_row(void *ctx, const mu_scan_row *r) {
  writer *wr = ctx;
  long long j = wr->m;
  wr->w[j] = r->w;
  wr->stratum[j] = r->stratum;
  if (r->psu >= 0) {
    wr->psu[j] = r->psu;
  } else {   /* own PSUs are numbered after the named ones, in order; their strata go in psu_stratum too */
    wr->psu[j] = (int32_t)(wr->named + wr->own++);
    if (wr->has_psus) {
      wr->own_stratum[wr->nown++] = r->stratum;
      if (wr->nown == CHUNK) flush_own(wr);
    }
  }
  for (int v = 0; v < wr->nvars; v++) {
    int c = r->code[v];
    wr->code[v][j] = c >= 0 && wr->remap[v] ? wr->remap[v][c] : c;
  }
  if (++wr->m == CHUNK) flush(wr);
  return wr->design.bad;
}

static int build(mu_store *s, long long survey, const char *const *names, int nnames, const char *stamp,
                 mu_design_var *var, mu_scan *sc, writer *wr, char **keys[], int *remap[], int nlev[]) {
  char err[256], name[300];
  census c;
  memset(&c, 0, sizeof c);
  c.wdict = mu_wdict_new();
  int rc = -1;
  if (mu_scan_rows(s, survey, names, nnames, var, sc, count_row, &c, err, sizeof err) || c.n == 0 ||
      c.n > INT_MAX / 8)
    goto done;
  /* the attribute levels are all known now: sorted as R sorts a factor's, before any entry is written */
  for (int v = 0; v < nnames; v++)
    if (!var[v].question_id && mu_scan_levels(sc, v, &keys[v], &remap[v], &nlev[v])) goto done;
  int nstrata = mu_scan_nstrata(sc), named = mu_scan_named_psus(sc), own = mu_scan_own_psus(sc);
  long long n = c.n, npsu = (long long)named + own;
  wr->named = named;
  wr->has_strata = nstrata > 1;   /* every stratum index 0: the entry leaves strata out, as design_cache.c does */
  wr->has_psus = named > 0;       /* no named PSU: everyone their own, in order, left out too */
  /* The design entry: header, weights' dictionary, per-respondent sections, per-PSU strata, per-stratum fpc and
     PSU counts. */
  int nw = 0;
  const double *wv = NULL;
  if (mu_wdict_worth(c.wdict, n)) {
    wr->wdict = c.wdict;   /* the writer's now: it finds each weight's index in the second pass */
    c.wdict = NULL;
    wv = mu_wdict_values(wr->wdict, &nw);
  }
  wr->w_off = MU_DESIGN_HEAD + 8LL * nw;
  long long off = wr->w_off + (wr->wdict ? 2 : 8) * n;
  wr->stratum_off = off;
  if (wr->has_strata) off += 4 * n;
  wr->psu_off = off;
  if (wr->has_psus) off += 4 * n;
  wr->psu_stratum_off = off;
  if (wr->has_psus) off += 4 * npsu;
  long long fpc_off = off, count_off = off + 8LL * nstrata;
  off = count_off + 4LL * nstrata;
  if (make_entry(s, survey, "design", stamp, off, &wr->design)) goto done;
  uint32_t h[7] = {MU_DESIGN_MAGIC, (uint32_t)n, (uint32_t)nstrata, (uint32_t)npsu, (uint32_t)own,
                   (wr->has_strata ? MU_HAS_STRATA : 0) | (wr->has_psus ? MU_HAS_PSUS : 0) |
                   (wr->wdict ? MU_W_DICT : 0), (uint32_t)nw};
  put_at(&wr->design, h, sizeof h, 0);
  put_at(&wr->design, wv, 8LL * nw, MU_DESIGN_HEAD);
  double *fpc = calloc((size_t)nstrata, sizeof *fpc);
  int32_t *count = calloc((size_t)nstrata, sizeof *count);
  if (!fpc || !count) {
    free(fpc);
    free(count);
    goto done;
  }
  for (int k = 0; k < nstrata; k++) {
    fpc[k] = k < c.fpc_cap ? c.fpc[k] : 0;
    count[k] = k < c.own_cap ? c.own_in[k] : 0;
  }
  for (int j = 0; j < named; j++) count[c.named_stratum[j]]++;
  put_at(&wr->design, fpc, 8LL * nstrata, fpc_off);
  put_at(&wr->design, count, 4LL * nstrata, count_off);
  if (wr->has_psus) put_at(&wr->design, c.named_stratum, 4LL * named, wr->psu_stratum_off);
  free(fpc);
  free(count);
  /* Each variable's entry: header, levels, then the codes the second pass writes. */
  for (int v = 0; v < nnames; v++) {
    /* an attribute's levels as the whole load gives them: sorted, each its own label */
    mu_design_var sorted = {.nlevels = nlev[v], .keys = keys[v], .labels = keys[v]};
    const mu_design_var *lv = var[v].question_id ? &var[v] : &sorted;
    int nl = lv->nlevels;
    size_t llen = 0;
    unsigned char *lev = mu_cache_levels(lv, &llen);
    wr->bits[v] = mu_cache_code_bits(nl);
    wr->code_off[v] = MU_VAR_HEAD + (long long)llen;
    snprintf(name, sizeof name, "var:%s", names[v]);
    wr->nvars = v + 1;
    if (!lev || !(wr->spool[v] = tmpfile()) ||
        make_entry(s, survey, name, stamp, wr->code_off[v] + (long long)mu_cache_code_bytes(wr->bits[v], n),
                   &wr->var[v])) {
      free(lev);
      goto done;
    }
    uint32_t vh[4] = {MU_VAR_MAGIC, (uint32_t)nl, (uint32_t)wr->bits[v], (uint32_t)llen};
    put_at(&wr->var[v], vh, sizeof vh, 0);
    put_at(&wr->var[v], &var[v].question_id, sizeof var[v].question_id, 16);
    put_at(&wr->var[v], lev, (long long)llen, MU_VAR_HEAD);
    free(lev);
  }
  wr->remap = (const int *const *)remap;
  if (mu_scan_rows(s, survey, names, nnames, var, sc, write_row, wr, err, sizeof err)) goto done;
  flush(wr);
  if (wr->nown) flush_own(wr);
  copy_codes(wr);
  rc = wr->design.bad || wr->first != n ? -1 : 0;
  for (int v = 0; v < nnames; v++) rc |= wr->var[v].bad ? -1 : 0;
done:
  mu_wdict_free(c.wdict);
  free(c.named_stratum);
  free(c.own_in);
  free(c.fpc);
  return rc;
}

static void free_var(mu_design_var *v) {
  for (int k = 0; k < v->nlevels; k++) {
    if (v->keys) free(v->keys[k]);
    if (v->labels) free(v->labels[k]);
  }
  free(v->keys);
  free(v->labels);
  free(v->option_ids);
  free(v->name);
}

int mu_design_build_cache(mu_store *s, long long survey, const char *const *names, int nnames) {
  char stamp[160], err[256];
  sqlite3 *db = mu_store_db(s);
  if (nnames > MU_MAX_VARS || sqlite3_db_readonly(db, "main") == 1 || !sqlite3_get_autocommit(db)) return -1;
  sqlite3_busy_timeout(db, 0);
  int begun = mu_store_begin(s, err, sizeof err);
  sqlite3_busy_timeout(db, mu_busy_timeout_ms());
  if (begun) return -1;   /* busy or read-only: the estimate reads the rows instead */
  mu_design_var var[MU_MAX_VARS];
  char **keys[MU_MAX_VARS];
  int *remap[MU_MAX_VARS], nlev[MU_MAX_VARS], nvar = 0, rc = -1;
  memset(var, 0, sizeof var);
  memset(keys, 0, sizeof keys);
  memset(remap, 0, sizeof remap);
  memset(nlev, 0, sizeof nlev);
  mu_scan *sc = mu_scan_new(nnames);
  writer *wr = calloc(1, sizeof *wr);
  if (sc && wr && mu_cache_stamp(s, stamp, sizeof stamp) == 0) {
    for (; nvar < nnames; nvar++)
      if (mu_design_resolve_var(s, survey, names[nvar], &var[nvar], err, sizeof err)) break;
    if (nvar == nnames) rc = build(s, survey, names, nnames, stamp, var, sc, wr, keys, remap, nlev);
    else nvar++;   /* the one that failed is freed too */
  }
  if (wr) {
    if (wr->design.blob) sqlite3_blob_close(wr->design.blob);
    mu_wdict_free(wr->wdict);
    for (int v = 0; v < wr->nvars; v++) {
      if (wr->var[v].blob) sqlite3_blob_close(wr->var[v].blob);
      if (wr->spool[v]) fclose(wr->spool[v]);
    }
  }
  for (int v = 0; v < nnames; v++) {
    for (int k = 0; keys[v] && k < nlev[v]; k++) free(keys[v][k]);
    free(keys[v]);
    free(remap[v]);
  }
  for (int v = 0; v < nvar; v++) free_var(&var[v]);
  mu_scan_free(sc);
  free(wr);
  if (rc == 0 && mu_store_commit(s, err, sizeof err) == 0) return 0;
  mu_store_rollback(s);
  return -1;
}
