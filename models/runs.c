/*
** The history of report runs: a row when a run starts, completed when it
** ends, so that a run that dies midway still shows as started and unfinished.
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "model.h"

/* This boot of the machine, so that a pid from before a reboot is not taken for a live run. */
static void boot_id(char *buf, size_t len) {
  FILE *fp = fopen("/proc/sys/kernel/random/boot_id", "r");
  buf[0] = '\0';
  if (fp) {
    if (fgets(buf, (int)len, fp)) buf[strcspn(buf, "\n")] = '\0';
    fclose(fp);
  }
}

/*
** Runs left unfinished by a process that is gone (killed, crashed, or from
** an earlier boot) are marked killed: status -1 and a note of why.
*/
void mu_runs_reap(mu_store *s) {
  sqlite3_stmt *st, *up;
  char boot[64], now[40];
  boot_id(boot, sizeof boot);
  mu_now_utc(now, sizeof now);
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT id, pid, boot_id FROM runs WHERE finished_at IS NULL", -1, &st,
                         NULL) != SQLITE_OK)
    return;
  if (sqlite3_prepare_v2(mu_store_db(s), "UPDATE runs SET status = -1, finished_at = ?2, error = ?3 WHERE id = ?1 "
                         "AND finished_at IS NULL", -1, &up, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    return;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    long long pid = sqlite3_column_int64(st, 1);
    const char *b = (const char *)sqlite3_column_text(st, 2);
    int other_boot = b && boot[0] && strcmp(b, boot) != 0;
    int gone = pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
    if (!other_boot && !gone) continue;   /* still running, or too old to know (no pid recorded) */
    char why[160];
    snprintf(why, sizeof why, "killed: its process (pid %lld) ended without finishing the run%s", pid,
             other_boot ? " (the machine has restarted since)" : "");
    sqlite3_reset(up);
    sqlite3_bind_int64(up, 1, sqlite3_column_int64(st, 0));
    sqlite3_bind_text(up, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(up, 3, why, -1, SQLITE_TRANSIENT);
    sqlite3_step(up);
  }
  sqlite3_finalize(st);
  sqlite3_finalize(up);
}

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
  char boot[64];
  boot_id(boot, sizeof boot);
  mu_runs_reap(s);
  if (sqlite3_prepare_v2(mu_store_db(s), "INSERT INTO runs (script, sha256, args, started_at, pid, boot_id) "
                         "VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    return -1;
  }
  sqlite3_bind_text(st, 1, script, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, args_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, (long long)getpid());
  if (boot[0]) sqlite3_bind_text(st, 6, boot, -1, SQLITE_TRANSIENT);
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
