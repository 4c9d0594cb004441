/*
** libFuzzer harness for the microdata importer and the estimates made from
** what it accepts. The first byte picks the form (wide or long) and which
** of the design's columns are named (weight, stratum, psu, fpc); the rest
** is the file, for a survey with questions q1 (yes, no, dont_know) and q2
** (agree, disagree). When the import succeeds, a crosstab of q1 by
** department, its Rao-Scott test and a difference are made from the rows,
** and what they give must hold: a share between 0 and 1 or none, an SE of
** 0 or more or none, an interval around its share. Each input runs inside a
** transaction that is rolled back. Built with clang -fsanitize=fuzzer by
** `make fuzz`, and as a replay of the corpus (replay.c) by `make test`.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../models/model.h"

static mu_store *store;
static long long survey;

static void setup(void) {
  char err[512];
  if (mu_store_open(":memory:", 0, &store, err, sizeof err)) {
    fprintf(stderr, "cannot open a store: %s\n", err);
    abort();
  }
  sqlite3 *db = mu_store_db(store);
  if (sqlite3_exec(db,
                   "INSERT INTO surveys (key, title, source_id) VALUES ('fuzz', 'fuzz', 1);"
                   "INSERT INTO questions (survey_id, key, text, source_id) VALUES (last_insert_rowid(), 'q1', '?', 1);"
                   "INSERT INTO options (question_id, key, label, ordinal) VALUES (last_insert_rowid(), 'yes', 'Yes', 1),"
                   " ((SELECT max(id) FROM questions), 'no', 'No', 2), ((SELECT max(id) FROM questions), 'dont_know', 'DK', 3);"
                   "INSERT INTO questions (survey_id, key, text, source_id) "
                   " VALUES ((SELECT id FROM surveys WHERE key = 'fuzz'), 'q2', '?', 1);"
                   "INSERT INTO options (question_id, key, label, ordinal) VALUES (last_insert_rowid(), 'agree', 'A', 1),"
                   " ((SELECT max(id) FROM questions), 'disagree', 'D', 2);",
                   NULL, NULL, NULL) != SQLITE_OK) {
    fprintf(stderr, "cannot make the survey: %s\n", sqlite3_errmsg(db));
    abort();
  }
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db, "SELECT id FROM surveys WHERE key = 'fuzz'", -1, &st, NULL);
  if (sqlite3_step(st) == SQLITE_ROW) survey = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
}

static void check_cell(const mu_cell *c) {
  int ok = isnan(c->share) || (c->share >= -1e-12 && c->share <= 1 + 1e-12);
  ok = ok && (isnan(c->se) || c->se >= 0) && !(isnan(c->share) && !isnan(c->se));
  ok = ok && (isnan(c->lo_logit) || (c->lo_logit <= c->share + 1e-12 && c->share <= c->hi_logit + 1e-12));
  ok = ok && (isnan(c->lo_beta) || c->lo_beta <= c->hi_beta + 1e-12);
  ok = ok && (c->why || !isnan(c->share) || c->suppressed);
  if (!ok) {
    fprintf(stderr, "a cell breaks a promise: n %lld base %lld share %g se %g logit %g..%g beta %g..%g why %s\n",
            c->n, c->base_n, c->share, c->se, c->lo_logit, c->hi_logit, c->lo_beta, c->hi_beta,
            c->why ? c->why : "(none)");
    abort();
  }
}

/* The estimates an analyst would make next, from the rows just imported. */
static void estimate(void) {
  const char *const names[] = {"q1", "department", "q2"};
  char err[512];
  mu_design d;
  if (mu_design_load(store, survey, names, 3, &d, err, sizeof err)) return;   /* refused, with a reason */
  if (d.var[1].nlevels > 0) {
    mu_table_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.var = 0;
    sp.by[0] = 1;
    sp.nby = 1;
    sp.level = 0.95;
    mu_table t;
    if (mu_estimate_table(&d, &sp, &t, err, sizeof err) == 0) {
      for (int c = 0; c < (t.ngroups + 1) * (t.nopts + 1); c++) check_cell(&t.cells[c]);
      mu_table_free(&t);
    }
    mu_chisq x;
    if (mu_estimate_chisq(&d, 0, 1, NULL, NULL, 0, &x, err, sizeof err) == 0 && !(x.p >= 0 && x.p <= 1)) {
      fprintf(stderr, "a test of association with p = %g\n", x.p);
      abort();
    }
    mu_diff df;
    if (d.var[1].nlevels > 1 && mu_estimate_diff(&d, 0, 0, 1, 0, 1, 0.95, &df, err, sizeof err) == 0 &&
        !(df.se >= 0 && fabs(df.diff) <= 1 + 1e-12)) {
      fprintf(stderr, "a difference of %g with SE %g\n", df.diff, df.se);
      abort();
    }
  }
  mu_design_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  if (!store) setup();
  if (size == 0) return 0;
  uint8_t pick = data[0];
  mu_microdata_opts o = {"id", (pick & 2) ? "weight" : NULL, (pick & 4) ? "stratum" : NULL, (pick & 8) ? "psu" : NULL,
                         (pick & 16) ? "fpc" : NULL, pick & 1, "question", "answer", 5, NULL};
  FILE *fp = fmemopen((void *)(data + 1), size - 1 ? size - 1 : 1, "rb");
  if (!fp) return 0;
  if (size == 1) fgetc(fp);   /* an empty file: fmemopen refuses size 0 */
  if (mu_store_begin(store, err, sizeof err) == 0) {
    mu_microdata_result res;
    if (mu_import_microdata(store, survey, &o, "fuzz", fp, &res, err, sizeof err) == 0) estimate();
    free(res.errors);
    mu_store_rollback(store);
  }
  fclose(fp);
  return 0;
}
