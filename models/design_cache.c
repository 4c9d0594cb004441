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
#include "model.h"

#define DESIGN_MAGIC 0x3144554du   /* "MUD1" */
#define VAR_MAGIC 0x3156554du      /* "MUV1" */

/* The state of the survey data: "max rowid of responses:respondents:questions:options:changes". */
static int data_stamp(mu_store *s, char *buf, size_t len) {
  static const char *const sql =
    "SELECT (SELECT max(rowid) FROM responses), (SELECT max(rowid) FROM respondents), "
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

/* ---------------------------------------------------------------- a growing byte buffer */

typedef struct {
  unsigned char *p;
  size_t len, cap;
  int oom;
} buf;

static void put(buf *b, const void *data, size_t n) {
  if (b->oom) return;
  if (b->len + n > b->cap) {
    size_t cap = (b->len + n) * 2;
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

static void put_u32(buf *b, uint32_t v) { put(b, &v, sizeof v); }
static void put_str(buf *b, const char *s) { put(b, s, strlen(s) + 1); }

/* Reading: each get checks the bounds, so a damaged entry is refused, never overread. */
typedef struct {
  const unsigned char *p;
  size_t len, off;
  int bad;
} reader;

static int get(reader *r, void *out, size_t n) {
  if (r->bad || r->off + n > r->len) {
    r->bad = 1;
    return -1;
  }
  memcpy(out, r->p + r->off, n);
  r->off += n;
  return 0;
}

static char *get_str(reader *r) {
  if (r->bad) return NULL;
  const unsigned char *end = memchr(r->p + r->off, 0, r->len - r->off);
  if (!end) {
    r->bad = 1;
    return NULL;
  }
  char *s = strdup((const char *)r->p + r->off);
  r->off = (size_t)(end - r->p) + 1;
  if (!s) r->bad = 1;
  return s;
}

static void *get_array(reader *r, size_t n, size_t size) {
  if (n && size > (r->len - r->off) / n) {
    r->bad = 1;
    return NULL;
  }
  void *a = malloc(n ? n * size : 1);
  if (!a || get(r, a, n * size)) {
    free(a);
    r->bad = 1;
    return NULL;
  }
  return a;
}

/* ---------------------------------------------------------------- entries */

static void design_blob(const mu_design *d, buf *b) {
  uint32_t h[5] = {DESIGN_MAGIC, (uint32_t)d->n, (uint32_t)d->nstrata, (uint32_t)d->npsu, (uint32_t)d->own_psus};
  put(b, h, sizeof h);
  put(b, d->w, (size_t)d->n * sizeof *d->w);
  put(b, d->stratum, (size_t)d->n * sizeof *d->stratum);
  put(b, d->psu, (size_t)d->n * sizeof *d->psu);
  put(b, d->psu_stratum, (size_t)d->npsu * sizeof *d->psu_stratum);
  put(b, d->fpc, (size_t)d->nstrata * sizeof *d->fpc);
}

static int design_read(mu_design *d, const void *data, size_t len) {
  reader r = {data, len, 0, 0};
  uint32_t h[5];
  if (get(&r, h, sizeof h) || h[0] != DESIGN_MAGIC) return -1;
  d->n = (int)h[1];
  d->nstrata = (int)h[2];
  d->npsu = (int)h[3];
  d->own_psus = (int)h[4];
  d->w = get_array(&r, (size_t)d->n, sizeof *d->w);
  d->stratum = get_array(&r, (size_t)d->n, sizeof *d->stratum);
  d->psu = get_array(&r, (size_t)d->n, sizeof *d->psu);
  d->psu_stratum = get_array(&r, (size_t)d->npsu, sizeof *d->psu_stratum);
  d->fpc = get_array(&r, (size_t)d->nstrata, sizeof *d->fpc);
  return r.bad || r.off != r.len ? -1 : 0;
}

static void var_blob(const mu_design *d, const mu_design_var *v, buf *b) {
  put_u32(b, VAR_MAGIC);
  put_u32(b, (uint32_t)v->nlevels);
  put(b, &v->question_id, sizeof v->question_id);
  for (int k = 0; k < v->nlevels; k++) {
    put_str(b, v->keys[k]);
    put_str(b, v->labels[k]);
    if (v->question_id) put(b, &v->option_ids[k], sizeof v->option_ids[k]);
  }
  put(b, v->code, (size_t)d->n * sizeof *v->code);
}

static int var_read(const mu_design *d, mu_design_var *v, const void *data, size_t len) {
  reader r = {data, len, 0, 0};
  uint32_t magic, nl;
  if (get(&r, &magic, sizeof magic) || magic != VAR_MAGIC || get(&r, &nl, sizeof nl) ||
      get(&r, &v->question_id, sizeof v->question_id) || nl > 1000000)
    return -1;
  v->keys = calloc(nl ? nl : 1, sizeof *v->keys);
  v->labels = calloc(nl ? nl : 1, sizeof *v->labels);
  v->option_ids = v->question_id ? calloc(nl ? nl : 1, sizeof *v->option_ids) : NULL;
  if (!v->keys || !v->labels || (v->question_id && !v->option_ids)) return -1;
  for (uint32_t k = 0; k < nl && !r.bad; k++) {
    v->keys[k] = get_str(&r);
    v->labels[k] = get_str(&r);
    v->nlevels = (int)k + 1;
    if (v->question_id) get(&r, &v->option_ids[k], sizeof v->option_ids[k]);
  }
  v->code = get_array(&r, (size_t)d->n, sizeof *v->code);
  if (r.bad || r.off != r.len) return -1;
  for (int i = 0; i < d->n; i++)
    if (v->code[i] < -1 || v->code[i] >= v->nlevels) return -1;   /* a damaged entry: rebuild it */
  return 0;
}

/* ---------------------------------------------------------------- the store's side */

static int fetch(mu_store *s, long long survey, const char *name, const char *stamp, sqlite3_stmt **st) {
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT data FROM survey_cache WHERE survey_id = ? AND name = ? AND stamp = ?",
                         -1, st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(*st, 1, survey);
  sqlite3_bind_text(*st, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(*st, 3, stamp, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(*st) == SQLITE_ROW) return 0;
  sqlite3_finalize(*st);
  *st = NULL;
  return -1;
}

int mu_design_cached(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d) {
  char stamp[160], name[300];
  memset(d, 0, sizeof *d);
  if (data_stamp(s, stamp, sizeof stamp)) return -1;
  sqlite3_stmt *st;
  if (fetch(s, survey, "design", stamp, &st)) return -1;
  int bad = design_read(d, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  d->var = calloc((size_t)(nnames ? nnames : 1), sizeof *d->var);
  if (bad || !d->var) {
    mu_design_free(d);
    return -1;
  }
  for (int v = 0; v < nnames; v++) {
    snprintf(name, sizeof name, "var:%s", names[v]);
    d->nvars = v + 1;
    if (!(d->var[v].name = strdup(names[v])) || fetch(s, survey, name, stamp, &st)) {
      mu_design_free(d);
      return -1;
    }
    bad = var_read(d, &d->var[v], sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    sqlite3_finalize(st);
    if (bad) {
      mu_design_free(d);
      return -1;
    }
  }
  return 0;
}

void mu_design_cache(mu_store *s, long long survey, const mu_design *d) {
  char stamp[160], name[300], err[256];
  sqlite3 *db = mu_store_db(s);
  /* Only outside the caller's transactions (a db:read snapshot stays read-only, a db:transaction is the
     caller's), and never waiting: a reader must not queue behind a writer for a cache it can do without. */
  if (sqlite3_db_readonly(db, "main") == 1 || !sqlite3_get_autocommit(db) || data_stamp(s, stamp, sizeof stamp))
    return;
  sqlite3_busy_timeout(db, 0);
  int begun = mu_store_begin(s, err, sizeof err);
  sqlite3_busy_timeout(db, mu_busy_timeout_ms());
  if (begun) return;   /* busy or read-only: the estimate goes on uncached */
  sqlite3_stmt *st = NULL;
  int ok = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO survey_cache (survey_id, name, stamp, data) "
                              "VALUES (?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK;
  for (int v = -1; ok && v < d->nvars; v++) {
    buf b = {NULL, 0, 0, 0};
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
