/*
** Sync: a remote dataset imported as one entity in one transaction,
** recorded as a source keyed by its URL with the HTTP validators, the
** SHA-256 of the body, when it was fetched and how many rows it gave. A
** re-sync replaces the rows that came from the same URL; a 304 keeps them.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "model.h"

typedef struct {
  mu_store *s;
  const mu_entity *e;
  const char *url;
  mu_format fmt;
  long long source_id;
  long long rows;
  char *errors;
  const char *sha256;   /* of the body, for the import's record */
} sync_ctx;

static void now_iso(char *buf, size_t len) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int exec_id(mu_store *s, const char *sql, long long id, const char *text) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_int64(st, 1, id);
  if (text) sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/*
** The body arrives: it is copied to a temporary file, under the size limit
** the transfer enforces. Nothing touches the store while the network is
** slow: the write lock is taken only for the short import that follows.
*/
static int save_body(FILE *fp, void *vctx, char *err, size_t errlen) {
  FILE *out = vctx;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
    if (fwrite(buf, 1, n, out) != n) {
      snprintf(err, errlen, "cannot keep the download in a temporary file: %s", strerror(errno));
      return -1;
    }
  if (ferror(fp)) {
    snprintf(err, errlen, "the transfer failed while reading the body");
    return -1;
  }
  return fflush(out) == 0 ? 0 : -1;
}

/* Drop the rows this URL gave last time and import the new ones, inside the caller's transaction. */
static int import_body(sync_ctx *c, FILE *fp, char *err, size_t errlen) {
  char *sql = sqlite3_mprintf("DELETE FROM \"%w\" WHERE source_id = ?", c->e->table);
  int rc = sql ? exec_id(c->s, sql, c->source_id, NULL) : -1;
  long long replaced = rc ? 0 : sqlite3_changes(mu_store_db(c->s));
  sqlite3_free(sql);
  if (rc) {
    snprintf(err, errlen, "%s: cannot replace the %s it gave before: %s", c->url, c->e->plural,
             sqlite3_errmsg(mu_store_db(c->s)));
    return -1;
  }
  /* Merged, not only inserted: a peer's export repeats rows this store has (the bundled dataset, rows
     fetched from elsewhere); those are matched by natural key and left alone or updated. */
  mu_import_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.max_errors = 20;
  opts.source_id = c->source_id;
  opts.mode = MU_MODE_UPSERT;
  opts.command = "fetch";
  opts.origin = c->url;
  opts.sha256 = c->sha256;
  opts.replaced = replaced;
  if (mu_import(c->s, c->e, c->fmt, c->url, fp, &opts)) {
    free(c->errors);
    c->errors = opts.errors;
    snprintf(err, errlen, "%s: the data is not a valid %s file of %s: nothing was written",
             c->url, c->fmt == MU_FMT_CSV ? "CSV" : "JSON", c->e->plural);
    return -1;
  }
  c->rows = opts.rows;
  return 0;
}

/* The source row for url: its id, validators and fetched_at (strings malloc'd), or 0. */
static long long find_source(mu_store *s, const char *url, char **etag, char **last_modified, char *fetched,
                             size_t flen) {
  sqlite3_stmt *st;
  long long id = 0;
  *etag = *last_modified = NULL;
  fetched[0] = '\0';
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT id, etag, last_modified, fetched_at FROM sources "
                         "WHERE key = ? AND kind = 'remote'", -1, &st, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, url, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW) {
    id = sqlite3_column_int64(st, 0);
    if (sqlite3_column_text(st, 1)) *etag = strdup((const char *)sqlite3_column_text(st, 1));
    if (sqlite3_column_text(st, 2)) *last_modified = strdup((const char *)sqlite3_column_text(st, 2));
    if (sqlite3_column_text(st, 3)) snprintf(fetched, flen, "%s", sqlite3_column_text(st, 3));
  }
  sqlite3_finalize(st);
  return id;
}

static long long count_rows(mu_store *s, const mu_entity *e, long long source_id) {
  sqlite3_stmt *st;
  long long n = 0;
  char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\" WHERE source_id = ?", e->table);
  if (sql && sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, source_id);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_free(sql);
  return n;
}

int mu_sync(mu_store *s, const mu_entity *e, const char *url, mu_format fmt, const mu_fetch_opts *o,
            int offline, mu_sync_result *res, char *err, size_t errlen) {
  char *etag, *last_modified, why[512];
  memset(res, 0, sizeof *res);
  if (!mu_field_find(e, "source_id")) {
    snprintf(err, errlen, "%s cannot be synced from a URL: its rows carry no source", e->plural);
    return -1;
  }
  long long id = find_source(s, url, &etag, &last_modified, res->fetched_at, sizeof res->fetched_at);
  if (offline) {
    free(etag);
    free(last_modified);
    if (!id) {
      snprintf(err, errlen, "%s: offline, and this URL has never been fetched into the store", url);
      return -1;
    }
    res->offline = 1;
    res->source_id = id;
    res->rows = count_rows(s, e, id);
    return 0;
  }
  /* Fetch first, into a temporary file, holding no lock on the store. */
  FILE *body = tmpfile();
  if (!body) {
    snprintf(err, errlen, "%s: cannot make a temporary file for the download: %s", url, strerror(errno));
    free(etag);
    free(last_modified);
    return -1;
  }
  mu_fetch_opts opts = *o;
  opts.etag = etag;
  opts.last_modified = last_modified;
  mu_fetch_result fr;
  int rc = mu_fetch(url, &opts, save_body, body, &fr, err, errlen);
  res->attempts = fr.attempts;
  free(etag);
  free(last_modified);
  if (rc) {
    mu_fetch_result_free(&fr);
    fclose(body);
    return -1;
  }
  /* Then one short transaction: the source row, the rows it gives, its validators. */
  int began = mu_store_begin(s, why, sizeof why);
  if (began) {
    snprintf(err, errlen, "%s: fetched, but %s", url, why);
    mu_fetch_result_free(&fr);
    fclose(body);
    return began;
  }
  sqlite3_stmt *st;
  if (!id && sqlite3_prepare_v2(mu_store_db(s), "INSERT INTO sources (key, title, location, kind) "
                                "VALUES (?1, ?1, ?1, 'remote')", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, url, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_DONE) id = sqlite3_last_insert_rowid(mu_store_db(s));
    sqlite3_finalize(st);
  }
  sync_ctx ctx = {s, e, url, fmt, id, 0, NULL, fr.sha256};
  if (!id) {
    snprintf(err, errlen, "%s: cannot record the source: %s", url, sqlite3_errmsg(mu_store_db(s)));
    rc = -1;
  } else if (!fr.not_modified) {
    rewind(body);
    rc = import_body(&ctx, body, err, errlen);
    res->errors = ctx.errors;
  }
  fclose(body);
  if (rc) {
    mu_fetch_result_free(&fr);
    goto fail;
  }
  now_iso(res->fetched_at, sizeof res->fetched_at);
  res->source_id = id;
  res->not_modified = fr.not_modified;
  if (fr.not_modified) {
    res->rows = count_rows(s, e, id);
    rc = exec_id(s, "UPDATE sources SET fetched_at = ?2 WHERE id = ?1", id, res->fetched_at);
  } else {
    res->rows = ctx.rows;
    rc = sqlite3_prepare_v2(mu_store_db(s),
           "UPDATE sources SET fetched_at = ?2, etag = ?3, last_modified = ?4, sha256 = ?5, rows = ?6 "
           "WHERE id = ?1", -1, &st, NULL) != SQLITE_OK;
    if (!rc) {
      sqlite3_bind_int64(st, 1, id);
      sqlite3_bind_text(st, 2, res->fetched_at, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 3, fr.etag, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 4, fr.last_modified, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 5, fr.sha256, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 6, ctx.rows);
      rc = sqlite3_step(st) != SQLITE_DONE;
      sqlite3_finalize(st);
    }
  }
  mu_fetch_result_free(&fr);
  if (rc || mu_store_commit(s, why, sizeof why)) {
    snprintf(err, errlen, "%s: cannot record the source: %s", url, sqlite3_errmsg(mu_store_db(s)));
    goto fail;
  }
  return 0;
fail:
  mu_store_rollback(s);
  return -1;
}
