/*
** Survey queries: published shares by breakdown, and weighted tabulations
** of respondent-level microdata, both computed in SQL.
*/
#include <stdio.h>
#include <string.h>
#include "model.h"

static sqlite3_stmt *prepare(mu_store *s, const char *sql, char *err, size_t errlen) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    return NULL;
  }
  return st;
}

sqlite3_stmt *mu_survey_shares(mu_store *s, long long survey_id, const char *question,
                               const char *breakdown, const char *source, char *err, size_t errlen) {
  sqlite3_stmt *st = prepare(s,
    "SELECT o.key, o.label, r.grp, r.share, r.qualifier, r.base_n, r.count, r.count_derived, src.key "
    "FROM results r JOIN questions q ON q.id = r.question_id JOIN options o ON o.id = r.option_id "
    "JOIN sources src ON src.id = r.source_id "
    "WHERE q.survey_id = ?1 AND q.key = ?2 AND r.breakdown = ?3 AND (?4 IS NULL OR src.key = ?4) "
    "ORDER BY r.grp, o.ordinal, src.key", err, errlen);
  if (!st) return NULL;
  sqlite3_bind_int64(st, 1, survey_id);
  sqlite3_bind_text(st, 2, question, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, breakdown, -1, SQLITE_TRANSIENT);
  if (source) sqlite3_bind_text(st, 4, source, -1, SQLITE_TRANSIENT);
  return st;
}

sqlite3_stmt *mu_survey_crosstab(mu_store *s, long long survey_id, const char *question,
                                 const char *by, char *err, size_t errlen) {
  /* The grouping column comes from this fixed list, never from the caller's text. */
  const char *col = "NULL";
  if (by && strcmp(by, "department") == 0) col = "r.department";
  else if (by && strcmp(by, "grade") == 0) col = "r.grade";
  else if (by) {
    snprintf(err, errlen, "cannot break down by '%s': use 'department' or 'grade'", by);
    return NULL;
  }
  /* Resolve the question first: filtering on question_id alone lets SQLite
     read the covering index responses_question in group order. */
  sqlite3_stmt *q = prepare(s, "SELECT id FROM questions WHERE survey_id = ? AND key = ?", err, errlen);
  if (!q) return NULL;
  sqlite3_bind_int64(q, 1, survey_id);
  sqlite3_bind_text(q, 2, question, -1, SQLITE_TRANSIENT);
  long long qid = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sqlite3_finalize(q);
  if (!qid) {
    snprintf(err, errlen, "the survey has no question '%s'", question);
    return NULL;
  }
  char *sql = sqlite3_mprintf(
    "WITH t AS (SELECT %s AS grp, r.option_id, count(*) AS n, total(r.weight) AS w "
    "           FROM responses r WHERE r.question_id = ?1 GROUP BY 1, 2) "
    "SELECT t.grp, o.key, o.label, t.n, t.w, sum(t.w) OVER (PARTITION BY t.grp) "
    "FROM t JOIN options o ON o.id = t.option_id ORDER BY t.grp, o.ordinal", col);
  if (!sql) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  sqlite3_stmt *st = prepare(s, sql, err, errlen);
  sqlite3_free(sql);
  if (!st) return NULL;
  sqlite3_bind_int64(st, 1, qid);
  return st;
}
