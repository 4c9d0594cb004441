/*
** C tests of the models layer, against a real SQLite store in a temporary
** folder. Prints "ok"/"not ok" per check and a final "N passed, N failed".
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../models/model.h"
#include "../../models/design_cache.h"
#include "../../models/columns.h"
#include "../../models/sealed.h"

#include "check.h"

static mu_value text(const char *s) {
  mu_value v = {MU_VTEXT, 0, 0, s, strlen(s)};
  return v;
}

static mu_value integer(long long i) {
  mu_value v = {MU_VINT, i, 0, NULL, 0};
  return v;
}

static int check(const char *entity, const char *field, mu_value v, char *why) {
  const mu_entity *e = mu_entity_find(entity);
  return mu_field_check(mu_field_find(e, field), &v, why, 256);
}

static void test_validation(void) {
  char why[256];
  CHECK(check("mutual", "spun_out", text("2012"), why) == 0, "date YYYY");
  CHECK(check("mutual", "spun_out", text("2012-04"), why) == 0, "date YYYY-MM");
  CHECK(check("mutual", "spun_out", text("2012-02-29"), why) == 0, "leap day");
  CHECK(check("mutual", "spun_out", text("2011-02-29"), why) != 0, "no leap day in 2011");
  CHECK(check("mutual", "spun_out", text("2012-13"), why) != 0, "month 13");
  CHECK(check("mutual", "spun_out", text("12/04/2012"), why) != 0, "UK-style date rejected");
  CHECK(check("mutual", "status", text("operating"), why) == 0, "enum member");
  CHECK(check("mutual", "status", text("Operating"), why) != 0 && strstr(why, "must be one of"), "enum case matters");
  CHECK(check("mutual", "staff", text("120"), why) == 0, "integer from text");
  CHECK(check("mutual", "staff", text("12x"), why) != 0, "bad integer text");
  CHECK(check("mutual", "staff", integer(-1), why) != 0 && strstr(why, "0 or more"), "negative staff");
  mu_value half = {MU_VREAL, 0, 0.5, NULL, 0};
  CHECK(check("result", "share", half, why) == 0, "share 0.5");
  mu_value big = {MU_VREAL, 0, 1.01, NULL, 0};
  CHECK(check("result", "share", big, why) != 0, "share above 1");
  CHECK(check("sector", "name", text("ok \xc3\xa9"), why) == 0, "valid UTF-8");
  CHECK(check("sector", "name", text("bad \xc3"), why) != 0 && strstr(why, "UTF-8"), "truncated UTF-8");
  CHECK(check("sector", "name", text("\xed\xa0\x80"), why) != 0, "surrogate rejected");
  mu_value nil = {MU_VNULL, 0, 0, NULL, 0};
  CHECK(check("sector", "name", nil, why) != 0 && strstr(why, "required"), "required field");
  CHECK(check("mutual", "staff", nil, why) == 0, "optional field may be unknown");
}

static void test_stats(void) {
  char why[256];
  mu_interval iv = mu_wilson(0.16, 1395, 1.959963984540054);
  CHECK(fabs(iv.lo - 0.14169942509848) < 1e-9 && fabs(iv.hi - 0.18016797165446) < 1e-9, "wilson 16% of 1395");
  iv = mu_wilson(0.5, 0, 1.96);
  CHECK(isnan(iv.lo), "wilson without n is unknown");
  double p;
  double z = mu_two_prop(0.5, 100, 0.4, 100, &p);
  CHECK(fabs(z - 1.4213381090374) < 1e-9 && fabs(p - 0.15519) < 1e-4, "two-proportion test");
  CHECK(mu_check_n(10.5, "n", why, sizeof why) != 0 && mu_check_n(INFINITY, "n", why, sizeof why) != 0 &&
        mu_check_n(3, "n", why, sizeof why) == 0, "n must be whole, finite and positive");
  CHECK(mu_check_share(1.2, "p", why, sizeof why) != 0 && mu_check_z(-1, why, sizeof why) != 0, "share and z rules");
  /* Quantiles against R 4.2.2 (qbeta, qt), to 1e-10 relative (large shapes lose digits to lgamma in pbeta):
     small and large shapes, a far tail, small df. */
  static const struct { double got, want; const char *what; } q[] = {
    {0, 0.0069303301868086304, "qbeta(0.025, 3.5, 120.25)"},
    {0, 0.053081993868819177, "qbeta(0.975, 50000.5, 900000)"},
    {0, 0.49999999999999989, "qbeta(0.5, 0.5, 0.5)"},
    {0, 1.2910055600322013e-05, "qbeta(1e-9, 2, 3)"},
    {0, 2.3646242515927844, "qt(0.975, 7)"},
    {0, -1.9607672429069785, "qt(0.025, 2954.5)"},
    {0, 52.184430008992628, "qt(0.999, 1.5)"},
  };
  double got[] = {mu_qbeta(0.025, 3.5, 120.25), mu_qbeta(0.975, 50000.5, 900000), mu_qbeta(0.5, 0.5, 0.5),
                  mu_qbeta(1e-9, 2, 3), mu_qt(0.975, 7), mu_qt(0.025, 2954.5), mu_qt(0.999, 1.5)};
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    char what[80];
    snprintf(what, sizeof what, "%s as R (%.17g)", q[i].what, got[i]);
    CHECK(fabs(got[i] - q[i].want) <= 1e-10 * fabs(q[i].want), what);
  }
}

/* Growth at the dates' precision: 100 on 2010-01-01 to 121 on 2012-01-01 is exactly 10% a year;
   the same figures dated by their years alone allow a range of rates. */
static void test_growth(void) {
  mu_qv a, b, ratio, cagr;
  double ymin, ymax;
  char err[256], text[256];
  long first, last;
  CHECK(mu_date_span("2012", &first, &last) == 0 && last - first == 365, "2012 has 366 days");
  CHECK(mu_date_span("2012-13", &first, &last) != 0, "bad month");
  mu_qv_make(&a, 100, "exact", "people");
  mu_qv_make(&b, 121, "exact", "people");
  mu_qv_set_date(&a, "2010-01-01");
  mu_qv_set_date(&b, "2012-01-01");
  CHECK(mu_qv_growth(&a, &b, &ratio, &cagr, &ymin, &ymax, err, sizeof err) == 0, "growth");
  CHECK(fabs(cagr.lo - 0.1) < 1e-3 && cagr.lo == cagr.hi, "exact dates: one rate");
  mu_qv_set_date(&a, "2010");
  mu_qv_set_date(&b, "2012");
  mu_qv_growth(&a, &b, &ratio, &cagr, &ymin, &ymax, err, sizeof err);
  CHECK(ymin < 1.01 && ymax > 2.99 && cagr.lo > 0.065 && cagr.lo < 0.066 && cagr.hi > 0.2, "year-only dates: a range of rates");
  mu_qv_make(&b, 58, "at_least", "people");
  mu_qv_set_date(&b, "2012-06");
  mu_qv_make(&a, 9, "exact", "people");
  mu_qv_set_date(&a, "2010");
  mu_qv_growth(&a, &b, &ratio, &cagr, &ymin, &ymax, err, sizeof err);
  mu_qv_text(&ratio, text, sizeof text);
  CHECK(strcmp(text, "at least 6.4-fold") == 0 && isinf(cagr.hi), "a lower bound grows into a lower bound");
  mu_qv_make(&b, 5, "exact", "GBP");
  CHECK(mu_qv_growth(&a, &b, &ratio, &cagr, &ymin, &ymax, err, sizeof err) != 0 && strstr(err, "units differ"),
        "growth refuses different units");
}

static void test_store(const char *dir) {
  char path[512], err[512];
  mu_store *s = NULL;
  snprintf(path, sizeof path, "%s/c.db", dir);
  CHECK(mu_store_open(path, 0, &s, err, sizeof err) == 0, "open new store");
  sqlite3_stmt *st;
  sqlite3_prepare_v2(mu_store_db(s), "SELECT count(*) FROM mutuals", -1, &st, NULL);
  sqlite3_step(st);
  int n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  CHECK(n == 6, "bundled mutuals loaded");

  const mu_entity *sector = mu_entity_find("sectors");
  const char *names[] = {"name", "source_id"};
  mu_value vals[] = {text("Transport"), integer(1)};
  CHECK(mu_store_begin(s, err, sizeof err) == 0, "begin");
  CHECK(mu_insert(s, sector, names, vals, 2, err, sizeof err) > 0, "insert in transaction");
  mu_store_rollback(s);
  mu_query q;
  mu_query_init(&q, sector);
  mu_value t = text("Transport");
  mu_query_add(&q, mu_field_find(sector, "name"), MU_OP_EQ, &t);
  st = mu_query_aggregate(s, &q, MU_AGG_COUNT, NULL, err, sizeof err);
  sqlite3_step(st);
  CHECK(sqlite3_column_int(st, 0) == 0, "rollback undid the insert");
  sqlite3_finalize(st);
  mu_query_free(&q);

  mu_value bad[] = {text("Transport"), integer(999)};
  CHECK(mu_insert(s, sector, names, bad, 2, err, sizeof err) < 0 &&
        strcmp(err, "sector.source_id: 999 is invalid: no source has that id") == 0, "dangling reference named");

  const mu_entity *rec = mu_entity_find("recommendation");
  mu_query_init(&q, rec);
  mu_value d = text("2013-01-01");
  mu_query_add(&q, mu_field_find(rec, "deadline"), MU_OP_ENDS_BEFORE, &d);
  st = mu_query_aggregate(s, &q, MU_AGG_COUNT, NULL, err, sizeof err);
  sqlite3_step(st);
  CHECK(sqlite3_column_int(st, 0) == 1, "deadline 2012-12 has ended by 2013-01-01");
  sqlite3_finalize(st);
  mu_query_free(&q);
  mu_query_init(&q, rec);
  d = text("2012-12-31");
  mu_query_add(&q, mu_field_find(rec, "deadline"), MU_OP_ENDS_BEFORE, &d);
  st = mu_query_aggregate(s, &q, MU_AGG_COUNT, NULL, err, sizeof err);
  sqlite3_step(st);
  CHECK(sqlite3_column_int(st, 0) == 0, "deadline 2012-12 has not ended on 2012-12-31");
  sqlite3_finalize(st);
  mu_query_free(&q);

  CHECK(mu_store_reset(s, err, sizeof err) == 0, "reset reloads the dataset");
  mu_store_close(s);

  /* A file that is not a database. */
  char junk[512];
  snprintf(junk, sizeof junk, "%s/junk.db", dir);
  FILE *f = fopen(junk, "wb");
  for (int i = 0; i < 100; i++) fputs("this is not an SQLite database\n", f);
  fclose(f);
  CHECK(mu_store_open(junk, 0, &s, err, sizeof err) != 0 && strstr(err, "junk.db"), "garbage file refused");
  CHECK(mu_store_open("/nonexistent-dir/x.db", 0, &s, err, sizeof err) != 0, "unwritable path refused");
  unlink(junk);
}

/* Which imports set plain indexes aside (bulk.c): only when the file is large for the table. */
static void test_bulk(const char *dir) {
  char path[512], err[512];
  mu_store *s = NULL;
  mu_deferred d;
  snprintf(path, sizeof path, "%s/bulk.db", dir);
  CHECK(mu_store_open(path, 0, &s, err, sizeof err) == 0, "open store for bulk");
  const mu_entity *obs = mu_entity_find("observations"), *runs = mu_entity_find("runs");
  snprintf(path, sizeof path, "%s/bulk.csv", dir);
  FILE *fp = fopen(path, "w+");
  fputs("metric\n", fp);
  rewind(fp);
  CHECK(mu_store_begin(s, err, sizeof err) == 0, "begin bulk");
  mu_defer_indexes(s, runs, fp, &d);
  CHECK(d.n == 1 && strcmp(d.name[0], "runs_script") == 0, "empty table: its plain index set aside");
  CHECK(strstr(d.sql[0], "CREATE INDEX runs_script ON runs(") == d.sql[0], "index kept as its SQL");
  CHECK(mu_restore_indexes(s, &d, err, sizeof err) == 0 && d.n == 0, "index rebuilt");
  mu_defer_indexes(s, obs, fp, &d);
  CHECK(d.n == 0, "a small file into a table with rows: nothing set aside");
  for (int i = 0; i < 100; i++) fputs("a line of a large file, long enough to count as rows\n", fp);
  fflush(fp);
  rewind(fp);
  mu_defer_indexes(s, obs, fp, &d);
  CHECK(d.n == 1 && strcmp(d.name[0], "observations_metric") == 0, "a file with more rows than the table: set aside");
  mu_deferred_free(&d);
  mu_store_rollback(s);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(mu_store_db(s), "SELECT count(*) FROM sqlite_schema WHERE name = 'observations_metric'", -1,
                     &st, NULL);
  sqlite3_step(st);
  CHECK(sqlite3_column_int(st, 0) == 1, "rollback brings a set-aside index back");
  sqlite3_finalize(st);
  fclose(fp);
  mu_store_close(s);
}

/*
** The two estimators (estimate.c) on one synthetic design: the one-pass
** accumulator and the streaming one must agree on every cell, with clusters
** and without, with a finite population correction, missing answers and a
** domain filter. The golden values from R (tests/survey) check one of them.
*/
static mu_design synthetic(int n, int clustered) {
  mu_design d;
  memset(&d, 0, sizeof d);
  d.n = n;
  d.nstrata = 4;
  d.w = calloc((size_t)n, sizeof *d.w);
  d.stratum = calloc((size_t)n, sizeof *d.stratum);
  d.psu = calloc((size_t)n, sizeof *d.psu);
  d.fpc = calloc(4, sizeof *d.fpc);
  d.fpc[1] = 0.2;     /* a sampling fraction */
  d.fpc[2] = 5000;    /* a population size */
  unsigned x = 12345;
  for (int i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    d.w[i] = 0.3 + (double)(x >> 16 & 1023) / 200.0;
    d.stratum[i] = i % 4;
    /* clustered (n a multiple of 32): PSUs of eight, each within its members' stratum; else everyone their own */
    d.psu[i] = clustered ? (i / 32) * 4 + i % 4 : i;
  }
  d.npsu = clustered ? n / 32 * 4 : n;
  d.own_psus = clustered ? 0 : n;
  d.psu_stratum = calloc((size_t)d.npsu, sizeof *d.psu_stratum);
  for (int p = 0; p < d.npsu; p++) d.psu_stratum[p] = p % 4;
  d.nvars = 3;
  d.var = calloc(3, sizeof *d.var);
  int levels[3] = {3, 3, 2};
  for (int v = 0; v < 3; v++) {
    d.var[v].nlevels = levels[v];
    d.var[v].code = calloc((size_t)n, sizeof *d.var[v].code);
    for (int i = 0; i < n; i++) {
      x = x * 1103515245u + 12345u;
      int r = (int)(x >> 16 & 255);
      d.var[v].code[i] = v == 0 && r < 20 ? -1 : r % levels[v];   /* some missing answers */
    }
  }
  return d;
}

static void free_synthetic(mu_design *d) {
  for (int v = 0; v < d->nvars; v++) free(d->var[v].code);
  free(d->var);
  free(d->w);
  free(d->stratum);
  free(d->psu);
  free(d->psu_stratum);
  free(d->fpc);
}

static int same(double a, double b) {
  return (isnan(a) && isnan(b)) || a == b || fabs(a - b) <= 1e-9 * (1 + fabs(a));
}

/* Two tables' cells agree (counts exactly, estimates to 1e-9); ncells: how many were compared. */
static int tables_agree(const mu_table *a, const mu_table *b, int *ncells) {
  if (a->ngroups != b->ngroups || a->nopts != b->nopts) return 0;
  for (int c = 0; c < (a->ngroups + 1) * (a->nopts + 1); c++, (*ncells)++) {
    const mu_cell *x = &a->cells[c], *y = &b->cells[c];
    if (!(x->n == y->n && same(x->share, y->share) && same(x->se, y->se) && same(x->deff, y->deff) &&
          same(x->df, y->df) && same(x->lo_beta, y->lo_beta) && same(x->hi_logit, y->hi_logit)))
      return 0;
  }
  return 1;
}

/* A table of variable 0 by variable 1, 95% intervals; filtered: within level 1 of variable 2. */
static mu_table_spec by_variable_1(int filtered) {
  mu_table_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.var = 0;
  sp.by[0] = 1;
  sp.nby = 1;
  sp.level = 0.95;
  if (filtered) {
    sp.filter_var[0] = 2;
    sp.filter_level[0] = 1;
    sp.nfilters = 1;
  }
  return sp;
}

static void test_estimators(void) {
  char err[256];
  for (int clustered = 0; clustered < 2; clustered++)
    for (int filtered = 0; filtered < 2; filtered++) {
      mu_design d = synthetic(640, clustered);
      mu_table_spec sp = by_variable_1(filtered);
      mu_table a, b;
      sp.method = 1;
      int ra = mu_estimate_table(&d, &sp, &a, err, sizeof err);
      sp.method = 2;
      int rb = mu_estimate_table(&d, &sp, &b, err, sizeof err);
      int ncells = 0, agree = ra == 0 && rb == 0 && tables_agree(&a, &b, &ncells);
      char what[120];
      snprintf(what, sizeof what, "estimators agree on %d cells (%s, %s)", ncells,
               clustered ? "clusters in strata, fpc" : "own PSUs in strata, fpc", filtered ? "a domain" : "whole");
      CHECK(agree && ncells == 16, what);
      if (!ra) mu_table_free(&a);
      if (!rb) mu_table_free(&b);
      free_synthetic(&d);
    }
}

/* A column written and read back (columns.c): every value as it went in, block by block; 0 when equal. */
static int column_round_trip(const mu_cval *vals, int n, long long *bytes) {
  FILE *fp = tmpfile();
  mu_colw *w = fp ? mu_colw_new(fp) : NULL;
  int bad = !w;
  for (int k = 0; !bad && k < n; k++) bad = mu_colw_add(w, &vals[k]) != 0;
  if (bad) {
    mu_colw_free(w);
    if (fp) fclose(fp);
    return -1;
  }
  bad = mu_colw_finish(w, bytes) != 0;
  unsigned char *all = malloc((size_t)*bytes + 1);
  bad = bad || !all || fseek(fp, 0, SEEK_SET) || fread(all, 1, (size_t)*bytes, fp) != (size_t)*bytes;
  fclose(fp);
  mu_colfoot f;
  size_t need = 0;
  bad = bad || mu_colfoot_read(all, (size_t)*bytes, *bytes, &f, &need) != 0 || f.nrows != (uint32_t)n;
  mu_colblock b = {0};
  int at = 0;
  for (uint32_t k = 0; !bad && k < f.nblocks; k++) {
    bad = mu_colblock_decode(all + f.offset[k], f.offset[k + 1] - f.offset[k], &b) != 0;
    for (int j = 0; !bad && j < b.n; j++) bad = at >= n || !mu_cval_same(&b.v[j], &vals[at++]);
  }
  if (!bad) mu_colfoot_free(&f);
  bad = bad || at != n;
  /* every byte of the first block changed in turn: decoded or refused, never read past its end */
  for (size_t k = 0; !bad && k < (size_t)*bytes && k < 3000; k++) {
    all[k] ^= 0x5a;
    mu_colblock_decode(all, (size_t)*bytes < 3000 ? (size_t)*bytes : 3000, &b);
    all[k] ^= 0x5a;
  }
  mu_colblock_free(&b);
  free(all);
  return bad ? -1 : 0;
}

/*
** Columns keep every value exactly, type included (1, 1.0 and '1' stay apart), through dictionary and plain
** blocks and across block boundaries, and they are small where the answers are regular: ids in order about
** a byte each, sorted keys a few bytes, a column of one value next to nothing.
*/
static void test_columns(void) {
  enum { N = 200003 };
  mu_cval *v = calloc(N, sizeof *v);
  char (*keys)[16] = calloc(N, sizeof *keys);
  CHECK(v && keys, "room for the columns");
  if (!v || !keys) return;
  long long bytes = 0;
  for (int k = 0; k < N; k++) v[k] = (mu_cval){.type = SQLITE_INTEGER, .i = 1000 + k};
  CHECK(column_round_trip(v, N, &bytes) == 0 && bytes < N * 11 / 10, "ids in order, about a byte each");
  for (int k = 0; k < N; k++) {
    snprintf(keys[k], sizeof keys[k], "R%07d", k);
    v[k] = (mu_cval){.type = SQLITE_TEXT, .s = keys[k], .len = (int)strlen(keys[k])};
  }
  CHECK(column_round_trip(v, N, &bytes) == 0 && bytes < N * 4, "sorted keys, under 4 bytes each");
  for (int k = 0; k < N; k++) v[k] = (mu_cval){.type = SQLITE_INTEGER, .i = 7};
  CHECK(column_round_trip(v, N, &bytes) == 0 && bytes < 200, "one value throughout");
  unsigned x = 99;
  for (int k = 0; k < N; k++) {
    x = x * 1103515245u + 12345u;
    unsigned r = x >> 8;
    switch (r % 7) {
    case 0: v[k] = (mu_cval){.type = SQLITE_NULL}; break;
    case 1: v[k] = (mu_cval){.type = SQLITE_INTEGER, .i = (sqlite3_int64)(((uint64_t)r << 40) - (1ULL << 62))}; break;
    case 2: v[k] = (mu_cval){.type = SQLITE_FLOAT, .r = 0.5 + (r % 10001) / 10000.0}; break;
    case 3: v[k] = (mu_cval){.type = SQLITE_INTEGER, .i = 1}; break;
    case 4: v[k] = (mu_cval){.type = SQLITE_FLOAT, .r = 1.0}; break;
    case 5: v[k] = (mu_cval){.type = SQLITE_TEXT, .s = "1", .len = 1}; break;
    default:
      snprintf(keys[k], sizeof keys[k], "%.*s", (int)(r % 15), "abcdefghijklmnop");
      v[k] = (mu_cval){.type = SQLITE_TEXT, .s = keys[k], .len = (int)strlen(keys[k])};
    }
  }
  CHECK(column_round_trip(v, N, &bytes) == 0, "mixed types, exactly");
  for (int k = 0; k < N; k++) {   /* drawn at random from 10,001 values, as the bench's are */
    x = x * 1103515245u + 12345u;
    v[k] = (mu_cval){.type = SQLITE_FLOAT, .r = 0.5 + ((x >> 8) % 10001) / 10000.0};
  }
  CHECK(column_round_trip(v, N, &bytes) == 0 && bytes < N * 4, "weights of four decimals, through a dictionary");
  CHECK(column_round_trip(v, 1, &bytes) == 0 && column_round_trip(v, 0, &bytes) == 0, "one value, and none");
  free(v);
  free(keys);
}

/* Every answer of a survey as text, in the key's order (for comparing before and after sealing). */
static char *responses_dump(mu_store *s, long long survey) {
  sqlite3_stmt *st;
  char *out = NULL;
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT group_concat(quote(id) || ',' || quote(respondent) || ',' || "
                         "quote(question_id) || ',' || quote(option_id) || ',' || quote(department) || ',' || "
                         "quote(grade) || ',' || quote(weight), ';') FROM (SELECT * FROM responses "
                         "WHERE survey_id = ? ORDER BY respondent, question_id)", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, survey);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  return out;
}

/*
** Sealing (sealed.c, columns branch): a survey's answers read back the same through responses, every value
** and type, and the same crosstab; a later answer, a deleted one and an update show at once, and a second
** seal merges them; the rows are gone and the store's answers take a fraction of the room.
*/
static void test_seal(const char *dir) {
  char path[512], err[512];
  mu_store *s = NULL;
  snprintf(path, sizeof path, "%s/seal.db", dir);
  CHECK(mu_store_open(path, 0, &s, err, sizeof err) == 0, "open store for sealing");
  sqlite3 *db = mu_store_db(s);
  CHECK(sqlite3_exec(db, "INSERT INTO surveys (key, title, source_id) VALUES ('seal', 'synthetic', 1);"
                     "INSERT INTO questions (survey_id, key, text, source_id) VALUES (last_insert_rowid(), 'q1', '?', 1);"
                     "INSERT INTO options (question_id, key, label, ordinal) VALUES (last_insert_rowid(), 'yes', 'yes', 1),"
                     "((SELECT max(id) FROM questions), 'no', 'no', 2), ((SELECT max(id) FROM questions), 'dont_know', 'dk', 3);"
                     "INSERT INTO questions (survey_id, key, text, source_id) VALUES ((SELECT id FROM surveys WHERE key = 'seal'), 'q2', '?', 1);"
                     "INSERT INTO options (question_id, key, label, ordinal) SELECT max(id), k, k, o FROM questions, "
                     "(SELECT 'strongly_agree' AS k, 1 AS o UNION ALL SELECT 'agree', 2 UNION ALL SELECT 'neutral', 3 "
                     "UNION ALL SELECT 'disagree', 4 UNION ALL SELECT 'strongly_disagree', 5) GROUP BY k;",
                     NULL, NULL, NULL) == SQLITE_OK, "a survey to seal");
  long long survey = 0;
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db, "SELECT id FROM surveys WHERE key = 'seal'", -1, &st, NULL);
  if (sqlite3_step(st) == SQLITE_ROW) survey = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  mu_microdata_opts o = {"id", "weight", NULL, NULL, NULL, 0, NULL, NULL, 20, NULL};
  mu_microdata_result res;
  FILE *fp = fopen("scripts/data/synthetic_staff_survey.csv", "rb");
  CHECK(fp && mu_import_microdata(s, survey, &o, "synthetic", fp, &res, err, sizeof err) == 0, err);
  if (fp) fclose(fp);
  free(res.errors);
  /* a legacy answer too: its own department, grade and a whole-number weight (stored as an integer) */
  sqlite3_exec(db, "INSERT INTO responses (survey_id, respondent, question_id, option_id, department, grade, weight) "
                   "SELECT survey_id, 'zz-legacy', question_id, option_id, 'X', NULL, 2 FROM responses LIMIT 1",
               NULL, NULL, NULL);
  const char *const names[] = {"q1", "department"};
  mu_table before, after;
  mu_table_spec spec = by_variable_1(0);
  mu_design d;
  CHECK(mu_design_load(s, survey, names, 2, &d, err, sizeof err) == 0 &&
        mu_estimate_table(&d, &spec, &before, err, sizeof err) == 0, err);
  mu_design_free(&d);
  char *rows = responses_dump(s, survey);
  long long sealed = 0;
  CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK && mu_seal_survey(db, survey, &sealed, err, sizeof err) == 0 &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, err);
  char *cols = responses_dump(s, survey);
  CHECK(rows && cols && strlen(rows) > 1000 && strcmp(rows, cols) == 0 && sealed > 5000, "sealed answers read back the same");
  sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM responses_rows WHERE survey_id = ?1), "
                         "(SELECT count(*) FROM responses WHERE survey_id = ?1)", -1, &st, NULL);
  sqlite3_bind_int64(st, 1, survey);
  CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0 && sqlite3_column_int64(st, 1) == sealed,
        "no rows left, every answer through responses");
  sqlite3_finalize(st);
  int ncells = 0;
  CHECK(mu_design_load(s, survey, names, 2, &d, err, sizeof err) == 0 &&
        mu_estimate_table(&d, &spec, &after, err, sizeof err) == 0 && tables_agree(&before, &after, &ncells) &&
        ncells > 10, "the same crosstab from sealed answers");
  mu_design_free(&d);
  mu_table_free(&before);
  mu_table_free(&after);
  /* after sealing: a new answer, a deleted one, a changed one, then a second seal */
  CHECK(sqlite3_exec(db, "INSERT INTO responses (survey_id, respondent, question_id, option_id, weight) "
                         "SELECT survey_id, 'aaa-new', question_id, option_id, 1.5 FROM responses LIMIT 1;"
                         "DELETE FROM responses WHERE id = (SELECT min(id) FROM responses WHERE respondent <> 'aaa-new');"
                         "UPDATE responses SET grade = 'changed' WHERE id = (SELECT max(id) FROM responses WHERE respondent <> 'aaa-new');",
                     NULL, NULL, NULL) == SQLITE_OK, sqlite3_errmsg(db));
  free(rows);
  rows = responses_dump(s, survey);
  CHECK(rows && strstr(rows, "'aaa-new'") && strstr(rows, "'changed'"), "later writes show at once");
  CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK && mu_seal_survey(db, survey, &sealed, err, sizeof err) == 0 &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, err);
  free(cols);
  cols = responses_dump(s, survey);
  CHECK(rows && cols && strcmp(rows, cols) == 0, "a second seal merges them");
  /* the key is one answer's, sealed or not: a second answer refused as SQLite refuses one, OR IGNORE skips it,
     OR REPLACE takes the sealed answer's place */
  const char *dup = "INSERT INTO responses (survey_id, respondent, question_id, option_id, weight) "
                    "SELECT survey_id, respondent, question_id, option_id, 9 FROM responses "
                    "WHERE respondent = 'r0002' ORDER BY question_id LIMIT 1";
  CHECK((sqlite3_exec(db, dup, NULL, NULL, NULL) & 0xff) == SQLITE_CONSTRAINT &&
        strcmp(sqlite3_errmsg(db), "UNIQUE constraint failed: responses.survey_id, responses.respondent, "
                                   "responses.question_id") == 0, sqlite3_errmsg(db));
  char sql[400];
  snprintf(sql, sizeof sql, "INSERT OR IGNORE%s", dup + strlen("INSERT"));
  CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK && sqlite3_changes(db) == 0, "OR IGNORE skips it");
  snprintf(sql, sizeof sql, "INSERT OR REPLACE%s", dup + strlen("INSERT"));
  CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, sqlite3_errmsg(db));
  sqlite3_prepare_v2(db, "SELECT count(*), max(weight) FROM responses WHERE respondent = 'r0002'", -1, &st, NULL);
  CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 2 && sqlite3_column_double(st, 1) == 9,
        "OR REPLACE takes its place");
  sqlite3_finalize(st);
  /* a question deleted takes its sealed answers with it */
  CHECK(sqlite3_exec(db, "DELETE FROM questions WHERE key = 'q2' AND survey_id = (SELECT id FROM surveys WHERE key = 'seal')",
                     NULL, NULL, NULL) == SQLITE_OK, sqlite3_errmsg(db));
  sqlite3_prepare_v2(db, "SELECT count(*), count(DISTINCT question_id) FROM responses WHERE survey_id = ?", -1, &st, NULL);
  sqlite3_bind_int64(st, 1, survey);
  CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 1) == 1 && sqlite3_column_int64(st, 0) < sealed,
        "a deleted question's sealed answers gone");
  sqlite3_finalize(st);
  CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK && mu_seal_survey(db, survey, &sealed, err, sizeof err) == 0 &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, err);
  sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM responses_gone), (SELECT sum(length(data)) FROM response_columns)",
                     -1, &st, NULL);
  int have = sqlite3_step(st) == SQLITE_ROW;
  /* (this file's weights are nearly all distinct: 8 bytes a respondent, here with one answer each) */
  CHECK(have && sqlite3_column_int64(st, 0) == 0, "nothing left marked gone");
  CHECK(have && sqlite3_column_int64(st, 1) < sealed * 16, "under 16 bytes an answer");
  sqlite3_finalize(st);
  /* the filter of sealed keys: every sealed key a maybe, few absent ones */
  mu_sealed_keys *keys = mu_sealed_keys_build(db, survey);
  int missed = 0, maybes = 0, nkeys = 0;
  sqlite3_prepare_v2(db, "SELECT respondent, question_id FROM responses WHERE survey_id = ?", -1, &st, NULL);
  sqlite3_bind_int64(st, 1, survey);
  while (keys && sqlite3_step(st) == SQLITE_ROW) {
    mu_cval r, q;
    mu_cval_column(st, 0, &r);
    mu_cval_column(st, 1, &q);
    missed += !mu_sealed_keys_maybe(keys, &r, q.i);
    char other[64];
    snprintf(other, sizeof other, "%.*s-absent", r.len > 40 ? 40 : r.len, r.s);
    mu_cval a = {.type = SQLITE_TEXT, .len = (int)strlen(other), .s = other};
    maybes += mu_sealed_keys_maybe(keys, &a, q.i);
    nkeys++;
  }
  sqlite3_finalize(st);
  CHECK(keys && nkeys > 1000 && missed == 0 && maybes < nkeys / 20, "the keys' filter: no sealed key missed, few false");
  mu_sealed_keys_free(keys);
  /* a text holding a NUL byte comes back whole through the virtual table once sealed (its block says so) */
  CHECK(sqlite3_exec(db, "INSERT INTO responses (survey_id, respondent, question_id, option_id, weight) "
                         "SELECT survey_id, CAST(X'7a7a00627974' AS TEXT), question_id, option_id, 1 FROM responses "
                         "LIMIT 1", NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK && mu_seal_survey(db, survey, &sealed, err, sizeof err) == 0 &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, err);
  sqlite3_prepare_v2(db, "SELECT count(*) FROM responses WHERE survey_id = ? AND hex(respondent) = '7A7A00627974'",
                     -1, &st, NULL);
  sqlite3_bind_int64(st, 1, survey);
  CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 1, "a text with a NUL inside, whole");
  sqlite3_finalize(st);
  /* a scan that reads no id decodes it only when asked: a count, the rowid, a delete by another column */
  sqlite3_prepare_v2(db, "SELECT count(*), sum(rowid = id), (SELECT sum(rowid) FROM responses), (SELECT sum(id) FROM "
                         "responses) FROM responses WHERE survey_id = ?", -1, &st, NULL);
  sqlite3_bind_int64(st, 1, survey);
  int got = sqlite3_step(st) == SQLITE_ROW;
  CHECK(got && sqlite3_column_int64(st, 0) == sealed && sqlite3_column_int64(st, 1) == sealed &&
        sqlite3_column_int64(st, 2) == sqlite3_column_int64(st, 3), "rowids are the ids, the id read or not");
  sqlite3_finalize(st);
  CHECK(sqlite3_exec(db, "DELETE FROM responses WHERE department = 'X'", NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_changes(db) == 1, "a sealed answer deleted by its department");
  sqlite3_prepare_v2(db, "SELECT count(*), sum(department = 'X') FROM responses WHERE survey_id = ?", -1, &st, NULL);
  sqlite3_bind_int64(st, 1, survey);
  CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == sealed - 1 && sqlite3_column_int64(st, 1) == 0,
        "and only it");
  sqlite3_finalize(st);
  free(rows);
  free(cols);
  mu_store_close(s);
}

/*
** Codes packed into 2, 4, 8, 16 or 32 bits and widened back give the same codes, missing (-1) included,
** from a chunk's first code (a multiple of 4) on; a code beyond the levels is refused as damage.
*/
static void test_code_packing(void) {
  static const int levels[] = {3, 15, 255, 65535, 70000};
  enum { N = 1000 };
  int codes[N], back[N];
  unsigned char raw[N * 4];
  unsigned x = 12345;
  for (size_t k = 0; k < sizeof levels / sizeof *levels; k++) {
    int nl = levels[k], bits = mu_cache_code_bits(nl), same = 1;
    for (int j = 0; j < N; j++) {
      x = x * 1103515245u + 12345u;
      codes[j] = j % 7 == 0 ? -1 : j % 11 == 0 ? nl - 1 : (int)((x >> 8) % (unsigned)nl);
    }
    mu_cache_narrow(codes, N, bits, raw);
    int ok = mu_cache_widen(raw, bits, N, nl, back) == 0;
    for (int j = 0; j < N; j++) same &= back[j] == codes[j];
    ok = ok && same && mu_cache_widen(raw + mu_cache_code_bytes(bits, 500), bits, N - 500, nl, back) == 0 &&
         memcmp(back, codes + 500, (N - 500) * sizeof *back) == 0;
    CHECK(ok && (int)mu_cache_code_bytes(bits, N) == (N * bits + 7) / 8, "codes packed and widened back");
    CHECK(mu_cache_widen(raw, bits, N, nl - 1, back) == -1, "a code beyond the levels is damage");
  }
  CHECK(mu_cache_code_bits(3) == 2 && mu_cache_code_bits(4) == 4 && mu_cache_code_bits(15) == 4 &&
        mu_cache_code_bits(16) == 8, "as few bits as the levels and missing need");
}

/* The survey cache's entries, "name=hex;..." in name order (malloc'd), for comparing two ways of building them. */
static char *cache_dump(mu_store *s, long long survey) {
  sqlite3_stmt *st;
  char *out = NULL;
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT group_concat(name || '=' || hex(data), ';') FROM "
                         "(SELECT name, data FROM survey_cache WHERE survey_id = ? ORDER BY name)", -1, &st, NULL) == 0) {
    sqlite3_bind_int64(st, 1, survey);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  return out;
}

/* A weight's index beyond the dictionary is damage, whole or in chunks: the design is read from the rows. */
static void damage_weight_index(mu_store *s, long long survey, const char *const *names) {
  sqlite3 *db = mu_store_db(s);
  sqlite3_stmt *st;
  unsigned char *blob = NULL;
  int len = 0;
  sqlite3_prepare_v2(db, "SELECT data FROM survey_cache WHERE survey_id = ? AND name = 'design'", -1, &st, NULL);
  sqlite3_bind_int64(st, 1, survey);
  if (sqlite3_step(st) == SQLITE_ROW && (len = sqlite3_column_bytes(st, 0)) > 28 && (blob = malloc((size_t)len)))
    memcpy(blob, sqlite3_column_blob(st, 0), (size_t)len);
  sqlite3_finalize(st);
  uint32_t nw = 0;
  if (blob) memcpy(&nw, blob + 24, 4);
  CHECK(blob && nw > 0 && 28 + 8 * (long long)nw + 2 * 100 < len, "a design entry with a dictionary");
  if (!blob || nw == 0) return;
  uint16_t beyond = (uint16_t)nw;
  memcpy(blob + 28 + 8 * nw + 2 * 99, &beyond, 2);   /* respondent 99's weight */
  sqlite3_prepare_v2(db, "UPDATE survey_cache SET data = ? WHERE survey_id = ? AND name = 'design'", -1, &st, NULL);
  sqlite3_bind_blob(st, 1, blob, len, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, survey);
  CHECK(sqlite3_step(st) == SQLITE_DONE, "damage a weight's index");
  sqlite3_finalize(st);
  free(blob);
  mu_design d, c;
  mu_chunk ch;
  CHECK(mu_design_cached(s, survey, names, 3, &d) == -1, "an index beyond the dictionary refused (whole)");
  char err[256];
  int opened = mu_design_open(s, survey, names, 3, &c, err, sizeof err) == 0 && c.src;
  CHECK(opened && mu_design_chunk(&c, 0, &ch) == -1, "an index beyond the dictionary refused (in chunks)");
  if (opened) mu_design_free(&c);
}

/*
** The cache built in two passes (design_build.c, for large surveys) is byte for byte the one written from a
** whole design (design_cache.c), for each of the synthetic file's designs, for one whose PSUs are named
** for some respondents only, and for weights of few values (kept through their dictionary; the file's own
** 2,776 distinct weights in 2,955 respondents are kept whole).
*/
static void test_cache_build(const char *dir) {
  static const struct { const char *name, *strata, *psu, *fpc, *then; int dict; } designs[] = {
    {"weights", NULL, NULL, NULL, NULL, 0},
    {"strata", "stratum", NULL, NULL, NULL, 0},
    {"cluster", "stratum", "psu", "fpc", NULL, 0},
    {"mixed", "stratum", "psu", "fpc", "UPDATE respondents SET psu = NULL WHERE id % 3 = 0", 0},
    {"rounded", "stratum", NULL, NULL, "UPDATE respondents SET weight = round(weight, 1)", 1},
  };
  char path[512], err[512];
  mu_store *s = NULL;
  snprintf(path, sizeof path, "%s/build.db", dir);
  CHECK(mu_store_open(path, 0, &s, err, sizeof err) == 0, "open store for the cache build");
  sqlite3 *db = mu_store_db(s);
  const char *const names[] = {"q1", "department", "grade"};
  for (size_t k = 0; k < sizeof designs / sizeof *designs; k++) {
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO surveys (key, title, source_id) VALUES ('%s', 'synthetic', 1);"
             "INSERT INTO questions (survey_id, key, text, source_id) VALUES (last_insert_rowid(), 'q1', '?', 1);"
             "INSERT INTO options (question_id, key, label, ordinal) VALUES (last_insert_rowid(), 'yes', 'yes', 1),"
             "((SELECT max(id) FROM questions), 'no', 'no', 2), ((SELECT max(id) FROM questions), 'dont_know', 'dk', 3);",
             designs[k].name);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "a survey for the cache build");
    long long survey = sqlite3_last_insert_rowid(db);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT id FROM surveys WHERE key = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, designs[k].name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) survey = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    mu_microdata_opts o = {"id", "weight", designs[k].strata, designs[k].psu, designs[k].fpc, 0, NULL, NULL, 20, NULL};
    mu_microdata_result res;
    FILE *fp = fopen("scripts/data/synthetic_staff_survey.csv", "rb");
    CHECK(fp && mu_import_microdata(s, survey, &o, "synthetic", fp, &res, err, sizeof err) == 0, designs[k].name);
    if (fp) fclose(fp);
    free(res.errors);
    if (designs[k].then) sqlite3_exec(db, designs[k].then, NULL, NULL, NULL);
    CHECK(mu_design_build_cache(s, survey, names, 3) == 0, "built in two passes");
    char *two = cache_dump(s, survey);
    sqlite3_exec(db, "DELETE FROM survey_cache", NULL, NULL, NULL);
    mu_design d;
    CHECK(mu_design_load(s, survey, names, 3, &d, err, sizeof err) == 0, "loaded whole (and cached)");
    mu_design_free(&d);
    char *whole = cache_dump(s, survey);
    CHECK(two && whole && strlen(two) > 1000 && strcmp(two, whole) == 0, designs[k].name);
    /* the design entry's flags (its sixth word, little-endian, after "design="): whether the weights went
       through the dictionary */
    unsigned flags = 0;
    CHECK(two && strncmp(two, "design=", 7) == 0 && sscanf(two + 7 + 40, "%2x", &flags) == 1 &&
          !!(flags & 4) == designs[k].dict, designs[k].dict ? "weights through the dictionary" : "weights whole");
    if (designs[k].dict) damage_weight_index(s, survey, names);
    free(two);
    free(whole);
  }
  mu_store_close(s);
}

/*
** Estimates read from the cache a chunk at a time (mu_design_open) are the ones made from the design whole
** (mu_design_load): a survey of 40,000 respondents (three chunks) in four strata, with and without
** clusters, for a table, a table within a filter, the Rao-Scott test and a difference of shares.
*/
static void test_chunked(const char *dir) {
  char path[512], err[512];
  mu_store *s = NULL;
  snprintf(path, sizeof path, "%s/chunked.db", dir);
  CHECK(mu_store_open(path, 0, &s, err, sizeof err) == 0, "open store for chunked estimates");
  sqlite3 *db = mu_store_db(s);
  snprintf(path, sizeof path, "%s/chunked.csv", dir);
  FILE *out = fopen(path, "w");
  CHECK(out != NULL, "write the chunked survey");
  if (!out) return;
  fprintf(out, "id,stratum,psu,weight,department,site,q1\n");
  unsigned x = 777;
  for (int i = 0; i < 40000; i++) {
    x = x * 1103515245u + 12345u;
    unsigned r = x >> 16;
    fprintf(out, "r%d,S%d,C%d,%.4f,%c,%s,%s\n", i, i % 4, i / 100 * 4 + i % 4, 0.3 + (r & 1023) / 200.0,
            "ABCDE"[(r >> 10) % 5], (r >> 13) & 1 ? "north" : "south", r % 97 < 9 ? "" : (const char *[]){"yes", "no", "dont_know"}[(r >> 3) % 3]);
  }
  fclose(out);
  const char *const names[] = {"q1", "department", "site"};
  /* designs: 0 weights only (the common table's own loop), 1 strata, 2 strata and clusters */
  for (int design = 0; design < 3; design++) {
    int clustered = design == 2;
    static const char *const what[3][4] = {
      {"a table in chunks (weights only)", "Rao-Scott in chunks (weights only)", "a difference in chunks (weights only)"},
      {"a table in chunks (own PSUs)", "Rao-Scott in chunks (own PSUs)", "a difference in chunks (own PSUs)"},
      {"a table in chunks (clusters)", "Rao-Scott in chunks (clusters)", "a difference in chunks (clusters)"}};
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO surveys (key, title, source_id) VALUES ('chunked%d', 'synthetic', 1);"
             "INSERT INTO questions (survey_id, key, text, source_id) VALUES (last_insert_rowid(), 'q1', '?', 1);"
             "INSERT INTO options (question_id, key, label, ordinal) VALUES (last_insert_rowid(), 'yes', 'yes', 1),"
             "((SELECT max(id) FROM questions), 'no', 'no', 2), ((SELECT max(id) FROM questions), 'dont_know', 'dk', 3);",
             design);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "a survey for chunked estimates");
    long long survey = 0;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT max(id) FROM surveys", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW) survey = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    mu_microdata_opts o = {"id", "weight", design ? "stratum" : NULL, clustered ? "psu" : NULL, NULL, 0, NULL, NULL, 20,
                           NULL};
    mu_microdata_result res;
    FILE *fp = fopen(path, "rb");
    CHECK(fp && mu_import_microdata(s, survey, &o, "chunked", fp, &res, err, sizeof err) == 0, "import 40,000");
    if (fp) fclose(fp);
    free(res.errors);
    mu_design whole, chunked;
    CHECK(mu_design_load(s, survey, names, 3, &whole, err, sizeof err) == 0, "loaded whole (and cached)");
    CHECK(mu_design_open(s, survey, names, 3, &chunked, err, sizeof err) == 0 && chunked.src, "opened from the cache");
    for (int filtered = 0; filtered < 2; filtered++) {
      mu_table_spec sp = by_variable_1(filtered);
      sp.method = 1;
      mu_table a, b;
      int ra = mu_estimate_table(&whole, &sp, &a, err, sizeof err), rb = mu_estimate_table(&chunked, &sp, &b, err, sizeof err);
      int ncells = 0, agree = ra == 0 && rb == 0 && tables_agree(&a, &b, &ncells);
      CHECK(agree && ncells > 0, what[design][0]);
      if (!ra) mu_table_free(&a);
      if (!rb) mu_table_free(&b);
    }
    mu_chisq ca, cb;
    int fv[1] = {2}, fl[1] = {0};
    for (int nf = 0; nf < 2; nf++) {
      int ra = mu_estimate_chisq(&whole, 0, 1, fv, fl, nf, &ca, err, sizeof err);
      int rb = mu_estimate_chisq(&chunked, 0, 1, fv, fl, nf, &cb, err, sizeof err);
      CHECK(ra == 0 && rb == 0 && ca.nr == 3 && ca.nc == 5 && same(ca.f, cb.f) && same(ca.ndf, cb.ndf) &&
            same(ca.ddf, cb.ddf) && same(ca.p, cb.p) && same(ca.chisq, cb.chisq),
            what[design][1]);
    }
    mu_diff da, dbb;
    int ra = mu_estimate_diff(&whole, 0, 1, 1, 0, 3, 0.95, &da, err, sizeof err);
    int rb = mu_estimate_diff(&chunked, 0, 1, 1, 0, 3, 0.95, &dbb, err, sizeof err);
    CHECK(ra == 0 && rb == 0 && da.n_a == dbb.n_a && da.n_a > 7000 && same(da.diff, dbb.diff) && same(da.se, dbb.se) &&
          da.se > 0, what[design][2]);
    mu_design_free(&whole);
    mu_design_free(&chunked);
  }
  mu_store_close(s);
}

int main(void) {
  char dir[] = "/tmp/mutuals-ctest-XXXXXX";
  if (!mkdtemp(dir)) return 2;
  test_validation();
  test_stats();
  test_growth();
  test_store(dir);
  test_bulk(dir);
  test_estimators();
  test_code_packing();
  test_columns();
  test_cache_build(dir);
  test_chunked(dir);
  test_seal(dir);
  return finish(dir);
}
