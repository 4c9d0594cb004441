/*
** Published survey results: shares by breakdown, as the sources give them.
** Microdata (respondent-level) estimates are design-based: design.c and
** estimate.c.
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
