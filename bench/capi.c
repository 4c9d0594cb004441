/*
** The limit: what the SQLite C API does on the same data with nothing in
** between, kept as plain rows in responses_raw (the columns and key
** responses had as a table; the store keeps them as columns now, behind a
** virtual table only mutuals and its module read). insert: one prepared
** statement in one transaction; scan: a sqlite3_step loop reading two
** columns; xtab: the SQL GROUP BY for a weighted department x answer table.
**   capi insert DB CSV | capi scan DB | capi xtab DB
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

static int fail(sqlite3 *db, const char *what) {
  fprintf(stderr, "capi: %s: %s\n", what, sqlite3_errmsg(db));
  return 1;
}

/* The generated file has no quoting: split on commas. */
static int insert(sqlite3 *db, const char *csv) {
  FILE *fp = fopen(csv, "r");
  if (!fp) { perror(csv); return 1; }
  sqlite3_stmt *st;
  char *line = NULL;
  size_t cap = 0;
  /* The same page cache as mutuals import, so the comparison is of the work, not the settings. */
  if (sqlite3_exec(db, "PRAGMA cache_size = -16384; BEGIN", NULL, NULL, NULL) != SQLITE_OK) return fail(db, "begin");
  if (sqlite3_prepare_v2(db, "INSERT INTO responses_raw (survey_id, respondent, question_id, option_id, department, "
                         "grade, weight) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
    return fail(db, "prepare");
  if (getline(&line, &cap, fp) < 0) return 1;   /* header */
  ssize_t n;
  while ((n = getline(&line, &cap, fp)) > 0) {
    if (line[n - 1] == '\n') line[--n] = '\0';
    char *f[7], *p = line;
    for (int i = 0; i < 7; i++) {
      f[i] = p;
      p = strchr(p, ',');
      if (p) *p++ = '\0';
      else if (i < 6) return 1;
    }
    sqlite3_bind_int64(st, 1, atoll(f[0]));
    sqlite3_bind_text(st, 2, f[1], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, atoll(f[2]));
    sqlite3_bind_int64(st, 4, atoll(f[3]));
    sqlite3_bind_text(st, 5, f[4], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, f[5], -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 7, atof(f[6]));
    if (sqlite3_step(st) != SQLITE_DONE) return fail(db, "insert");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  free(line);
  fclose(fp);
  return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db, "commit");
}

static int scan(sqlite3 *db) {
  sqlite3_stmt *st;
  long heavy = 0;
  if (sqlite3_prepare_v2(db, "SELECT weight, department FROM responses_raw", -1, &st, NULL) != SQLITE_OK)
    return fail(db, "prepare");
  while (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *d = sqlite3_column_text(st, 1);
    if (sqlite3_column_double(st, 0) > 1 && d) heavy++;
  }
  sqlite3_finalize(st);
  printf("%ld\n", heavy);
  return 0;
}

static int xtab(sqlite3 *db) {
  sqlite3_stmt *st;
  int rows = 0;
  if (sqlite3_prepare_v2(db, "SELECT department, option_id, count(*), total(weight) FROM responses_raw "
                         "WHERE question_id = 1 GROUP BY 1, 2", -1, &st, NULL) != SQLITE_OK)
    return fail(db, "prepare");
  while (sqlite3_step(st) == SQLITE_ROW) rows++;
  sqlite3_finalize(st);
  printf("%d\n", rows);
  return 0;
}

int main(int argc, char **argv) {
  sqlite3 *db;
  if (argc < 3) {
    fprintf(stderr, "usage: capi insert DB CSV | capi scan DB | capi xtab DB\n");
    return 2;
  }
  if (sqlite3_open(argv[2], &db) != SQLITE_OK) return fail(db, "open");
  int rc = strcmp(argv[1], "insert") == 0 && argc > 3 ? insert(db, argv[3])
         : strcmp(argv[1], "scan") == 0 ? scan(db)
         : strcmp(argv[1], "xtab") == 0 ? xtab(db) : 2;
  sqlite3_close(db);
  return rc;
}
