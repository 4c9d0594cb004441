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

#define DESIGN_MAGIC 0x3244554du   /* "MUD2" */
#define VAR_MAGIC 0x3256554du      /* "MUV2" */

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
  if (b->oom || n == 0) return;
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

static void put_str(buf *b, const char *s) { put(b, s, strlen(s) + 1); }

/*
** Reading: straight from the BLOB into the arrays it fills, in pieces
** (sqlite3_blob_read), so a million weights are copied once, not three
** times. Every read checks its bounds: a damaged entry is refused (and
** rebuilt from the rows), never overread.
*/
typedef struct {
  sqlite3_blob *blob;
  int len, off, bad;
} reader;

static int get(reader *r, void *out, size_t n) {
  if (r->bad || n > (size_t)(r->len - r->off) ||
      (n && sqlite3_blob_read(r->blob, out, (int)n, r->off) != SQLITE_OK)) {
    r->bad = 1;
    return -1;
  }
  r->off += (int)n;
  return 0;
}

static void *get_array(reader *r, size_t n, size_t size) {
  if (r->bad || (n && size > (size_t)(r->len - r->off) / n)) {
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

/*
** The design: a header, the weights, then only what is not implied. With a
** single stratum every stratum is 0; with no clusters every respondent is
** their own PSU, numbered in order, in their own stratum. Most surveys are
** weights only: their entry is the weights.
*/
enum { HAS_STRATA = 1, HAS_PSUS = 2 };

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

static void design_blob(const mu_design *d, buf *b) {
  uint32_t flags = (single_stratum(d) ? 0 : HAS_STRATA) | (own_psus_in_order(d) ? 0 : HAS_PSUS);
  uint32_t h[6] = {DESIGN_MAGIC, (uint32_t)d->n, (uint32_t)d->nstrata, (uint32_t)d->npsu, (uint32_t)d->own_psus,
                   flags};
  put(b, h, sizeof h);
  put(b, d->w, (size_t)d->n * sizeof *d->w);
  if (flags & HAS_STRATA) put(b, d->stratum, (size_t)d->n * sizeof *d->stratum);
  if (flags & HAS_PSUS) {   /* then d->psu is filled (own_psus_in_order) */
    put(b, d->psu, (size_t)d->n * sizeof *d->psu);
    put(b, d->psu_stratum, (size_t)d->npsu * sizeof *d->psu_stratum);
  }
  put(b, d->fpc, (size_t)d->nstrata * sizeof *d->fpc);
}

static int design_read(mu_design *d, reader *r) {
  uint32_t h[6];
  if (get(r, h, sizeof h) || h[0] != DESIGN_MAGIC || h[1] > INT32_MAX || h[2] > INT32_MAX || h[3] > INT32_MAX ||
      h[4] > h[1] || h[2] < 1)
    return -1;
  d->n = (int)h[1];
  d->nstrata = (int)h[2];
  d->npsu = (int)h[3];
  d->own_psus = (int)h[4];
  if (!(h[5] & HAS_PSUS) && d->npsu != d->n) return -1;
  d->w = get_array(r, (size_t)d->n, sizeof *d->w);
  d->stratum = h[5] & HAS_STRATA ? get_array(r, (size_t)d->n, sizeof *d->stratum)
                                 : calloc((size_t)d->n + 1, sizeof *d->stratum);
  if (h[5] & HAS_PSUS) {
    d->psu = get_array(r, (size_t)d->n, sizeof *d->psu);
    d->psu_stratum = get_array(r, (size_t)d->npsu, sizeof *d->psu_stratum);
  }   /* else everyone their own PSU: left NULL, read through mu_psu (no 8 bytes a respondent to fill) */
  d->fpc = get_array(r, (size_t)d->nstrata, sizeof *d->fpc);
  if (r->bad || r->off != r->len || !d->stratum || ((h[5] & HAS_PSUS) && (!d->psu || !d->psu_stratum))) return -1;
  for (int i = 0; i < d->n; i++)   /* indexes into per-stratum and per-PSU arrays: checked once here */
    if (d->stratum[i] < 0 || d->stratum[i] >= d->nstrata || mu_psu(d, i) < 0 || mu_psu(d, i) >= d->npsu) return -1;
  for (int j = 0; j < d->npsu; j++)
    if (mu_psu_stratum(d, j) < 0 || mu_psu_stratum(d, j) >= d->nstrata) return -1;
  return 0;
}

/*
** A variable: a header, its levels (key and label, and the option ids of a
** question), then a code per respondent in as few bytes as its levels need
** (one for up to 127 levels): the codes are most of a crosstab's reading.
*/
static int code_width(int nlevels) { return nlevels < INT8_MAX ? 1 : nlevels < INT16_MAX ? 2 : 4; }

static void var_blob(const mu_design *d, const mu_design_var *v, buf *b) {
  buf levels = {NULL, 0, 0, 0};
  for (int k = 0; k < v->nlevels; k++) {
    put_str(&levels, v->keys[k]);
    put_str(&levels, v->labels[k]);
    if (v->question_id) put(&levels, &v->option_ids[k], sizeof v->option_ids[k]);
  }
  int width = code_width(v->nlevels);
  uint32_t h[4] = {VAR_MAGIC, (uint32_t)v->nlevels, (uint32_t)width, (uint32_t)levels.len};
  put(b, h, sizeof h);
  put(b, &v->question_id, sizeof v->question_id);
  put(b, levels.p, levels.len);
  b->oom |= levels.oom;
  free(levels.p);
  int8_t chunk[4096];
  for (int i = 0; i < d->n;) {
    int m = 0;
    for (; i < d->n && (m + 1) * width <= (int)sizeof chunk; i++, m++) {
      int c = v->code[i];
      if (width == 1) chunk[m] = (int8_t)c;
      else if (width == 2) memcpy(chunk + m * 2, &(int16_t){(int16_t)c}, 2);
      else memcpy(chunk + m * 4, &c, 4);
    }
    put(b, chunk, (size_t)m * (size_t)width);
  }
}

/* The next NUL-terminated string of the levels section, copied; NULL when there is none. */
static char *next_str(const char *p, size_t len, size_t *off) {
  const char *end = *off < len ? memchr(p + *off, 0, len - *off) : NULL;
  if (!end) return NULL;
  char *s = strdup(p + *off);
  *off = (size_t)(end - p) + 1;
  return s;
}

static int var_read(const mu_design *d, mu_design_var *v, reader *r) {
  uint32_t h[4];
  if (get(r, h, sizeof h) || h[0] != VAR_MAGIC || h[1] > 1000000 || (h[2] != 1 && h[2] != 2 && h[2] != 4) ||
      h[2] != (uint32_t)code_width((int)h[1]) || get(r, &v->question_id, sizeof v->question_id))
    return -1;
  int nl = (int)h[1], width = (int)h[2];
  char *levels = get_array(r, h[3], 1);
  v->keys = calloc((size_t)nl + 1, sizeof *v->keys);
  v->labels = calloc((size_t)nl + 1, sizeof *v->labels);
  v->option_ids = v->question_id ? calloc((size_t)nl + 1, sizeof *v->option_ids) : NULL;
  v->code = malloc(((size_t)d->n + 1) * sizeof *v->code);
  int bad = !levels || !v->keys || !v->labels || (v->question_id && !v->option_ids) || !v->code;
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
  if (bad || off != h[3]) return -1;
  int8_t chunk[4096];
  for (int i = 0; i < d->n && !r->bad;) {
    int m = (int)sizeof chunk / width;
    if (m > d->n - i) m = d->n - i;
    if (get(r, chunk, (size_t)m * (size_t)width)) break;
    for (int j = 0; j < m; j++, i++) {
      int c;
      if (width == 1) c = chunk[j];
      else if (width == 2) {
        int16_t c16;
        memcpy(&c16, chunk + j * 2, 2);
        c = c16;
      } else memcpy(&c, chunk + j * 4, 4);
      if (c < -1 || c >= nl) return -1;   /* a damaged entry: rebuild it */
      v->code[i] = c;
    }
  }
  return r->bad || r->off != r->len ? -1 : 0;
}

/* ---------------------------------------------------------------- the store's side */

/* Open the entry (survey, name) if its stamp is current. */
static int open_entry(mu_store *s, long long survey, const char *name, const char *stamp, reader *r) {
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
  if (!rowid || sqlite3_blob_open(mu_store_db(s), "main", "survey_cache", "data", rowid, 0, &r->blob) != SQLITE_OK) {
    sqlite3_blob_close(r->blob);   /* harmless on NULL; a failed open may still return a handle */
    r->blob = NULL;
    return -1;
  }
  r->len = sqlite3_blob_bytes(r->blob);
  return 0;
}

int mu_design_cached(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d) {
  char stamp[160], name[300];
  reader r;
  memset(d, 0, sizeof *d);
  if (data_stamp(s, stamp, sizeof stamp)) return -1;
  if (open_entry(s, survey, "design", stamp, &r)) return -1;
  int bad = design_read(d, &r);
  sqlite3_blob_close(r.blob);
  d->var = calloc((size_t)(nnames ? nnames : 1), sizeof *d->var);
  if (bad || !d->var) {
    mu_design_free(d);
    return -1;
  }
  for (int v = 0; v < nnames; v++) {
    snprintf(name, sizeof name, "var:%s", names[v]);
    d->nvars = v + 1;
    if (!(d->var[v].name = strdup(names[v])) || open_entry(s, survey, name, stamp, &r)) {
      mu_design_free(d);
      return -1;
    }
    bad = var_read(d, &d->var[v], &r);
    sqlite3_blob_close(r.blob);
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
