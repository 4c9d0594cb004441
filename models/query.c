/*
** Queries over one entity: conditions, order, limit, and the aggregates and
** groupings that analysts ask of a collection, all run in SQL. Identifiers
** come only from the entity descriptions; every value is a bound parameter.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

void mu_query_init(mu_query *q, const mu_entity *e) {
  memset(q, 0, sizeof *q);
  q->e = e;
  q->limit = -1;
  q->offset = -1;
}

void mu_query_free(mu_query *q) {
  for (size_t i = 0; i < q->nconds; i++)
    if (q->conds[i].v.kind == MU_VTEXT) free((void *)q->conds[i].v.s);
  free(q->conds);
  q->conds = NULL;
  q->nconds = q->cap = 0;
}

static int push(mu_query *q, const mu_cond *c) {
  if (q->nconds == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 4;
    mu_cond *n = realloc(q->conds, cap * sizeof *n);
    if (!n) return -1;
    q->conds = n;
    q->cap = cap;
  }
  mu_cond *d = &q->conds[q->nconds];
  *d = *c;
  if (c->v.kind == MU_VTEXT) {
    char *s = malloc(c->v.len + 1);
    if (!s) return -1;
    memcpy(s, c->v.s, c->v.len);
    s[c->v.len] = '\0';
    d->v.s = s;
  }
  q->nconds++;
  return 0;
}

int mu_query_copy(mu_query *dst, const mu_query *src) {
  *dst = *src;
  dst->conds = NULL;
  dst->nconds = dst->cap = 0;
  for (size_t i = 0; i < src->nconds; i++)
    if (push(dst, &src->conds[i])) {
      mu_query_free(dst);
      return -1;
    }
  return 0;
}

int mu_query_add(mu_query *q, const mu_field *f, mu_op op, const mu_value *v) {
  mu_cond c = {f, op, {MU_VNULL, 0, 0, NULL, 0}, NULL, NULL};
  if (v) c.v = *v;
  return push(q, &c);
}

int mu_query_related(mu_query *q, const mu_entity *owner, const mu_relation *rel, long long id) {
  mu_cond c = {NULL, MU_OP_RELATED, {MU_VINT, id, 0, NULL, 0}, rel, owner};
  return push(q, &c);
}

int mu_query_op(const char *t, mu_op *op) {
  static const struct { const char *text; mu_op op; } ops[] = {
    {"=", MU_OP_EQ}, {"==", MU_OP_EQ}, {"~=", MU_OP_NE}, {"!=", MU_OP_NE}, {"<", MU_OP_LT},
    {"<=", MU_OP_LE}, {">", MU_OP_GT}, {">=", MU_OP_GE}, {"like", MU_OP_LIKE},
    {"is null", MU_OP_NULL}, {"is not null", MU_OP_NOTNULL},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp(t, ops[i].text) == 0) {
      *op = ops[i].op;
      return 0;
    }
  return -1;
}

static const char *op_sql(mu_op op) {
  switch (op) {
    case MU_OP_EQ: return "=";
    case MU_OP_NE: return "IS NOT";
    case MU_OP_LT: return "<";
    case MU_OP_LE: return "<=";
    case MU_OP_GT: return ">";
    case MU_OP_GE: return ">=";
    case MU_OP_LIKE: return "LIKE";
    default: return "=";
  }
}

/* "SELECT <fields> FROM t WHERE ... ORDER BY ... LIMIT ? OFFSET ?"; cols NULL: every field. */
static void append_select(sqlite3_str *s, const mu_query *q, const mu_field *const *cols, size_t ncols) {
  const mu_entity *e = q->e;
  sqlite3_str_appendall(s, "SELECT ");
  if (cols)
    for (size_t i = 0; i < ncols; i++) sqlite3_str_appendf(s, "%s\"%w\"", i ? ", " : "", cols[i]->name);
  else
    for (size_t i = 0; i < e->nfields; i++) sqlite3_str_appendf(s, "%s\"%w\"", i ? ", " : "", e->fields[i].name);
  sqlite3_str_appendf(s, " FROM \"%w\"", e->table);
  for (size_t i = 0; i < q->nconds; i++) {
    const mu_cond *c = &q->conds[i];
    sqlite3_str_appendall(s, i ? " AND " : " WHERE ");
    if (c->op == MU_OP_RELATED) {
      const mu_relation *r = c->rel;
      if (r->kind == MU_REL_ONE)
        sqlite3_str_appendall(s, "\"id\" = ?");
      else if (r->kind == MU_REL_MANY) {
        sqlite3_str_appendf(s, "\"%w\" = ?", r->fk);
        if (r->where_field) sqlite3_str_appendf(s, " AND \"%w\" = ?", r->where_field);
      } else
        sqlite3_str_appendf(s, "\"id\" IN (SELECT \"%w\" FROM \"%w\" WHERE \"%w\" = ?)",
                            r->join_other, r->join_table, r->join_self);
    } else if (c->op == MU_OP_NULL || c->op == MU_OP_NOTNULL) {
      sqlite3_str_appendf(s, "\"%w\" IS %s", c->field->name, c->op == MU_OP_NULL ? "NULL" : "NOT NULL");
    } else if (c->op == MU_OP_ENDS_BEFORE) {
      /* '2012-12' has not ended on '2012-12-15': the date must be later and not inside it. */
      sqlite3_str_appendf(s, "(\"%w\" < ? AND substr(?, 1, length(\"%w\")) <> \"%w\")", c->field->name,
                          c->field->name, c->field->name);
    } else if (c->op == MU_OP_EQ && c->v.kind == MU_VNULL) {
      sqlite3_str_appendf(s, "\"%w\" IS NULL", c->field->name);
    } else {
      sqlite3_str_appendf(s, "\"%w\" %s ?", c->field->name, op_sql(c->op));
    }
  }
  for (size_t i = 0; i < q->norder; i++)
    sqlite3_str_appendf(s, "%s\"%w\"%s", i ? ", " : " ORDER BY ", q->order[i]->name,
                        q->desc[i] ? " DESC" : "");
  if (q->limit >= 0 || q->offset >= 0) sqlite3_str_appendall(s, " LIMIT ? OFFSET ?");
}

static int bind_query(sqlite3_stmt *st, const mu_query *q) {
  int idx = 1;
  for (size_t i = 0; i < q->nconds; i++) {
    const mu_cond *c = &q->conds[i];
    if (c->op == MU_OP_NULL || c->op == MU_OP_NOTNULL) continue;
    if (c->op == MU_OP_EQ && c->v.kind == MU_VNULL) continue;
    if (mu_bind_value(st, idx++, &c->v) != SQLITE_OK) return -1;
    if (c->op == MU_OP_ENDS_BEFORE && mu_bind_value(st, idx++, &c->v) != SQLITE_OK) return -1;
    if (c->op == MU_OP_RELATED && c->rel->kind == MU_REL_MANY && c->rel->where_field)
      if (sqlite3_bind_text(st, idx++, c->rel->where_value, -1, SQLITE_STATIC) != SQLITE_OK) return -1;
  }
  if (q->limit >= 0 || q->offset >= 0) {
    sqlite3_bind_int64(st, idx++, q->limit >= 0 ? q->limit : -1);
    sqlite3_bind_int64(st, idx++, q->offset >= 0 ? q->offset : 0);
  }
  return 0;
}

static sqlite3_stmt *prepare(mu_store *s, sqlite3_str *str, const mu_query *q, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  char *sql = sqlite3_str_finish(str);
  if (!sql) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    st = NULL;
  } else if (bind_query(st, q)) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    sqlite3_finalize(st);
    st = NULL;
  }
  sqlite3_free(sql);
  return st;
}

sqlite3_stmt *mu_query_rows(mu_store *s, const mu_query *q, char *err, size_t errlen) {
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  append_select(str, q, NULL, 0);
  return prepare(s, str, q, err, errlen);
}

sqlite3_stmt *mu_query_columns(mu_store *s, const mu_query *q, const mu_field *const *cols, size_t ncols,
                               char *err, size_t errlen) {
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  append_select(str, q, cols, ncols);
  return prepare(s, str, q, err, errlen);
}

sqlite3_stmt *mu_query_wrap(mu_store *s, const mu_query *q, const char *head, const char *tail, char *err,
                            size_t errlen) {
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendall(str, head);
  sqlite3_str_appendall(str, " FROM (");
  append_select(str, q, NULL, 0);
  sqlite3_str_appendall(str, ")");
  if (tail) sqlite3_str_appendall(str, tail);
  return prepare(s, str, q, err, errlen);
}

static const char *agg_sql(mu_agg a) {
  static const char *const names[] = {"count", "sum", "avg", "min", "max"};
  return names[a];
}

static void append_agg(sqlite3_str *str, mu_agg agg, const mu_field *f) {
  if (agg == MU_AGG_COUNT && !f)
    sqlite3_str_appendall(str, "count(*)");
  else if (agg == MU_AGG_SUM)  /* total() is 0.0 on no rows; sum() would be NULL */
    sqlite3_str_appendf(str, "total(\"%w\")", f->name);
  else
    sqlite3_str_appendf(str, "%s(\"%w\")", agg_sql(agg), f->name);
}

sqlite3_stmt *mu_query_aggregate(mu_store *s, const mu_query *q, mu_agg agg, const mu_field *f,
                                 char *err, size_t errlen) {
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendall(str, "SELECT ");
  append_agg(str, agg, f);
  sqlite3_str_appendall(str, " FROM (");
  append_select(str, q, NULL, 0);
  sqlite3_str_appendall(str, ")");
  return prepare(s, str, q, err, errlen);
}

sqlite3_stmt *mu_query_group(mu_store *s, const mu_query *q, const mu_field *by, mu_agg agg,
                             const mu_field *f, char *err, size_t errlen) {
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendf(str, "SELECT \"%w\", count(*)", by->name);
  if (f) {
    sqlite3_str_appendall(str, ", ");
    append_agg(str, agg, f);
  }
  sqlite3_str_appendall(str, " FROM (");
  append_select(str, q, NULL, 0);
  sqlite3_str_appendf(str, ") GROUP BY \"%w\" ORDER BY \"%w\"", by->name, by->name);
  return prepare(s, str, q, err, errlen);
}
