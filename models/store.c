/*
** The store: one SQLite database holding the mutuals domain. Opening it
** applies any pending migrations and, for a new store, loads the bundled
** dataset, all in one transaction so a failure leaves nothing behind.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "model.h"
#include "embed.h"

struct mu_store {
  sqlite3 *db;
  char *path;
  int depth;        /* open transaction levels: the outermost a BEGIN, the rest savepoints */
  int outer;        /* the outermost level is ours (BEGIN), not a savepoint inside someone else's */
  int writer_note;  /* we wrote <path>-writer and remove it at the end */
  mu_reader *readers; /* scans that may be reading ahead on another thread */
  int mapped;         /* the store is mapped into memory (mu_store_map) */
};

static void remove_writer_note(mu_store *s);

/*
** Every open connection, for mu_interrupt_all: a Ctrl-C must stop a long
** import or query (which then rolls back), not wait for it to finish.
** sqlite3_interrupt only sets a flag, which is safe from a signal handler.
*/
#define MAX_OPEN 64
static sqlite3 *volatile open_dbs[MAX_OPEN];

static void track(sqlite3 *db, int on) {
  for (int i = 0; i < MAX_OPEN; i++)
    if (open_dbs[i] == (on ? NULL : db)) {
      open_dbs[i] = on ? db : NULL;
      return;
    }
}

/*
** SQLite forgets an interrupt that arrives between two statements (the
** next one to start clears it), so long C loops that step many short
** statements (an import) also look at this flag.
*/
static volatile sig_atomic_t stop_requested;

int mu_interrupted(void) { return stop_requested; }
void mu_interrupt_clear(void) { stop_requested = 0; }

void mu_interrupt_all(void) {
  stop_requested = 1;
  for (int i = 0; i < MAX_OPEN; i++) {
    sqlite3 *db = open_dbs[i];
    if (db) sqlite3_interrupt(db);
  }
}

static int schema_version(void) {
  int n = 0;
  while (mu_migrations[n]) n++;
  return n;
}

int mu_store_schema_version(void) { return schema_version(); }

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

static int query_int(sqlite3 *db, const char *sql, int *out) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 0 : -1;
}

/*
** Apply the migrations from version `from` on and, when `load` is set, the
** bundled dataset; record the version. No transaction of its own: the
** callers run it inside theirs.
*/
static int apply_schema(sqlite3 *db, int from, int load, char *err, size_t errlen) {
  char sql[64];
  for (int v = from; mu_migrations[v]; v++)
    if (exec(db, mu_migrations[v], err, errlen)) return -1;
  if (load && exec(db, mu_sql_dataset, err, errlen)) return -1;
  /* the bundled aliases name bundled rows: after the dataset, or when migration 7 meets existing rows */
  if ((load || from < 7) && exec(db, mu_sql_aliases, err, errlen)) return -1;
  if ((load || from < 9) && exec(db, mu_sql_depth, err, errlen)) return -1;
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d", schema_version());
  return exec(db, sql, err, errlen);
}

/* Bring the schema up to date (and load the dataset into a new store) in one transaction. */
static int migrate(sqlite3 *db, int from, int load, char *err, size_t errlen) {
  if (exec(db, "BEGIN IMMEDIATE", err, errlen)) return -1;
  /* a store from before migration 11 has its answers as rows: sealed now, as an import would seal them (its
     file keeps its size: the rows' pages are reused, not returned, without auto_vacuum) */
  if (apply_schema(db, from, load, err, errlen) || (from < 11 && mu_seal_due(db, err, errlen)) ||
      exec(db, "COMMIT", err, errlen)) {
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
  }
  return 0;
}

/*
** Does the store hold every table and column this program's entities name?
** A store changed outside mutuals (a dropped column) would otherwise answer
** queries with garbage; it is refused at open, naming what is missing.
*/
static int check_schema(sqlite3 *db, const char *path, char *err, size_t errlen) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?)", -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "cannot read the schema of '%s': %s", path, sqlite3_errmsg(db));
    return -1;
  }
  for (const mu_entity *const *e = mu_entities; *e; e++) {
    unsigned char seen[64] = {0};
    int ncols = 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, (*e)->table, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
      int i = mu_field_index(*e, (const char *)sqlite3_column_text(st, 0));
      if (i >= 0 && i < 64) seen[i] = 1;
      ncols++;
    }
    for (size_t i = 0; i < (*e)->nfields && i < 64; i++) {
      if (seen[i]) continue;
      if (ncols == 0)
        snprintf(err, errlen, "store '%s' has no table %s, which this program needs", path, (*e)->table);
      else
        snprintf(err, errlen, "store '%s' has no column %s.%s, which this program needs", path, (*e)->table,
                 (*e)->fields[i].name);
      snprintf(err + strlen(err), errlen - strlen(err),
               ": it was changed outside mutuals. Restore it from a backup, or start a new store with --db");
      sqlite3_finalize(st);
      return -1;
    }
  }
  sqlite3_finalize(st);
  return 0;
}

int mu_store_open(const char *path, int flags, mu_store **out, char *err, size_t errlen) {
  sqlite3 *db = NULL;
  /* One connection serves one thread: no mutexes on its hot paths. */
  int oflags = SQLITE_OPEN_NOMUTEX | ((flags & MU_OPEN_READONLY) ? SQLITE_OPEN_READONLY
                                                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  char why[512];
  int version = 0, objects = 0;
  *out = NULL;
  if (sqlite3_open_v2(path, &db, oflags, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "cannot open store '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return -1;
  }
  sqlite3_extended_result_codes(db, 1);
  /* "text" in double quotes is an identifier, never a string: a misspelt
     or dropped column is an error, not its own name as every row's value. */
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
  sqlite3_busy_timeout(db, mu_busy_timeout_ms());
  if (mu_responses_vtab_register(db) != SQLITE_OK || exec(db, "PRAGMA foreign_keys = ON", why, sizeof why) ||
      query_int(db, "PRAGMA user_version", &version) ||
      query_int(db, "SELECT count(*) FROM sqlite_schema", &objects)) {
    snprintf(err, errlen, "cannot open store '%s': %s", path, sqlite3_errmsg(db));
    goto fail;
  }
  if (version > schema_version()) {
    snprintf(err, errlen, "store '%s' has schema version %d, newer than this program's %d: upgrade mutuals",
             path, version, schema_version());
    goto fail;
  }
  if (version == 0 && objects > 0) {
    snprintf(err, errlen, "'%s' is an SQLite database but not a mutuals store: choose another path with --db",
             path);
    goto fail;
  }
  if (version < schema_version()) {
    if (flags & MU_OPEN_READONLY) {
      snprintf(err, errlen, "store '%s' needs migrating but was opened read-only", path);
      goto fail;
    }
    /* auto_vacuum only takes before the first table: the pages sealed answers leave go back (sealed.c) */
    if (version == 0 && (exec(db, "PRAGMA auto_vacuum = INCREMENTAL", why, sizeof why) ||
                         exec(db, "PRAGMA journal_mode = WAL", why, sizeof why))) {
      snprintf(err, errlen, "cannot set up store '%s': %s", path, why);
      goto fail;
    }
    if (migrate(db, version, version == 0 && !(flags & MU_OPEN_NOLOAD), why, sizeof why)) {
      snprintf(err, errlen, "cannot set up store '%s': %s", path, why);
      goto fail;
    }
  }
  if (check_schema(db, path, err, errlen)) goto fail;
  mu_store *s = calloc(1, sizeof *s);
  if (!s || !(s->path = strdup(path))) {
    free(s);
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  s->db = db;
  track(db, 1);
  *out = s;
  return 0;
fail:
  sqlite3_close(db);
  return -1;
}

void mu_store_close(mu_store *s) {
  if (!s) return;
  remove_writer_note(s);
  mu_readers_detach(&s->readers);
  track(s->db, 0);
  sqlite3_close_v2(s->db);
  free(s->path);
  free(s);
}

/* Every use of the connection comes through here: a worker reading ahead
   must stop stepping before anyone else touches it (readahead.c). */
sqlite3 *mu_store_db(mu_store *s) {
  if (s->readers) mu_readers_park(s->readers, NULL);
  return s->db;
}
mu_reader **mu_store_readers(mu_store *s) { return &s->readers; }
const char *mu_store_path(mu_store *s) { return s->path; }
int mu_store_depth(mu_store *s) { return s->depth; }

/*
** Drop every table and view and rebuild the store from the embedded
** migrations and dataset, in one transaction: `mutuals init`.
*/
int mu_store_reset(mu_store *s, char *err, size_t errlen) {
  sqlite3_stmt *st;
  char why[512];
  if (s->depth) {
    snprintf(err, errlen, "cannot re-initialise the store inside a transaction");
    return -1;
  }
  if (exec(mu_store_db(s), "PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE", err, errlen)) return -1;
  if (sqlite3_prepare_v2(mu_store_db(s),
        "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%'", -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    goto fail;
  }
  /* Collect names first: dropping while stepping over sqlite_schema is unsafe. */
  char *drops = sqlite3_mprintf("%s", "");
  while (drops && sqlite3_step(st) == SQLITE_ROW) {
    char *next = sqlite3_mprintf("%sDROP %s IF EXISTS \"%w\";", drops,
                                 sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
    sqlite3_free(drops);
    drops = next;
  }
  sqlite3_finalize(st);
  if (!drops) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  int rc = exec(mu_store_db(s), drops, why, sizeof why);
  sqlite3_free(drops);
  if (rc) {
    snprintf(err, errlen, "%s", why);
    goto fail;
  }
  if (apply_schema(mu_store_db(s), 0, 1, err, errlen) || exec(mu_store_db(s), "COMMIT", err, errlen)) goto fail;
  return exec(mu_store_db(s), "PRAGMA foreign_keys = ON", err, errlen);
fail:
  sqlite3_exec(mu_store_db(s), "ROLLBACK; PRAGMA foreign_keys = ON", NULL, NULL, NULL);
  return -1;
}

/*
** How long a writer waits for another to finish: MUTUALS_BUSY_TIMEOUT
** seconds (set by --wait), else 30 s. Fractions are allowed; 0 fails at once.
*/
int mu_busy_timeout_ms(void) {
  const char *env = getenv("MUTUALS_BUSY_TIMEOUT");
  char *end;
  double secs = env && *env ? strtod(env, &end) : 30;
  if (env && *env && (*end || !(secs >= 0) || secs > 86400)) secs = 30;
  return (int)(secs * 1000);
}

/* <path>-writer: who holds the write lock, for the message of whoever waits for it. */
static void writer_note_path(mu_store *s, char *buf, size_t len) {
  snprintf(buf, len, "%s-writer", s->path);
}

static void write_writer_note(mu_store *s) {
  char path[4200], cmd[256] = "", now[32], note[400];
  if (!s->path[0] || strcmp(s->path, ":memory:") == 0) return;   /* no file, no other writers */
  writer_note_path(s, path, sizeof path);
  FILE *c = fopen("/proc/self/cmdline", "rb");
  if (c) {
    size_t n = fread(cmd, 1, sizeof cmd - 1, c);
    fclose(c);
    for (size_t i = 0; i < n; i++) if (cmd[i] == '\0' || cmd[i] == '\n') cmd[i] = ' ';
    cmd[n] = '\0';
    while (n && cmd[n - 1] == ' ') cmd[--n] = '\0';
  }
  mu_now_utc(now, sizeof now);
  int len = snprintf(note, sizeof note, "%ld\n%s\n%s\n", (long)getpid(), now, cmd);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;   /* a read-only folder: no note, only a vaguer message for others */
  s->writer_note = write(fd, note, (size_t)len) == len;
  close(fd);
}

static void remove_writer_note(mu_store *s) {
  char path[4200];
  if (!s->writer_note) return;
  writer_note_path(s, path, sizeof path);
  unlink(path);
  s->writer_note = 0;
}

void mu_store_busy_message(mu_store *s, char *err, size_t errlen) {
  char path[4200], note[400] = "";
  writer_note_path(s, path, sizeof path);
  FILE *fp = fopen(path, "r");
  size_t n = fp ? fread(note, 1, sizeof note - 1, fp) : 0;
  if (fp) fclose(fp);
  note[n] = '\0';
  long pid = 0;
  char since[40] = "", cmd[300] = "";
  if (n) sscanf(note, "%ld\n%39[^\n]\n%299[^\n]", &pid, since, cmd);
  int alive = pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
  double waited = mu_busy_timeout_ms() / 1000.0;
  if (alive)
    snprintf(err, errlen, "the store %s is busy: another writer holds it (pid %ld, %s, since %s) and %g s of "
             "waiting ran out; let it finish and run this again, or wait longer with --wait SECONDS "
             "(MUTUALS_BUSY_TIMEOUT)", s->path, pid, cmd[0] ? cmd : "command unknown", since, waited);
  else
    snprintf(err, errlen, "the store %s is busy: another program holds its write lock and %g s of waiting ran "
             "out; let it finish and run this again, or wait longer with --wait SECONDS (MUTUALS_BUSY_TIMEOUT)",
             s->path, waited);
}

/*
** Transactions nest. The outermost is BEGIN IMMEDIATE: it takes the write
** lock up front, waiting for another writer (busy timeout) instead of
** failing when a read turns into a write halfway; a read-only one is a
** plain BEGIN (a snapshot). Inner levels are savepoints. The outermost
** level ends with COMMIT or ROLLBACK: never a commit of nothing, which
** would still rewrite the file's header.
*/
/* 0, MU_BUSY with the holder named, or -1 with SQLite's message. */
static int tx_result(mu_store *s, int rc, char *err, size_t errlen) {
  if ((rc & 0xff) == SQLITE_BUSY) {
    mu_store_busy_message(s, err, errlen);
    return MU_BUSY;
  }
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    return -1;
  }
  return 0;
}

static int begin(mu_store *s, int write, char *err, size_t errlen) {
  char sql[48];
  if (s->depth == 0 && sqlite3_get_autocommit(mu_store_db(s))) {
    int rc = tx_result(s, sqlite3_exec(mu_store_db(s), write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL),
                       err, errlen);
    if (rc) return rc;
    s->outer = 1;
    if (write) write_writer_note(s);
  } else {
    snprintf(sql, sizeof sql, "SAVEPOINT mu_%d", s->depth);
    if (exec(mu_store_db(s), sql, err, errlen)) return -1;
    if (s->depth == 0) s->outer = 0;
  }
  s->depth++;
  return 0;
}

int mu_store_begin(mu_store *s, char *err, size_t errlen) {
  return begin(s, 1, err, errlen);
}

int mu_store_begin_read(mu_store *s, char *err, size_t errlen) {
  return begin(s, 0, err, errlen);
}

int mu_store_commit(mu_store *s, char *err, size_t errlen) {
  char sql[48];
  if (s->depth == 0) {
    snprintf(err, errlen, "no transaction to commit");
    return -1;
  }
  if (s->depth == 1 && s->outer) {
    int rc = tx_result(s, sqlite3_exec(mu_store_db(s), "COMMIT", NULL, NULL, NULL), err, errlen);
    if (rc) return rc;
    remove_writer_note(s);
  } else {
    snprintf(sql, sizeof sql, "RELEASE mu_%d", s->depth - 1);
    if (exec(mu_store_db(s), sql, err, errlen)) return -1;
  }
  s->depth--;
  return 0;
}

void mu_store_rollback(mu_store *s) {
  char sql[80];
  if (s->depth == 0) return;
  s->depth--;
  if (s->depth == 0 && s->outer) {
    if (!sqlite3_get_autocommit(mu_store_db(s))) sqlite3_exec(mu_store_db(s), "ROLLBACK", NULL, NULL, NULL);
    remove_writer_note(s);
    return;
  }
  snprintf(sql, sizeof sql, "ROLLBACK TO mu_%d; RELEASE mu_%d", s->depth, s->depth);
  sqlite3_exec(mu_store_db(s), sql, NULL, NULL, NULL);
}

int mu_bind_value(sqlite3_stmt *st, int idx, const mu_value *v) {
  switch (v->kind) {
    case MU_VINT: return sqlite3_bind_int64(st, idx, v->i);
    case MU_VREAL: return sqlite3_bind_double(st, idx, v->r);
    case MU_VTEXT: return sqlite3_bind_text(st, idx, v->s, (int)v->len, SQLITE_TRANSIENT);
    default: return sqlite3_bind_null(st, idx);
  }
}

mu_value mu_column_value(sqlite3_stmt *st, int col) {
  /* One column_value call, then the value_* accessors: they skip the
  ** connection mutex and error bookkeeping that every sqlite3_column_*
  ** call repeats, which was a fifth of a scan's time. The value is used
  ** before the next step, on the connection's own thread. */
  sqlite3_value *sv = sqlite3_column_value(st, col);
  mu_value v = {MU_VNULL, 0, 0, NULL, 0};
  switch (sqlite3_value_type(sv)) {
    case SQLITE_INTEGER: v.kind = MU_VINT; v.i = sqlite3_value_int64(sv); break;
    case SQLITE_FLOAT: v.kind = MU_VREAL; v.r = sqlite3_value_double(sv); break;
    case SQLITE_TEXT: case SQLITE_BLOB:
      v.kind = MU_VTEXT;
      v.s = (const char *)sqlite3_value_text(sv);
      v.len = (size_t)sqlite3_value_bytes(sv);
      break;
    default: break;
  }
  return v;
}

/*
** The store mapped into memory for reading the survey cache (design_stream.c: the copies through the
** kernel were a third of a crosstab's time), left mapped for the estimates that follow (unmapping and
** faulting the pages in again cost more than the estimate at 1M respondents), and unmapped before a scan
** of the rows (a cache build), which mapped would count every page it read as the process's memory. The
** pages an estimate reads stay resident while mapped: clean pages of the file, the kernel's to reclaim.
*/
void mu_store_map(mu_store *s, int on) {
  if (s->mapped == on) return;
  s->mapped = on;
  sqlite3_exec(s->db, on ? "PRAGMA mmap_size = 9223372036854775807" : "PRAGMA mmap_size = 0", NULL, NULL, NULL);
}
