/*
** The history of report runs: a row when a run starts, completed when it
** ends, so that a run that dies midway still shows as started and unfinished.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "model.h"

void mu_now_utc(char *buf, size_t len) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

long long mu_run_start(mu_store *s, const char *script, const char *sha256, const char *args_json,
                       char *err, size_t errlen) {
  sqlite3_stmt *st;
  char now[40];
  mu_now_utc(now, sizeof now);
  if (sqlite3_prepare_v2(mu_store_db(s), "INSERT INTO runs (script, sha256, args, started_at) VALUES (?, ?, ?, ?)",
                         -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    return -1;
  }
  sqlite3_bind_text(st, 1, script, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, args_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    return -1;
  }
  return sqlite3_last_insert_rowid(mu_store_db(s));
}

int mu_run_finish(mu_store *s, long long id, int status, const char *outputs_json, const char *error) {
  sqlite3_stmt *st;
  char now[40];
  mu_now_utc(now, sizeof now);
  if (sqlite3_prepare_v2(mu_store_db(s), "UPDATE runs SET finished_at = ?, status = ?, outputs = ?, error = ? "
                         "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 2, status);
  sqlite3_bind_text(st, 3, outputs_json, -1, SQLITE_TRANSIENT);
  if (error) sqlite3_bind_text(st, 4, error, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, id);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}
