/*
** A survey's first answers written straight to its columns as an import
** reads them (issue 12: a store within 2 x DuckDB's, an import as fast as
** SQLite's own). Files of microdata come a respondent at a time, in the
** order sealing keeps, so most imports need no rows at all: writing each
** answer as a row and sealing them later costs the b-tree twice over (6 s
** against 2.6 s at a million answers). The stream takes a survey that holds
** nothing yet; an answer out of (respondent, question) order makes it give
** up, the answers so far going in as rows (spill), and the import goes on
** as rows, to be sealed as before (mu_seal_due).
*/
#include <stdlib.h>
#include <string.h>
#include "sealed.h"
#include "sealed_stream.h"

struct mu_seal_stream {
  sqlite3 *db;
  long long survey;
  mu_sealed_writer w;
  sqlite3_int64 next_id;
  char *last_r;               /* the last answer's respondent and question, for the order */
  int last_len, last_cap, any;
  sqlite3_int64 last_q;
};

static int query_int(sqlite3 *db, const char *sql, long long survey, sqlite3_int64 *out) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  if (sqlite3_bind_parameter_count(st) > 0) sqlite3_bind_int64(st, 1, survey);
  int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
  if (rc == 0) *out = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc;
}

int mu_seal_stream_open(sqlite3 *db, long long survey, mu_seal_stream **out) {
  sqlite3_int64 held = 0, next_id = 0;
  *out = NULL;
  if (query_int(db, "SELECT EXISTS (SELECT 1 FROM responses_rows WHERE survey_id = ?1) OR "
                "EXISTS (SELECT 1 FROM response_columns WHERE survey_id = ?1)", survey, &held) ||
      /* the ids: above every row's and every id ever sealed, as the virtual table gives them */
      query_int(db, "SELECT max(coalesce((SELECT max(id) FROM responses_rows), 0), "
                "(SELECT max_id FROM responses_high)) + 1", 0, &next_id))
    return -1;
  if (held) return 0;
  mu_seal_stream *s = calloc(1, sizeof *s);
  if (!s) return -1;
  s->db = db;
  s->survey = survey;
  s->next_id = next_id;
  if (mu_sealed_writer_open(&s->w)) {
    mu_seal_stream_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

long long mu_seal_stream_survey(const mu_seal_stream *s) { return s->survey; }

int mu_seal_stream_add(mu_seal_stream *s, const mu_cval v[MU_SEALED_NCOLS - 1], sqlite3_int64 *id) {
  const mu_cval *r = &v[0], *q = &v[1];
  if (r->type != SQLITE_TEXT || q->type != SQLITE_INTEGER) return 0;
  if (s->any) {
    mu_cval lr = {.type = SQLITE_TEXT, .s = s->last_r, .len = s->last_len};
    mu_cval lq = {.type = SQLITE_INTEGER, .i = s->last_q};
    int c = mu_sealed_order(&lr, &lq, r, q);
    if (c == 0) return 2;
    if (c > 0) return 0;
  }
  mu_cval all[MU_SEALED_NCOLS];
  all[0] = (mu_cval){.type = SQLITE_INTEGER, .i = s->next_id};
  memcpy(all + 1, v, sizeof *v * (MU_SEALED_NCOLS - 1));
  if (mu_sealed_writer_add(&s->w, all)) return -1;
  if (r->len > s->last_cap) {
    int cap = r->len < 64 ? 64 : r->len * 2;
    char *g = realloc(s->last_r, (size_t)cap);
    if (!g) return -1;
    s->last_r = g;
    s->last_cap = cap;
  }
  if (r->len) memcpy(s->last_r, r->s, (size_t)r->len);
  s->last_len = r->len;
  s->last_q = q->i;
  s->any = 1;
  *id = s->next_id++;
  return 1;
}

int mu_seal_stream_finish(mu_seal_stream *s) {
  /* new answers no row holds: a change to the survey cache's stamp (which reads the rows' largest id) */
  int rc = !s->w.n ? 0 : mu_sealed_writer_store(&s->w, s->db, s->survey) ||
                         sqlite3_exec(s->db, "UPDATE data_changes SET n = n + 1", NULL, NULL, NULL) != SQLITE_OK;
  mu_seal_stream_free(s);
  return rc;
}

/* The answers so far stored as columns, then turned into rows (with their ids) and the columns dropped. */
int mu_seal_stream_spill(mu_seal_stream *s) {
  sqlite3 *db = s->db;
  long long survey = s->survey;
  int rc = s->w.n ? mu_sealed_writer_store(&s->w, db, survey) : 0;   /* the rows' inserts count the change */
  mu_seal_stream_free(s);
  return rc ? rc : mu_unseal_survey(db, survey);
}

void mu_seal_stream_free(mu_seal_stream *s) {
  if (!s) return;
  mu_sealed_writer_free(&s->w);
  free(s->last_r);
  free(s);
}
