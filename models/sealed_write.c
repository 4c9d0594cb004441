/*
** Writing a survey's sealed answers (migration 11): the columns' writer
** (blocks to temporary files, then each column into its entry of
** response_columns), sealing (a survey's rows merged with what is sealed
** into columns anew, the rows deleted), and the reverse ways: an import's
** answers deleted by their range, a survey's answers turned back into rows.
** Everything inside the caller's transaction.
*/
#include <stdlib.h>
#include <string.h>
#include "sealed.h"

#define NSTORED MU_SEALED_NCOLS

/* One gone id's mark deleted (mu_sealed_each_gone's callback; ctx: the DELETE). */
static int unmark_gone(void *ctx, sqlite3_int64 id) {
  sqlite3_stmt *st = ctx;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, id);
  return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* A column's file into its entry (made at its size, then written a piece at a time). */
static int store_column(sqlite3 *db, long long survey, const char *name, uint32_t nrows, FILE *fp, long long len) {
  sqlite3_stmt *st;
  if (len > 0x7fffffff ||
      sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO response_columns (survey_id, name, nrows, data) "
                         "VALUES (?, ?, ?, zeroblob(?))", -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(st, 1, survey);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, nrows);
  sqlite3_bind_int64(st, 4, len);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
  sqlite3_finalize(st);
  sqlite3_blob *b = NULL;
  if (rc || sqlite3_blob_open(db, "main", "response_columns", "data", sqlite3_last_insert_rowid(db), 1, &b) != SQLITE_OK ||
      fseek(fp, 0, SEEK_SET)) {
    sqlite3_blob_close(b);
    return -1;
  }
  unsigned char buf[65536];
  long long off = 0;
  size_t got;
  while (rc == 0 && (got = fread(buf, 1, sizeof buf, fp)) > 0) {
    rc = sqlite3_blob_write(b, buf, (int)got, (int)off) == SQLITE_OK ? 0 : -1;
    off += (long long)got;
  }
  sqlite3_blob_close(b);
  return rc || off != len ? -1 : 0;
}

int mu_sealed_writer_open(mu_sealed_writer *w) {
  memset(w, 0, sizeof *w);
  for (int k = 0; k < NSTORED; k++)
    if (!(w->fp[k] = tmpfile()) || !(w->w[k] = mu_colw_new(w->fp[k]))) return -1;
  return 0;
}

int mu_sealed_writer_add(mu_sealed_writer *w, const mu_cval v[MU_SEALED_NCOLS]) {
  if (w->n == UINT32_MAX || v[0].type != SQLITE_INTEGER) return -1;
  size_t b = w->n / MU_COL_BLOCK;
  if (w->n % MU_COL_BLOCK == 0) {   /* a block begins */
    if (2 * b + 2 > w->ranges_cap) {
      size_t cap = w->ranges_cap ? w->ranges_cap * 2 : 64;
      sqlite3_int64 *g = realloc(w->ranges, cap * sizeof *g);
      if (!g) return -1;
      w->ranges = g;
      w->ranges_cap = cap;
    }
    w->ranges[2 * b] = w->ranges[2 * b + 1] = v[0].i;
  }
  if (v[0].i < w->ranges[2 * b]) w->ranges[2 * b] = v[0].i;
  if (v[0].i > w->ranges[2 * b + 1]) w->ranges[2 * b + 1] = v[0].i;
  for (int k = 0; k < NSTORED; k++)
    if (mu_colw_add(w->w[k], &v[k])) return -1;
  if (v[0].type == SQLITE_INTEGER && v[0].i > w->max_id) w->max_id = v[0].i;
  w->n++;
  return 0;
}

void mu_sealed_writer_free(mu_sealed_writer *w) {
  free(w->ranges);
  w->ranges = NULL;
  w->ranges_cap = 0;
  for (int k = 0; k < NSTORED; k++) {
    mu_colw_free(w->w[k]);
    if (w->fp[k]) fclose(w->fp[k]);
    w->w[k] = NULL;
    w->fp[k] = NULL;
  }
}

/* Each column into its entry and the largest sealed id raised; 0 or -1. */
int mu_sealed_writer_store(mu_sealed_writer *w, sqlite3 *db, long long survey) {
  for (int k = 0; k < NSTORED; k++) {
    long long len = 0;
    int bad = mu_colw_finish(w->w[k], &len);
    w->w[k] = NULL;
    if (bad || store_column(db, survey, mu_sealed_columns[k], w->n, w->fp[k], len)) return -1;
  }
  /* each block's id range, so that an answer sought by id is looked for in the blocks that can hold it */
  sqlite3_stmt *ranges;
  uint32_t nblocks = (uint32_t)(((uint64_t)w->n + MU_COL_BLOCK - 1) / MU_COL_BLOCK);
  if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO response_columns (survey_id, name, nrows, data) "
                         "VALUES (?, 'id_ranges', ?, ?)", -1, &ranges, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(ranges, 1, survey);
  sqlite3_bind_int64(ranges, 2, nblocks);
  sqlite3_bind_blob(ranges, 3, nblocks ? (const void *)w->ranges : "", (int)(nblocks * 2 * sizeof *w->ranges),
                    SQLITE_STATIC);
  int kept = sqlite3_step(ranges) == SQLITE_DONE;
  sqlite3_finalize(ranges);
  if (!kept) return -1;
  sqlite3_stmt *high;
  if (sqlite3_prepare_v2(db, "UPDATE responses_high SET max_id = max(max_id, ?), nonce = random()", -1, &high,
                         NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(high, 1, w->max_id);
  int raised = sqlite3_step(high) == SQLITE_DONE;
  sqlite3_finalize(high);
  return raised ? 0 : -1;
}


/* The survey's rows deleted a chunk of row ids at a time; 0 or -1. */
static int delete_rows(sqlite3 *db, long long survey) {
  sqlite3_stmt *st;
  sqlite3_int64 lo = 0, hi = -1;
  if (sqlite3_prepare_v2(db, "SELECT min(rowid), max(rowid) FROM responses_rows WHERE survey_id = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(st, 1, survey);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
    lo = sqlite3_column_int64(st, 0);
    hi = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  if (hi < lo) return 0;
  if (sqlite3_prepare_v2(db, "DELETE FROM responses_rows WHERE rowid BETWEEN ?2 AND ?3 AND survey_id = ?1", -1, &st,
                         NULL) != SQLITE_OK)
    return -1;
  int rc = 0;
  for (sqlite3_int64 at = lo; rc == 0 && at <= hi; at += 65536) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, survey);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_int64(st, 3, at + 65535 < hi ? at + 65535 : hi);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
  }
  sqlite3_finalize(st);
  return rc;
}

/* responses_rows dropped and made again empty (its triggers are put back by the caller), when it holds only
   the survey's rows; 0, or -1 with nothing changed. */
static int remake_rows(sqlite3 *db, long long survey) {
  sqlite3_stmt *st;
  int others = 1;
  if (sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM responses_rows WHERE survey_id < ?1) OR "
                         "EXISTS (SELECT 1 FROM responses_rows WHERE survey_id > ?1)", -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(st, 1, survey);
  if (sqlite3_step(st) == SQLITE_ROW) others = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (others) return -1;
  /* the table and its own indexes (a UNIQUE key's is made by the table) */
  char *make[8] = {0};
  int n = 0, rc = 0;
  if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE tbl_name = 'responses_rows' AND sql IS NOT NULL "
                         "AND type IN ('table', 'index') ORDER BY type = 'index'", -1, &st, NULL) != SQLITE_OK)
    return -1;
  while (n < 8 && sqlite3_step(st) == SQLITE_ROW) rc |= !(make[n++] = sqlite3_mprintf("%s", sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  if (!rc && n > 0 && sqlite3_exec(db, "SAVEPOINT remake_rows", NULL, NULL, NULL) == SQLITE_OK) {
    rc = sqlite3_exec(db, "DROP TABLE responses_rows", NULL, NULL, NULL) != SQLITE_OK;
    for (int k = 0; k < n && !rc; k++) rc = sqlite3_exec(db, make[k], NULL, NULL, NULL) != SQLITE_OK;
    sqlite3_exec(db, rc ? "ROLLBACK TO remake_rows" : "RELEASE remake_rows", NULL, NULL, NULL);
    if (rc) sqlite3_exec(db, "RELEASE remake_rows", NULL, NULL, NULL);
  } else
    rc = 1;
  for (int k = 0; k < n; k++) sqlite3_free(make[k]);
  return rc ? -1 : 0;
}


int mu_seal_survey(sqlite3 *db, long long survey, long long *sealed, char *err, size_t errlen) {
  mu_sealed *old = NULL;
  sqlite3_stmt *rows = NULL, *unmark = NULL;
  mu_sealed_writer w;
  int rc = -1, have_old = 0, have_row = 0;
  *sealed = 0;
  *err = 0;
  if (mu_sealed_open(db, survey, &old)) {
    snprintf(err, errlen, "the survey's sealed answers are damaged");
    return -1;
  }
  if (mu_sealed_writer_open(&w) ||
      sqlite3_prepare_v2(db, "SELECT id, respondent, question_id, option_id, department, grade, weight "
                         "FROM responses_rows WHERE survey_id = ? ORDER BY respondent, question_id", -1, &rows,
                         NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "DELETE FROM responses_gone WHERE id = ?", -1, &unmark, NULL) != SQLITE_OK)
    goto done;
  sqlite3_bind_int64(rows, 1, survey);
  have_old = old ? mu_sealed_next(old) : 0;
  int step = sqlite3_step(rows);
  have_row = step == SQLITE_ROW;
  if (have_old < 0 || (step != SQLITE_ROW && step != SQLITE_DONE)) goto done;
  while (have_old || have_row) {
    mu_cval v[NSTORED];
    int from_row = have_row;
    if (have_old && have_row) {
      mu_cval r, q;
      mu_cval_column(rows, 1, &r);
      mu_cval_column(rows, 2, &q);
      int c = mu_sealed_order(mu_sealed_value(old, 2), mu_sealed_value(old, 3), &r, &q);
      if (c == 0) {
        snprintf(err, errlen, "respondent '%.*s' answers question %lld both in the rows and sealed", r.len, r.s,
                 (long long)q.i);
        goto done;
      }
      from_row = c > 0;
    }
    for (int k = 0; k < NSTORED; k++) {
      if (from_row) mu_cval_column(rows, k, &v[k]);
      else v[k] = *mu_sealed_value(old, k == 0 ? 0 : k + 1);
    }
    if (mu_sealed_writer_add(&w, v)) goto done;
    if (from_row) {
      step = sqlite3_step(rows);
      have_row = step == SQLITE_ROW;
      if (step != SQLITE_ROW && step != SQLITE_DONE) goto done;
    } else if ((have_old = mu_sealed_next(old)) < 0)
      goto done;
  }
  /* the survey's gone answers were left out: their marks go too (only its own: the marks are the store's) */
  if (old && mu_sealed_each_gone(old, unmark_gone, unmark)) goto done;
  mu_sealed_close(old);   /* its blobs are about to be replaced */
  old = NULL;
  if (mu_sealed_writer_store(&w, db, survey)) goto done;
  /* The rows go with their triggers set aside: the change counter would fire a million times at a million
     answers (sealing changes no answer), and with a trigger on the table SQLite first gathers every row id
     to delete (24 MB at 1M). With none, a survey that holds every row loses them page by page. */
  sqlite3_stmt *del;
  char *triggers[8] = {0}, *names[8] = {0};
  int ntrig = 0, dropped = 1;
  if (sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND "
                         "tbl_name = 'responses_rows'", -1, &del, NULL) != SQLITE_OK)
    goto done;
  while (ntrig < 8 && sqlite3_step(del) == SQLITE_ROW) {
    names[ntrig] = sqlite3_mprintf("DROP TRIGGER \"%w\"", (const char *)sqlite3_column_text(del, 0));
    triggers[ntrig] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(del, 1));
    ntrig++;
  }
  sqlite3_finalize(del);
  for (int k = 0; k < ntrig && dropped; k++)
    dropped = names[k] && triggers[k] && sqlite3_exec(db, names[k], NULL, NULL, NULL) == SQLITE_OK;
  /* Every row this survey's (a store of one survey, or its first import): the table is made anew, its pages
     freed whole, where deleting a million rows and their keys took a third of sealing. Else, or if the table
     cannot be dropped now (a statement still reading it), a chunk of row ids at a time: a DELETE gathers the
     ids it will delete first (24 MB for a million), and the foreign keys rule out SQLite's own truncation. */
  rc = !dropped ? -1 : remake_rows(db, survey) == 0 ? 0 : delete_rows(db, survey);
  /* (a failure rolls the caller's transaction back, triggers and all) */
  for (int k = 0; k < ntrig; k++) {
    if (rc == 0 && sqlite3_exec(db, triggers[k], NULL, NULL, NULL) != SQLITE_OK) rc = -1;
    sqlite3_free(triggers[k]);
    sqlite3_free(names[k]);
  }
  *sealed = w.n;
done:
  if (rc && !*err) snprintf(err, errlen, "cannot seal the survey's answers: %s", sqlite3_errmsg(db));
  mu_sealed_writer_free(&w);
  mu_sealed_close(old);
  sqlite3_finalize(rows);
  sqlite3_finalize(unmark);
  return rc;
}

/*
** After an import, in its transaction: each survey whose rows have grown to 64K answers, or to an eighth
** of what it has sealed, is sealed (a survey's sealing rewrites all of it, so a few rows wait for more),
** and the pages the rows held go back to the file system where the store allows it (auto_vacuum, set when
** a store is made; an older store reuses them).
*/
int mu_seal_due(sqlite3 *db, char *err, size_t errlen) {
  sqlite3_stmt *st;
  *err = 0;
  if (sqlite3_prepare_v2(db, "SELECT r.survey_id, r.n, coalesce(c.nrows, 0) FROM "
                         "(SELECT survey_id, count(*) AS n FROM responses_rows GROUP BY survey_id) r "
                         "LEFT JOIN response_columns c ON c.survey_id = r.survey_id AND c.name = 'id'",
                         -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "cannot seal answers: %s", sqlite3_errmsg(db));
    return -1;
  }
  long long due[64];
  int ndue = 0;
  while (sqlite3_step(st) == SQLITE_ROW && ndue < 64) {
    long long rows = sqlite3_column_int64(st, 1), sealed = sqlite3_column_int64(st, 2);
    if (rows >= MU_COL_BLOCK || rows * 8 >= sealed + 8) due[ndue++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  for (int k = 0; k < ndue; k++) {
    long long n = 0;
    if (mu_seal_survey(db, due[k], &n, err, errlen)) return -1;
  }
  if (ndue) sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
  return 0;
}

/* ------------------------------------------------------------ deleting a range */

/* A survey's live sealed answers: how many, and how many have ids in [first, last]; 0 or -1. */
static int count_in_range(sqlite3 *db, long long survey, sqlite3_int64 first, sqlite3_int64 last, long long *live,
                          long long *in_range) {
  mu_sealed *s = NULL;
  *live = *in_range = 0;
  if (mu_sealed_open_cols(db, survey, 1, &s)) return -1;
  int got = 0;
  while (s && (got = mu_sealed_next(s)) > 0) {
    sqlite3_int64 id = mu_sealed_value(s, 0)->i;
    (*live)++;
    *in_range += id >= first && id <= last;
  }
  mu_sealed_close(s);
  return got < 0 ? -1 : 0;
}

/* The survey's columns dropped, and the gone marks of its answers with them. */
static int drop_sealed(sqlite3 *db, long long survey) {
  mu_sealed *s = NULL;
  sqlite3_stmt *unmark = NULL, *drop = NULL;
  int rc = mu_sealed_open_cols(db, survey, 1, &s) ||
           sqlite3_prepare_v2(db, "DELETE FROM responses_gone WHERE id = ?", -1, &unmark, NULL) != SQLITE_OK ||
           sqlite3_prepare_v2(db, "DELETE FROM response_columns WHERE survey_id = ?", -1, &drop, NULL) != SQLITE_OK
             ? -1 : 0;
  if (rc == 0 && s) rc = mu_sealed_each_gone(s, unmark_gone, unmark);
  mu_sealed_close(s);
  if (rc == 0) {
    sqlite3_bind_int64(drop, 1, survey);
    rc = sqlite3_step(drop) == SQLITE_DONE &&
         sqlite3_exec(db, "UPDATE responses_high SET nonce = random()", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
  }
  sqlite3_finalize(unmark);
  sqlite3_finalize(drop);
  return rc;
}

int mu_unseal_survey(sqlite3 *db, long long survey) {
  mu_sealed *r = NULL;
  sqlite3_stmt *ins = NULL;
  if (mu_sealed_open(db, survey, &r)) return -1;
  if (!r) return 0;
  int rc = sqlite3_prepare_v2(db, "INSERT INTO responses_rows (id, survey_id, respondent, question_id, option_id, "
                              "department, grade, weight) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &ins, NULL) == SQLITE_OK
             ? 0 : -1;
  int got = 0;
  while (rc == 0 && (got = mu_sealed_next(r)) > 0) {
    for (int k = 0; k < 8 && rc == 0; k++) rc = mu_cval_bind(ins, k + 1, mu_sealed_value(r, k)) == SQLITE_OK ? 0 : -1;
    if (rc == 0 && sqlite3_step(ins) != SQLITE_DONE) rc = -1;
    sqlite3_reset(ins);
  }
  mu_sealed_close(r);
  sqlite3_finalize(ins);
  return rc || got < 0 ? -1 : drop_sealed(db, survey);
}

int mu_sealed_delete_range(sqlite3 *db, sqlite3_int64 first, sqlite3_int64 last, long long *deleted) {
  sqlite3_stmt *st, *mark = NULL;
  int rc = 0;
  *deleted = 0;
  if (sqlite3_prepare_v2(db, "SELECT DISTINCT survey_id FROM response_columns", -1, &st, NULL) != SQLITE_OK) return -1;
  long long *surveys = NULL;
  size_t n = 0, cap = 0;
  while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      long long *g = realloc(surveys, cap * sizeof *g);
      if (!g) rc = -1;
      else surveys = g;
    }
    if (rc == 0) surveys[n++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  for (size_t k = 0; rc == 0 && k < n; k++) {
    long long live = 0, in_range = 0;
    rc = count_in_range(db, surveys[k], first, last, &live, &in_range);
    if (rc || in_range == 0) continue;
    if (in_range == live) {   /* an import that wrote the survey's answers, and nothing since: its columns go */
      rc = drop_sealed(db, surveys[k]);
      *deleted += in_range;
      continue;
    }
    /* else each one marked gone, and the survey sealed again once an eighth of it is */
    mu_sealed *s = NULL;
    if (!mark && sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO responses_gone (id) VALUES (?)", -1, &mark, NULL) != SQLITE_OK)
      rc = -1;
    if (rc == 0) rc = mu_sealed_open_cols(db, surveys[k], 1, &s);
    int got = 0;
    while (rc == 0 && s && (got = mu_sealed_next(s)) > 0) {
      sqlite3_int64 id = mu_sealed_value(s, 0)->i;
      if (id < first || id > last) continue;
      sqlite3_reset(mark);
      sqlite3_bind_int64(mark, 1, id);
      rc = sqlite3_step(mark) == SQLITE_DONE ? 0 : -1;
    }
    mu_sealed_close(s);
    if (got < 0) rc = -1;
    *deleted += in_range;
    char err[256];
    long long sealed = 0;
    if (rc == 0 && in_range * 8 >= live) rc = mu_seal_survey(db, surveys[k], &sealed, err, sizeof err);
  }
  sqlite3_finalize(mark);
  free(surveys);
  if (rc == 0 && sqlite3_prepare_v2(db, "DELETE FROM responses_rows WHERE id BETWEEN ? AND ?", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    *deleted += sqlite3_changes(db);
    sqlite3_finalize(st);
  } else
    rc = -1;
  /* one change for the survey cache's stamp, whatever the triggers counted; the freed pages back to the file
     system where the store allows (as after sealing) */
  if (rc == 0 && sqlite3_exec(db, "UPDATE data_changes SET n = n + 1", NULL, NULL, NULL) != SQLITE_OK) rc = -1;
  if (rc == 0) sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
  return rc;
}
