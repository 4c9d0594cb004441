/*
** Bulk loads: a table's secondary indexes set aside while a large import
** inserts, and built again before it commits.
**
** Inserting a million rows into an index whose keys arrive in random order
** (responses_question, by department) costs a page-cache miss per row once
** the index outgrows the cache; building it afterwards is one external sort.
** On the benchmark's million responses that was 6.2 s against 2.5 s + 1.7 s,
** with less memory. Only plain CREATE INDEX indexes are set aside: UNIQUE
** ones stay, because they are what reports a duplicate at its own line.
** Everything happens inside the import's savepoint, so a failed import gets
** its indexes back with the rollback.
*/
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>

#include "model.h"

/* The incoming file's remaining bytes, or -1 when it is not a regular file. */
static long long remaining_bytes(FILE *fp) {
  struct stat sb;
  int fd = fp ? fileno(fp) : -1;
  if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return -1;
  long pos = ftell(fp);
  return (long long)sb.st_size - (pos > 0 ? pos : 0);
}

/*
** Worth it when the file would at least double the table: the table is empty,
** or the file holds more rows than it (at 32 bytes a row, fewer than any
** real row takes, so this errs towards rebuilding).
*/
static int worth_deferring(mu_store *s, const char *table, FILE *fp) {
  char sql[160];
  sqlite3_stmt *st;
  long long existing = 0;
  snprintf(sql, sizeof sql, "SELECT max(rowid) FROM \"%s\"", table);
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) return 0;
  if (sqlite3_step(st) == SQLITE_ROW) existing = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (existing == 0) return 1;
  long long bytes = remaining_bytes(fp);
  return bytes >= 0 && bytes / 32 >= existing;
}

/*
** The survey tables carry a trigger, <table>_inserted, that counts an insert
** below the largest row id as a change of the data (migration 6: the stamp
** of the survey cache). Per row it costs more than a third of an import's
** time, so an import sets it aside and counts itself as one change instead.
*/
static void defer_change_count(mu_store *s, const char *table, mu_deferred *d) {
  char name[160], sql[200];
  sqlite3_stmt *st;
  snprintf(name, sizeof name, "%s_inserted", table);
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?", -1,
                         &st, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) d->count_trigger = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  snprintf(sql, sizeof sql, "DROP TRIGGER \"%s\"", name);
  if (d->count_trigger && sqlite3_exec(mu_store_db(s), sql, NULL, NULL, NULL) != SQLITE_OK) {
    free(d->count_trigger);   /* kept, and simply fired row by row */
    d->count_trigger = NULL;
  }
}

void mu_defer_indexes(mu_store *s, const mu_entity *e, void *fp, mu_deferred *d) {
  sqlite3_stmt *st;
  memset(d, 0, sizeof *d);
  defer_change_count(s, e->table, d);
  if (!worth_deferring(s, e->table, fp)) return;
  /* origin 'c': made by CREATE INDEX, not by a UNIQUE or PRIMARY KEY clause. */
  if (sqlite3_prepare_v2(mu_store_db(s),
        "SELECT m.name, m.sql FROM pragma_index_list(?1) AS il JOIN sqlite_schema AS m ON m.name = il.name "
        "WHERE il.origin = 'c' AND il.\"unique\" = 0 AND il.partial = 0", -1, &st, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_text(st, 1, e->table, -1, SQLITE_STATIC);
  while (d->n < MU_MAX_DEFERRED && sqlite3_step(st) == SQLITE_ROW) {
    d->name[d->n] = strdup((const char *)sqlite3_column_text(st, 0));
    d->sql[d->n] = strdup((const char *)sqlite3_column_text(st, 1));
    if (!d->name[d->n] || !d->sql[d->n]) break;
    d->n++;
  }
  sqlite3_finalize(st);
  /* An index a running statement is reading cannot be dropped (SQLITE_LOCKED):
     that one is kept and simply filled row by row. */
  int kept = 0;
  for (int i = 0; i < d->n; i++) {
    char sql[200];
    snprintf(sql, sizeof sql, "DROP INDEX \"%s\"", d->name[i]);
    if (sqlite3_exec(mu_store_db(s), sql, NULL, NULL, NULL) == SQLITE_OK) {
      d->name[kept] = d->name[i];
      d->sql[kept] = d->sql[i];
      kept++;
    } else {
      free(d->name[i]);
      free(d->sql[i]);
    }
  }
  d->n = kept;
}

int mu_restore_indexes(mu_store *s, mu_deferred *d, char *err, size_t errlen) {
  int rc = 0;
  for (int i = 0; i < d->n && rc == 0; i++) {
    if (sqlite3_exec(mu_store_db(s), d->sql[i], NULL, NULL, NULL) != SQLITE_OK) {
      snprintf(err, errlen, "rebuilding index %s: %s", d->name[i], sqlite3_errmsg(mu_store_db(s)));
      rc = -1;
    }
  }
  if (rc == 0 && d->count_trigger &&
      (sqlite3_exec(mu_store_db(s), d->count_trigger, NULL, NULL, NULL) != SQLITE_OK ||
       sqlite3_exec(mu_store_db(s), "UPDATE data_changes SET n = n + 1", NULL, NULL, NULL) != SQLITE_OK)) {
    snprintf(err, errlen, "restoring a trigger: %s", sqlite3_errmsg(mu_store_db(s)));
    rc = -1;
  }
  mu_deferred_free(d);
  return rc;
}

void mu_deferred_free(mu_deferred *d) {
  for (int i = 0; i < d->n; i++) {
    free(d->name[i]);
    free(d->sql[i]);
  }
  d->n = 0;
  free(d->count_trigger);
  d->count_trigger = NULL;
}
