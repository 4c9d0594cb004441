/*
** The history of imports (migration 8): what each import, fetch and sync
** changed, recorded inside its own transaction (so a failed or dry run
** leaves no trace), and undone on request when nothing since depends on it.
**
** Inserted rows are kept as ranges of row ids: consecutive inserts into a
** table extend the last range, so a million-row import adds one row here.
** Updated rows keep the values of the columns the file gave, before and
** after. An undo refuses, naming what is in the way, when a later import
** touched the same rows, when an updated row no longer holds what the
** import wrote (someone changed it since), or when a row of another import
** or of an analyst refers to a row the import inserted (by a foreign key or
** by a polymorphic reference). Otherwise it deletes what was inserted, newest
** first, and puts updated columns back, in one transaction.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "model.h"
#include "sealed.h"

/* SHA-256 of a file as hex; 0 on success (what an import read, for its record; a report's script). */
int mu_file_sha256(const char *path, char hex[65]) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return -1;
  struct stat sb;   /* a regular file only: /dev/zero or a pipe would be read forever, or consumed */
  if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    fclose(fp);
    return -1;
  }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  size_t n;
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  while (ok && (n = fread(buf, 1, sizeof buf, fp)) > 0) ok = EVP_DigestUpdate(ctx, buf, n);
  ok = ok && !ferror(fp) && EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  fclose(fp);
  if (!ok) return -1;
  for (unsigned i = 0; i < len && i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return 0;
}

static void now_utc(char *buf, size_t len) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int mu_history_begin(mu_history *h, mu_store *s, const char *kind, const char *origin, const char *sha256,
                     const char *mode, const char *command) {
  char at[32];
  sqlite3_stmt *st;
  memset(h, 0, sizeof *h);
  h->s = s;
  now_utc(at, sizeof at);
  if (sqlite3_prepare_v2(mu_store_db(s), "INSERT INTO imports (kind, origin, sha256, mode, command, at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
  if (sha256 && strlen(sha256) == 64) sqlite3_bind_text(st, 3, sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, mode, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, command, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, at, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return -1;
  h->id = sqlite3_last_insert_rowid(mu_store_db(s));
  if (sqlite3_prepare_v2(mu_store_db(s), "INSERT INTO import_changes (import_id, tbl, first_id, last_id, before, after) "
                         "VALUES (?, ?, ?, ?, ?, ?)", -1, &h->add, NULL) != SQLITE_OK) {
    h->id = 0;
    return -1;
  }
  return 0;
}

static void add(mu_history *h, const char *table, long long first, long long last, const char *before,
                const char *after) {
  if (!h->add || h->failed) return;
  sqlite3_reset(h->add);
  sqlite3_bind_int64(h->add, 1, h->id);
  sqlite3_bind_text(h->add, 2, table, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(h->add, 3, first);
  sqlite3_bind_int64(h->add, 4, last);
  if (before) sqlite3_bind_text(h->add, 5, before, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(h->add, 5);
  if (after) sqlite3_bind_text(h->add, 6, after, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(h->add, 6);
  if (sqlite3_step(h->add) != SQLITE_DONE) h->failed = 1;
}

static void flush(mu_history *h, int k) {
  add(h, h->range[k].table, h->range[k].first, h->range[k].last, NULL, NULL);
  h->range[k].table[0] = '\0';
}

void mu_history_insert(mu_history *h, const char *table, long long rowid) {
  if (!h->id) return;
  int free_slot = -1;
  for (int k = 0; k < MU_HISTORY_RANGES; k++) {
    if (!h->range[k].table[0]) {
      if (free_slot < 0) free_slot = k;
      continue;
    }
    if (strcmp(h->range[k].table, table) != 0) continue;
    if (rowid == h->range[k].last + 1) {   /* the usual case: the next id */
      h->range[k].last = rowid;
      return;
    }
    flush(h, k);
    free_slot = k;
    break;
  }
  if (free_slot < 0) {   /* more tables at once than slots: write the oldest out */
    flush(h, 0);
    free_slot = 0;
  }
  snprintf(h->range[free_slot].table, sizeof h->range[free_slot].table, "%s", table);
  h->range[free_slot].first = h->range[free_slot].last = rowid;
}

void mu_history_update(mu_history *h, const char *table, long long rowid, const char *before, const char *after) {
  if (h->id) add(h, table, rowid, rowid, before, after);
}

int mu_history_end(mu_history *h, long long inserted, long long updated, long long unchanged, long long replaced) {
  if (!h->id) return 0;
  for (int k = 0; k < MU_HISTORY_RANGES; k++)
    if (h->range[k].table[0]) flush(h, k);
  sqlite3_finalize(h->add);
  h->add = NULL;
  sqlite3_stmt *st;
  int rc = -1;
  if (!h->failed && sqlite3_prepare_v2(mu_store_db(h->s), "UPDATE imports SET inserted = ?, updated = ?, unchanged = ?, "
                                       "replaced = ? WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, inserted);
    sqlite3_bind_int64(st, 2, updated);
    sqlite3_bind_int64(st, 3, unchanged);
    sqlite3_bind_int64(st, 4, replaced);
    sqlite3_bind_int64(st, 5, h->id);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
  }
  return rc;
}

void mu_history_abort(mu_history *h) {
  sqlite3_finalize(h->add);
  h->add = NULL;
  h->id = 0;
}

/* ---------------------------------------------------------------- undo */

static const mu_entity *entity_of_table(const char *table) {
  for (const mu_entity *const *e = mu_entities; *e; e++)
    if (strcmp((*e)->table, table) == 0) return *e;
  return NULL;
}

/* The first row outside this import that refers to a row it inserted into table, in [first, last] (rows the
   undo puts back, the reference among them, are not outside it). */
static int dependent(mu_store *s, long long import, const char *table, long long first, long long last, char *why,
                     size_t len) {
  sqlite3 *db = mu_store_db(s);
  const mu_entity *target = entity_of_table(table);
  int found = 0;
  for (const mu_entity *const *e = mu_entities; *e && !found; e++) {
    for (size_t i = 0; i < (*e)->nfields + 1 && !found; i++) {
      const char *col = NULL, *cond = "";
      if (i < (*e)->nfields) {   /* a reference field to this table */
        const mu_field *f = &(*e)->fields[i];
        const mu_entity *r = f->type == MU_T_REF ? mu_entity_find(f->ref) : NULL;
        if (!r || strcmp(r->table, table) != 0) continue;
        col = f->name;
      } else if ((*e)->poly && target) {   /* a polymorphic one naming this entity */
        col = (*e)->poly->id_field;
        cond = (*e)->poly->type_field;
      } else {
        continue;
      }
      char *sql = sqlite3_mprintf(
        "SELECT c.id FROM \"%w\" AS c WHERE c.\"%w\" BETWEEN ?1 AND ?2 %s%w%s AND NOT EXISTS (SELECT 1 FROM "
        "import_changes AS m WHERE m.import_id = ?3 AND m.tbl = ?4 AND c.id BETWEEN m.first_id AND m.last_id "
        "AND (m.before IS NULL OR json_type(m.before, ?6) IS NOT NULL)) LIMIT 1",
        (*e)->table, col, *cond ? "AND c.\"" : "", cond, *cond ? "\" = ?5" : "");
      sqlite3_stmt *st;
      if (!sql || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(sql);
        snprintf(why, len, "%s", sqlite3_errmsg(db));
        return -1;
      }
      sqlite3_free(sql);
      sqlite3_bind_int64(st, 1, first);
      sqlite3_bind_int64(st, 2, last);
      sqlite3_bind_int64(st, 3, import);
      sqlite3_bind_text(st, 4, (*e)->table, -1, SQLITE_STATIC);
      if (*cond) sqlite3_bind_text(st, 5, target->name, -1, SQLITE_STATIC);
      /* a row the undo itself puts back (this column included: a replace) refers to what it had before */
      char *path = sqlite3_mprintf("$.\"%w\"", col);
      sqlite3_bind_text(st, 6, path ? path : "$.none", -1, SQLITE_TRANSIENT);
      sqlite3_free(path);
      if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(why, len, "%s %lld refers (by %s) to a row this import added to %s: delete or change it first",
                 (*e)->name, (long long)sqlite3_column_int64(st, 0), col, table);
        found = 1;
      }
      sqlite3_finalize(st);
    }
  }
  return found;
}

/* Why the import cannot be undone (into why, returning 1), 0 when it can, -1 on a store error. */
static int blocked(mu_store *s, long long import, char *why, size_t len) {
  sqlite3 *db = mu_store_db(s);
  sqlite3_stmt *st;
  /* a later import, not undone, that touched the same rows */
  if (sqlite3_prepare_v2(db,
        "SELECT b.import_id, a.tbl FROM import_changes a JOIN import_changes b ON b.tbl = a.tbl "
        "AND b.first_id <= a.last_id AND a.first_id <= b.last_id JOIN imports i ON i.id = b.import_id "
        "WHERE a.import_id = ?1 AND b.import_id > ?1 AND i.undone_at IS NULL LIMIT 1", -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(st, 1, import);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    snprintf(why, len, "import %lld changed rows of %s this one wrote: undo it first", (long long)sqlite3_column_int64(st, 0),
             sqlite3_column_text(st, 1));
    rc = 1;
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  /* updated rows that no longer hold what the import wrote, and rows elsewhere that refer to inserted ones */
  if (sqlite3_prepare_v2(db, "SELECT tbl, first_id, last_id, after FROM import_changes WHERE import_id = ? ORDER BY id",
                         -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(st, 1, import);
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    const char *tbl = (const char *)sqlite3_column_text(st, 0), *after = (const char *)sqlite3_column_text(st, 3);
    long long first = sqlite3_column_int64(st, 1), last = sqlite3_column_int64(st, 2);
    if (!after) {
      rc = dependent(s, import, tbl, first, last, why, len);
      continue;
    }
    /* the current values of the columns the import set, as JSON, against what it wrote */
    sqlite3_stmt *cur;
    const mu_entity *e = entity_of_table(tbl);
    if (!e) continue;
    sqlite3_str *q = sqlite3_str_new(db);
    sqlite3_str_appendall(q, "SELECT json_object(");
    sqlite3_stmt *keys;
    int n = 0;
    if (sqlite3_prepare_v2(db, "SELECT key FROM json_each(?)", -1, &keys, NULL) == SQLITE_OK) {
      sqlite3_bind_text(keys, 1, after, -1, SQLITE_STATIC);
      while (sqlite3_step(keys) == SQLITE_ROW) {
        const mu_field *f = mu_field_find(e, (const char *)sqlite3_column_text(keys, 0));
        if (!f) continue;   /* identifiers only from the model's own fields */
        sqlite3_str_appendf(q, "%s%Q, \"%w\"", n++ ? ", " : "", f->name, f->name);
      }
      sqlite3_finalize(keys);
    }
    sqlite3_str_appendf(q, ") = json(?) FROM \"%w\" WHERE id = ?", e->table);
    char *sql = sqlite3_str_finish(q);
    if (sql && n && sqlite3_prepare_v2(db, sql, -1, &cur, NULL) == SQLITE_OK) {
      sqlite3_bind_text(cur, 1, after, -1, SQLITE_STATIC);
      sqlite3_bind_int64(cur, 2, first);
      if (sqlite3_step(cur) != SQLITE_ROW || !sqlite3_column_int(cur, 0)) {
        snprintf(why, len, "%s %lld no longer holds what this import wrote (it was changed since): put it back "
                 "or leave the import", e->name, first);
        rc = 1;
      }
      sqlite3_finalize(cur);
    }
    sqlite3_free(sql);
  }
  sqlite3_finalize(st);
  return rc;
}

/* Put one updated row back: each column the import set, to its value before. */
static int restore(mu_store *s, const char *tbl, long long id, const char *before) {
  sqlite3 *db = mu_store_db(s);
  const mu_entity *e = entity_of_table(tbl);
  if (!e) return -1;
  sqlite3_stmt *keys;
  if (sqlite3_prepare_v2(db, "SELECT key FROM json_each(?)", -1, &keys, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_text(keys, 1, before, -1, SQLITE_STATIC);
  int rc = 0;
  while (!rc && sqlite3_step(keys) == SQLITE_ROW) {
    const mu_field *f = mu_field_find(e, (const char *)sqlite3_column_text(keys, 0));
    if (!f || f->type == MU_T_ID) continue;
    char *sql = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = json_extract(?, ?) WHERE id = ?", e->table, f->name);
    char path[160];
    snprintf(path, sizeof path, "$.\"%s\"", f->name);
    sqlite3_stmt *up;
    if (!sql || sqlite3_prepare_v2(db, sql, -1, &up, NULL) != SQLITE_OK) rc = -1;
    else {
      sqlite3_bind_text(up, 1, before, -1, SQLITE_STATIC);
      sqlite3_bind_text(up, 2, path, -1, SQLITE_STATIC);
      sqlite3_bind_int64(up, 3, id);
      rc = sqlite3_step(up) == SQLITE_DONE ? 0 : -1;
      sqlite3_finalize(up);
    }
    sqlite3_free(sql);
  }
  sqlite3_finalize(keys);
  return rc;
}

int mu_undo_import(mu_store *s, long long import, int dry_run, mu_undo_result *res, char *err, size_t errlen) {
  sqlite3 *db = mu_store_db(s);
  sqlite3_stmt *st;
  memset(res, 0, sizeof *res);
  int began = mu_store_begin(s, err, errlen);
  if (began) return began;
  int rc = -1;
  if (sqlite3_prepare_v2(db, "SELECT undone_at, kind, origin, replaced FROM imports WHERE id = ?", -1, &st, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    goto done;
  }
  sqlite3_bind_int64(st, 1, import);
  if (sqlite3_step(st) != SQLITE_ROW) {
    snprintf(err, errlen, "there is no import %lld (mutuals imports lists them)", import);
    sqlite3_finalize(st);
    goto done;
  }
  if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
    snprintf(err, errlen, "import %lld (%s from %s) was undone already, at %s", import, sqlite3_column_text(st, 1),
             sqlite3_column_text(st, 2), sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    goto done;
  }
  if (sqlite3_column_int64(st, 3) > 0) {   /* a refetch replaced what the URL gave before: that is gone */
    snprintf(err, errlen, "import %lld replaced %lld rows an earlier fetch of %s gave, which cannot be put back: "
             "fetch it again instead", import, (long long)sqlite3_column_int64(st, 3), sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    goto done;
  }
  sqlite3_finalize(st);
  int why = blocked(s, import, err, errlen);
  if (why) {
    if (why < 0) snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    goto done;
  }
  /* updated rows put back first (their old values refer to rows that were there before), then the inserted ones
     deleted newest first: rows that refer to others were inserted after them */
  if (sqlite3_prepare_v2(db, "SELECT tbl, first_id, last_id, before FROM import_changes WHERE import_id = ? "
                         "ORDER BY before IS NULL, id DESC", -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    goto done;
  }
  sqlite3_bind_int64(st, 1, import);
  int failed = 0;
  err[0] = '\0';
  while (!failed && sqlite3_step(st) == SQLITE_ROW) {
    const char *tbl = (const char *)sqlite3_column_text(st, 0), *before = (const char *)sqlite3_column_text(st, 3);
    long long first = sqlite3_column_int64(st, 1), last = sqlite3_column_int64(st, 2);
    const mu_entity *e = entity_of_table(tbl);
    if (!e) continue;
    if (before) {
      failed = restore(s, tbl, first, before) != 0;
      res->restored++;
    } else if (strcmp(e->table, "responses") == 0) {
      /* answers by their range at once (sealed.c): one by one through the virtual table, each sealed one is
         marked gone (a million of them took 8 s and left the store twice its size) */
      long long n = 0;
      failed = mu_sealed_delete_range(db, first, last, &n) != 0;
      res->deleted += n;
      if (failed) snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    } else {
      char *sql = sqlite3_mprintf("DELETE FROM \"%w\" WHERE id BETWEEN ? AND ?", e->table);
      sqlite3_stmt *del;
      if (!sql || sqlite3_prepare_v2(db, sql, -1, &del, NULL) != SQLITE_OK) failed = 1;
      else {
        sqlite3_bind_int64(del, 1, first);
        sqlite3_bind_int64(del, 2, last);
        failed = sqlite3_step(del) != SQLITE_DONE;
        res->deleted += sqlite3_changes(db);
        if (failed) snprintf(err, errlen, "%s", sqlite3_errmsg(db));   /* before finalize resets it */
        sqlite3_finalize(del);
      }
      sqlite3_free(sql);
    }
  }
  sqlite3_finalize(st);
  if (failed) {
    if (!err[0]) snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    goto done;
  }
  char at[32];
  now_utc(at, sizeof at);
  if (sqlite3_prepare_v2(db, "UPDATE imports SET undone_at = ? WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, import);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  rc = 0;
done:
  if (rc || dry_run) {
    mu_store_rollback(s);
    return rc;
  }
  return mu_store_commit(s, err, errlen);
}
