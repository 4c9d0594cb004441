/*
** C tests of the read-ahead reader (models/readahead.c) against a real
** store: every row in order whatever interrupts the worker — queries and
** writes in the middle of a scan, nested scans, two scans taking turns, a
** step that fails, the reader freed or the store closed under it. Built
** three ways by `make test`: plain, ASan+UBSan and ThreadSanitizer.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../models/model.h"
#include "check.h"

#define ROWS 50000
#define BAD_JSON_ROW 30000

static void exec(mu_store *s, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(mu_store_db(s), sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "%s: %s\n", sql, msg);
    exit(2);
  }
}

static long long count(mu_store *s, const char *sql) {
  sqlite3_stmt *st;
  long long n = -1;
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

static mu_reader *reader(mu_store *s, const char *sql, long long after) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) return NULL;
  return mu_reader_new(s, st, sqlite3_column_count(st), after);
}

/* Row x of table t, as `SELECT i, s, r FROM t ORDER BY i` returns it. */
static int row_is(const mu_value *row, long long x) {
  if (row[0].kind != MU_VINT || row[0].i != x || row[1].kind != MU_VTEXT) return 0;
  if (x % 997 == 0) {                                  /* a long text: the arena grows */
    if (row[1].len != 20000 || row[1].s[0] != 'x' || row[1].s[19999] != 'x' || row[1].s[20000]) return 0;
  } else {
    char want[32];
    snprintf(want, sizeof want, "row %lld", x);
    if (row[1].len != strlen(want) || strcmp(row[1].s, want) != 0) return 0;
  }
  if (x % 7 == 0) return row[2].kind == MU_VNULL;
  return row[2].kind == MU_VREAL && row[2].r == (double)x / 4.0;
}

/*
** Reads rows `from`.. of t from r, at most `upto` of them (or to the end),
** checking each; calls poke(s, x) after row x. Returns the rows read, or -1
** at the first wrong one.
*/
static long long read_rows(mu_reader *r, long long from, long long upto, mu_store *s,
                           void (*poke)(mu_store *, long long)) {
  const mu_value *row;
  char err[256];
  long long x = from, n = 0;
  while ((upto < 0 || n < upto) && mu_reader_next(r, &row, err, sizeof err) == 1) {
    if (!row_is(row, x)) {
      printf("# row %lld is wrong\n", x);
      return -1;
    }
    if (poke) poke(s, x);
    x++;
    n++;
  }
  return n;
}

static const char *const SCAN = "SELECT i, s, r FROM t ORDER BY i";

static void scan_with(mu_store *s, long long after, void (*poke)(mu_store *, long long), const char *name) {
  mu_reader *r = reader(s, SCAN, after);
  CHECK(r && read_rows(r, 1, -1, s, poke) == ROWS, name);
  mu_reader_free(r);
}

/* Queries and writes on the same connection in the middle of a scan. */
static void query_now_and_then(mu_store *s, long long x) {
  if (x % 10000 != 0) return;
  if (count(s, "SELECT count(*) FROM t") != ROWS) printf("# count inside the scan is wrong\n");
  exec(s, "INSERT INTO u(x) VALUES (1)");
}

/* A whole scan of the first 5,000 rows inside the outer one. */
static void nested_scan(mu_store *s, long long x) {
  if (x % 10000 != 0) return;
  mu_reader *inner = reader(s, "SELECT i, s, r FROM t WHERE i <= 5000 ORDER BY i", 0);
  if (!inner || read_rows(inner, 1, -1, s, NULL) != 5000) printf("# inner scan at %lld is wrong\n", x);
  mu_reader_free(inner);
}

static void test_turns(mu_store *s) {
  mu_reader *a = reader(s, SCAN, 0), *b = reader(s, SCAN, 0);
  long long na = 0, nb = 0;
  for (int round = 0; round < 50; round++) {     /* uneven turns, so each is parked mid-batch */
    long long ra = read_rows(a, na + 1, 997, s, NULL), rb = read_rows(b, nb + 1, 1499, s, NULL);
    if (ra < 0 || rb < 0) break;
    na += ra;
    nb += rb;
  }
  long long ra = read_rows(a, na + 1, -1, s, NULL), rb = read_rows(b, nb + 1, -1, s, NULL);
  CHECK(ra >= 0 && rb >= 0 && na + ra == ROWS && nb + rb == ROWS, "two scans taking turns: each gets every row in order");
  mu_reader_free(a);
  mu_reader_free(b);
}

static void test_failure(mu_store *s, long long after, const char *name) {
  mu_reader *r = reader(s, "SELECT i, json_extract(j, '$.a') FROM t ORDER BY i", after);
  const mu_value *row;
  char err[256] = "";
  long long n = 0;
  int rc;
  while ((rc = mu_reader_next(r, &row, err, sizeof err)) == 1)
    if (row[0].i == ++n && row[1].kind == MU_VINT && row[1].i == n) continue;
    else break;
  CHECK(rc == -1 && n == BAD_JSON_ROW - 1 && strstr(err, "malformed JSON"), name);
  CHECK(mu_reader_next(r, &row, err, sizeof err) == 0, "after a failure the scan stays ended");
  mu_reader_free(r);
}

int main(void) {
  char dir[] = "/tmp/mutuals-rtest-XXXXXX", path[600], err[512];
  mu_store *s = NULL;
  if (!mkdtemp(dir)) return 2;
  snprintf(path, sizeof path, "%s/r.db", dir);
  if (mu_store_open(path, 0, &s, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  exec(s, "CREATE TABLE t(i INTEGER PRIMARY KEY, s TEXT, j TEXT, r REAL);"
          "CREATE TABLE u(x INTEGER);"
          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000) "
          "INSERT INTO t SELECT x,"
          " CASE WHEN x % 997 = 0 THEN replace(hex(zeroblob(10000)), '00', 'xx') ELSE 'row ' || x END,"
          " CASE WHEN x = 30000 THEN 'not json' ELSE json_object('a', x) END,"
          " CASE WHEN x % 7 = 0 THEN NULL ELSE x / 4.0 END FROM c");

  scan_with(s, -1, NULL, "on the caller's thread only: every row in order");
  scan_with(s, 0, NULL, "read ahead from the first row: every row in order");
  scan_with(s, 2048, NULL, "read ahead after 2,048 rows: every row in order");
  scan_with(s, 0, query_now_and_then, "queries and inserts mid-scan park the worker: every row in order");
  CHECK(count(s, "SELECT count(*) FROM u") == ROWS / 10000, "the inserts made mid-scan are there");
  scan_with(s, 0, nested_scan, "a nested scan of the same table: both complete and in order");
  test_turns(s);
  test_failure(s, 0, "a step failing mid-scan (read ahead): the rows before, then the error");
  test_failure(s, -1, "a step failing mid-scan (caller's thread): the same rows, the same error");

  mu_reader *r = reader(s, "SELECT i FROM t WHERE i % 9973 = 0", 0);
  const mu_value *row;
  long long got = 0;
  while (mu_reader_next(r, &row, err, sizeof err) == 1) {
    got += row[0].i;
    if (row[0].i == 9973) count(s, "SELECT 1");      /* parks a worker that finds few rows */
  }
  CHECK(got == 9973LL * (1 + 2 + 3 + 4 + 5), "a selective scan parked while it searches: every match once");
  mu_reader_free(r);

  r = reader(s, "SELECT i, s, r FROM t WHERE i > 100000", 0);
  CHECK(r && mu_reader_next(r, &row, err, sizeof err) == 0, "an empty scan ends at once");
  mu_reader_free(r);

  r = reader(s, SCAN, 0);
  CHECK(read_rows(r, 1, 5000, s, NULL) == 5000, "read 5,000 rows ahead");
  mu_reader_free(r);                                /* the worker is mid-scan */
  CHECK(count(s, "SELECT count(*) FROM t") == ROWS, "a reader freed mid-scan leaves the store usable");

  r = reader(s, SCAN, 0);
  CHECK(read_rows(r, 1, 3000, s, NULL) == 3000, "read 3,000 rows ahead, then close the store");
  mu_store_close(s);
  CHECK(mu_reader_next(r, &row, err, sizeof err) == -1 && strcmp(err, "the store is closed") == 0,
        "the store closed under a scan: the next row is an error, not a read of a closed connection");
  mu_reader_free(r);

  return finish(dir);
}
