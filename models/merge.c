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
** left alone, except in a replace (--mode replace), where the row becomes
** exactly what the file says: a field the file does not give goes back to
** its default (the schema's, a literal) or to unknown. Identifiers come from
** the entity's own field list; the UNIQUE columns are read from the schema
** and kept only if they are fields.
*/
#include <stdlib.h>
#include <string.h>
#include "model.h"

struct mu_merger {
  mu_store *s;
  const mu_entity *e;
  const mu_field *cols[MU_FIELDS_MAX];   /* the file's columns, in order; then, replacing, the fields it lacks */
  size_t ncols, nall;
  mu_value dflt[MU_FIELDS_MAX];  /* replacing: the value each field the file lacks goes back to */
  char *dflt_text[MU_FIELDS_MAX];
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
  sqlite3_bind_text(st, 1, mu_rows_table(e->table), -1, SQLITE_STATIC);
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

/*
** The default a field goes back to when a replace leaves it out: the
** schema's DEFAULT, evaluated by SQLite itself (the expression is our
** migrations' own text, never data), or unknown (NULL) where there is none.
*/
static int field_default(mu_merger *m, const mu_field *f, size_t at) {
  mu_value *v = &m->dflt[at];
  memset(v, 0, sizeof *v);
  v->kind = MU_VNULL;
  sqlite3_stmt *st, *ev = NULL;
  if (sqlite3_prepare_v2(mu_store_db(m->s), "SELECT dflt_value FROM pragma_table_info(?) WHERE name = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(st, 1, mu_rows_table(m->e->table), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
    char *sql = sqlite3_mprintf("SELECT %s", (const char *)sqlite3_column_text(st, 0));
    rc = sql && sqlite3_prepare_v2(mu_store_db(m->s), sql, -1, &ev, NULL) == SQLITE_OK &&
         sqlite3_step(ev) == SQLITE_ROW ? 0 : -1;
    sqlite3_free(sql);
    if (!rc) switch (sqlite3_column_type(ev, 0)) {
      case SQLITE_INTEGER: v->kind = MU_VINT; v->i = sqlite3_column_int64(ev, 0); break;
      case SQLITE_FLOAT: v->kind = MU_VREAL; v->r = sqlite3_column_double(ev, 0); break;
      case SQLITE_TEXT:
        if (!(m->dflt_text[at] = strdup((const char *)sqlite3_column_text(ev, 0)))) rc = -1;
        v->kind = MU_VTEXT;
        v->s = m->dflt_text[at];
        v->len = v->s ? strlen(v->s) : 0;
        break;
      case SQLITE_NULL: break;
      default: rc = -1;   /* a blob default: none in the schema */
    }
    sqlite3_finalize(ev);
  }
  sqlite3_finalize(st);
  return rc;
}

mu_merger *mu_merger_new(mu_store *s, const mu_entity *e, const mu_field *const *cols, size_t ncols, int replace,
                         char *err, size_t errlen) {
  mu_merger *m = calloc(1, sizeof *m);
  if (!m || ncols > MU_FIELDS_MAX) {
    snprintf(err, errlen, "out of memory");
    free(m);
    return NULL;
  }
  m->s = s;
  m->e = e;
  memcpy(m->cols, cols, ncols * sizeof *cols);
  m->ncols = m->nall = ncols;
  for (size_t k = 0; replace && k < e->nfields && m->nall < MU_FIELDS_MAX; k++) {   /* the fields the file lacks */
    const mu_field *f = &e->fields[k];
    if (f->type == MU_T_ID || col_of(m, f) >= 0) continue;
    if (field_default(m, f, m->nall)) {
      snprintf(err, errlen, "%s.%s: its default cannot be read, so a replace cannot reset it: give the column",
               e->name, f->name);
      mu_merger_free(m);
      return NULL;
    }
    m->cols[m->nall++] = f;
  }
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
  for (size_t i = 0; i < m->nall; i++)
    if (m->cols[i]->type != MU_T_ID) sqlite3_str_appendf(q, " AND (\"%w\" IS ?%d)", m->cols[i]->name, (int)i + 1);
  sqlite3_str_appendf(q, " FROM \"%w\" WHERE 1", e->table);
  for (int k = 0; k < m->nident; k++)
    sqlite3_str_appendf(q, " AND \"%w\" IS ?%d", m->cols[m->ident[k]]->name, m->ident[k] + 1);
  sqlite3_str_appendall(q, " LIMIT 1");
  char *sql = sqlite3_str_finish(q);
  int rc = sql ? sqlite3_prepare_v2(mu_store_db(s), sql, -1, &m->find, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  /* UPDATE t SET c = ?i, ... WHERE id = ?(ncols + 1): every given column but the id */
  q = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendf(q, "UPDATE \"%w\" SET ", e->table);
  int first = 1;
  for (size_t i = 0; i < m->nall; i++)
    if (m->cols[i]->type != MU_T_ID) {
      sqlite3_str_appendf(q, "%s\"%w\" = ?%d", first ? "" : ", ", m->cols[i]->name, (int)i + 1);
      first = 0;
    }
  sqlite3_str_appendf(q, " WHERE id = ?%d", (int)m->nall + 1);
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

int mu_merger_default(mu_merger *m, const char *field, long long value) {
  for (size_t i = m->ncols; i < m->nall; i++)
    if (strcmp(m->cols[i]->name, field) == 0) {
      m->dflt[i].kind = MU_VINT;
      m->dflt[i].i = value;
      return 1;
    }
  return 0;
}

/* The file's values, then the defaults of the fields it lacks (a replace). */
static void bind_all(mu_merger *m, sqlite3_stmt *st, const mu_value *vals) {
  for (size_t i = 0; i < m->nall; i++)
    if (m->cols[i]->type != MU_T_ID || i < m->ncols) mu_bind_value(st, (int)i + 1, i < m->ncols ? &vals[i] : &m->dflt[i]);
}

int mu_merger_find(mu_merger *m, const mu_value *vals, long long *id) {
  sqlite3_reset(m->find);
  sqlite3_clear_bindings(m->find);
  bind_all(m, m->find, vals);
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
  bind_all(m, m->update, vals);
  sqlite3_bind_int64(m->update, (int)m->nall + 1, id);
  int rc = sqlite3_step(m->update);
  sqlite3_reset(m->update);
  return rc == SQLITE_DONE ? 0 : -1;
}

int mu_merger_by_content(const mu_merger *m) { return m->by_content; }

char *mu_merger_snapshot(mu_merger *m, long long id) {
  sqlite3_str *q = sqlite3_str_new(mu_store_db(m->s));
  sqlite3_str_appendall(q, "SELECT json_object(");
  int n = 0;
  for (size_t i = 0; i < m->nall; i++)
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
  for (size_t i = 0; i < MU_FIELDS_MAX; i++) free(m->dflt_text[i]);
  free(m);
}
