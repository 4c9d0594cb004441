/*
** Finding a row of a file again in the store, for imports that merge
** (--mode upsert) rather than only insert. A row is the same row when it
** has the same identity:
**   - the entity's natural key (a mutual's name, a body's abbrev);
**   - else the columns of the table's UNIQUE constraint (a question is its
**     survey and key; a response its survey, respondent and question);
**   - else its content: every column the file gives (an observation or an
**     event has no name; two rows saying the same are the same row, and a
**     changed figure is a new claim, never an edit of an old one).
** A found row whose given columns all hold the same values is unchanged;
** otherwise those columns are updated. Columns the file does not give are
** left alone. Identifiers come from the entity's own field list; the
** UNIQUE columns are read from the schema and kept only if they are fields.
*/
#include <stdlib.h>
#include <string.h>
#include "model.h"

struct mu_merger {
  mu_store *s;
  const mu_entity *e;
  const mu_field *const *cols;   /* the file's columns, in order */
  size_t ncols;
  int ident[MU_MERGE_MAX];       /* indexes into cols of the identity's fields */
  int nident;
  int by_content;
  sqlite3_stmt *find, *update;
};

/* The fields of the table's first UNIQUE constraint, if every one is a field of the entity; else 0. */
static int unique_fields(mu_store *s, const mu_entity *e, const mu_field **out, int max) {
  sqlite3_stmt *st;
  int n = 0;
  if (sqlite3_prepare_v2(mu_store_db(s),
        "SELECT ii.name FROM pragma_index_list(?1) AS il, pragma_index_info(il.name) AS ii "
        "WHERE il.\"unique\" AND il.origin = 'u' AND il.partial = 0 "
        "AND il.name = (SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND origin = 'u' AND partial = 0 "
        "ORDER BY name LIMIT 1) ORDER BY ii.seqno", -1, &st, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, e->table, -1, SQLITE_STATIC);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const mu_field *f = mu_field_find(e, (const char *)sqlite3_column_text(st, 0));
    if (!f || n == max) {
      n = 0;
      break;
    }
    out[n++] = f;
  }
  sqlite3_finalize(st);
  return n;
}

int mu_identity(mu_store *s, const mu_entity *e, const mu_field **out, int max) {
  if (e->key && max > 0) {
    out[0] = mu_field_find(e, e->key);
    return out[0] ? 1 : 0;
  }
  return unique_fields(s, e, out, max);
}

static int col_of(const mu_merger *m, const mu_field *f) {
  for (size_t i = 0; i < m->ncols; i++)
    if (m->cols[i] == f) return (int)i;
  return -1;
}

mu_merger *mu_merger_new(mu_store *s, const mu_entity *e, const mu_field *const *cols, size_t ncols, char *err,
                         size_t errlen) {
  mu_merger *m = calloc(1, sizeof *m);
  if (!m) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  m->s = s;
  m->e = e;
  m->cols = cols;
  m->ncols = ncols;
  const mu_field *ident[MU_MERGE_MAX];
  int n = mu_identity(s, e, ident, MU_MERGE_MAX);
  for (int k = 0; k < n; k++) {
    int c = col_of(m, ident[k]);
    if (c < 0) {
      snprintf(err, errlen, "column '%s' is missing: %s rows are matched by %s%s%s", ident[k]->name, e->name,
               ident[0]->name, n > 1 ? " and " : "", n > 1 ? ident[n - 1]->name : "");
      free(m);
      return NULL;
    }
    m->ident[m->nident++] = c;
  }
  if (n == 0) {   /* no key: the content is the identity (id aside: a store's own numbering) */
    m->by_content = 1;
    for (size_t i = 0; i < ncols && m->nident < MU_MERGE_MAX; i++)
      if (cols[i]->type != MU_T_ID) m->ident[m->nident++] = (int)i;
  }
  /* SELECT id, (c1 IS ?1) AND (c2 IS ?2) ... FROM t WHERE k1 = ?k1 AND ... */
  sqlite3_str *q = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendall(q, "SELECT id, 1");
  for (size_t i = 0; i < ncols; i++)
    if (cols[i]->type != MU_T_ID) sqlite3_str_appendf(q, " AND (\"%w\" IS ?%d)", cols[i]->name, (int)i + 1);
  sqlite3_str_appendf(q, " FROM \"%w\" WHERE 1", e->table);
  for (int k = 0; k < m->nident; k++)
    sqlite3_str_appendf(q, " AND \"%w\" IS ?%d", cols[m->ident[k]]->name, m->ident[k] + 1);
  sqlite3_str_appendall(q, " LIMIT 1");
  char *sql = sqlite3_str_finish(q);
  int rc = sql ? sqlite3_prepare_v2(mu_store_db(s), sql, -1, &m->find, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  /* UPDATE t SET c = ?i, ... WHERE id = ?(ncols + 1): every given column but the id */
  q = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendf(q, "UPDATE \"%w\" SET ", e->table);
  int first = 1;
  for (size_t i = 0; i < ncols; i++)
    if (cols[i]->type != MU_T_ID) {
      sqlite3_str_appendf(q, "%s\"%w\" = ?%d", first ? "" : ", ", cols[i]->name, (int)i + 1);
      first = 0;
    }
  sqlite3_str_appendf(q, " WHERE id = ?%d", (int)ncols + 1);
  sql = sqlite3_str_finish(q);
  if (rc == SQLITE_OK && !first)
    rc = sql ? sqlite3_prepare_v2(mu_store_db(s), sql, -1, &m->update, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    mu_merger_free(m);
    return NULL;
  }
  return m;
}

int mu_merger_find(mu_merger *m, const mu_value *vals, long long *id) {
  sqlite3_reset(m->find);
  sqlite3_clear_bindings(m->find);
  for (size_t i = 0; i < m->ncols; i++) mu_bind_value(m->find, (int)i + 1, &vals[i]);
  int rc = sqlite3_step(m->find);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(m->find, 0);
    int same = sqlite3_column_int(m->find, 1);
    sqlite3_reset(m->find);
    return same ? MU_MERGE_UNCHANGED : MU_MERGE_CHANGED;
  }
  sqlite3_reset(m->find);
  return rc == SQLITE_DONE ? MU_MERGE_NEW : -1;
}

int mu_merger_update(mu_merger *m, long long id, const mu_value *vals) {
  if (!m->update) return 0;   /* only an id column: nothing to change */
  sqlite3_reset(m->update);
  for (size_t i = 0; i < m->ncols; i++)
    if (m->cols[i]->type != MU_T_ID) mu_bind_value(m->update, (int)i + 1, &vals[i]);
  sqlite3_bind_int64(m->update, (int)m->ncols + 1, id);
  int rc = sqlite3_step(m->update);
  sqlite3_reset(m->update);
  return rc == SQLITE_DONE ? 0 : -1;
}

int mu_merger_by_content(const mu_merger *m) { return m->by_content; }

char *mu_merger_snapshot(mu_merger *m, long long id) {
  sqlite3_str *q = sqlite3_str_new(mu_store_db(m->s));
  sqlite3_str_appendall(q, "SELECT json_object(");
  int n = 0;
  for (size_t i = 0; i < m->ncols; i++)
    if (m->cols[i]->type != MU_T_ID)
      sqlite3_str_appendf(q, "%s%Q, \"%w\"", n++ ? ", " : "", m->cols[i]->name, m->cols[i]->name);
  sqlite3_str_appendf(q, ") FROM \"%w\" WHERE id = ?", m->e->table);
  char *sql = sqlite3_str_finish(q), *json = NULL;
  sqlite3_stmt *st;
  if (sql && n && sqlite3_prepare_v2(mu_store_db(m->s), sql, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) json = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_free(sql);
  return json;
}

void mu_merger_free(mu_merger *m) {
  if (!m) return;
  sqlite3_finalize(m->find);
  sqlite3_finalize(m->update);
  free(m);
}
