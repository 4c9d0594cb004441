/*
** Collections: lazy, immutable queries over one entity. Each filter returns
** a new collection; nothing runs until a count, an aggregate or an iteration
** asks, and then the work happens in SQL. A cursor (the statement behind a
** `for` loop) is a userdata with __gc and __close, so breaking out of the
** loop or raising inside it finalizes the statement.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bindings.h"

#define MU_MAX_VALUES 16

lcollection *mu_checkcollection(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, MU_COLLECTION_MT);
}

void mu_collection_store(lua_State *L, int idx) {
  lua_getiuservalue(L, idx, 1);
}

lcollection *mu_push_collection(lua_State *L, int store_idx, const mu_entity *e) {
  store_idx = lua_absindex(L, store_idx);
  lcollection *c = lua_newuserdatauv(L, sizeof *c, 1);
  mu_query_init(&c->q, e);
  luaL_setmetatable(L, MU_COLLECTION_MT);
  lua_pushvalue(L, store_idx);
  lua_setiuservalue(L, -2, 1);
  return c;
}

static int collection_gc(lua_State *L) {
  mu_query_free(&mu_checkcollection(L, 1)->q);
  return 0;
}

/* A copy of the collection at idx, to be narrowed by the caller. */
static lcollection *derive(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lcollection *src = mu_checkcollection(L, idx);
  mu_collection_store(L, idx);
  lcollection *c = mu_push_collection(L, -1, src->q.e);
  lua_remove(L, -2);
  mu_query_free(&c->q);
  if (mu_query_copy(&c->q, &src->q)) luaL_error(L, "out of memory");
  return c;
}

static const mu_field *checkfield(lua_State *L, int idx, const mu_entity *e) {
  const char *name = luaL_checkstring(L, idx);
  const mu_field *f = mu_field_find(e, name);
  if (!f) mu_no_field(L, e, name);
  return f;
}

/*
** Is v a value field f can hold? A condition that could never match (a
** misspelt status, text for a number) would quietly count 0: refuse it,
** naming the field, the value and what it should be.
*/
static void check_cond(lua_State *L, const mu_field *f, mu_op op, mu_value v) {
  char why[512];
  if (v.kind == MU_VNULL) return;
  if (op == MU_OP_LIKE) {
    if (f->type != MU_T_TEXT && f->type != MU_T_ENUM && f->type != MU_T_DATE)
      luaL_error(L, "where %s: 'like' matches text, and %s is not a text field", f->name, f->name);
    if (v.kind != MU_VTEXT) luaL_error(L, "where %s like: the pattern must be a string", f->name);
    return;
  }
  if (f->type == MU_T_ENUM) {
    if (v.kind == MU_VTEXT) {
      for (const char *const *c = f->choices; *c; c++)
        if (strlen(*c) == v.len && memcmp(*c, v.s, v.len) == 0) return;
      const char *near = mu_closest(v.s, f->choices, (size_t)-1);
      size_t used = (size_t)snprintf(why, sizeof why, "one of:");
      for (const char *const *c = f->choices; *c && used < sizeof why; c++)
        used += (size_t)snprintf(why + used, sizeof why - used, " %s", *c);
      if (near)
        luaL_error(L, "where %s: '%s' is not a %s: did you mean '%s'? (%s)", f->name, v.s, f->name, near, why);
      luaL_error(L, "where %s: '%s' is not a %s (%s)", f->name, v.s, f->name, why);
    }
    luaL_error(L, "where %s: give the value as a string", f->name);
  }
  mu_value c = v;
  int ok;
  switch (f->type) {
    case MU_T_ID: case MU_T_REF: case MU_T_INT: case MU_T_BOOL: case MU_T_REAL:
      /* Numbers compare with numbers; a number written as text is read as one. */
      ok = c.kind == MU_VINT || c.kind == MU_VREAL;
      if (!ok && c.kind == MU_VTEXT) {
        mu_field loose = {f->name, MU_T_REAL, 0, NULL, NULL, NULL};
        ok = mu_field_check(&loose, &c, why, sizeof why) == 0;
      }
      if (!ok) luaL_error(L, "where %s: '%s' is not a number, and %s holds numbers", f->name,
                          c.kind == MU_VTEXT ? c.s : "value", f->name);
      return;
    case MU_T_DATE:
      if (c.kind != MU_VTEXT || !mu_date_valid(c.s, c.len))
        luaL_error(L, "where %s: give a date as 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'", f->name);
      return;
    case MU_T_TEXT:
      if (c.kind != MU_VTEXT) luaL_error(L, "where %s: %s holds text: give a string", f->name, f->name);
      return;
    default:
      return;
  }
}

static void add_cond(lua_State *L, lcollection *c, const mu_field *f, mu_op op, int vidx) {
  char what[128];
  snprintf(what, sizeof what, "where %s", f->name);
  mu_value v = mu_tovalue(L, vidx, what);
  check_cond(L, f, op, v);
  if (mu_query_add(&c->q, f, op, &v)) luaL_error(L, "out of memory");
}

/*
** where{parent = "DWP"}: a relation by the name of its target (natural key, name or alias, models/names.c),
** as the reference field equal to that row's id. A name that matches nothing raises with the closest one:
** counting 0 rows for a typo would be a wrong answer. Returns 1 when the key at kidx named such a relation.
*/
static int add_relation_cond(lua_State *L, lcollection *c, int coll, int kidx, int vidx) {
  const mu_entity *e = c->q.e;
  const mu_relation *r = lua_type(L, kidx) == LUA_TSTRING ? mu_relation_find(e, lua_tostring(L, kidx)) : NULL;
  const mu_entity *t = r && r->kind == MU_REL_ONE && r->fk ? mu_entity_find(r->target) : NULL;
  const mu_field *fk = t ? mu_field_find(e, r->fk) : NULL;
  if (!fk || !t->key) return 0;
  if (lua_type(L, vidx) != LUA_TSTRING)
    luaL_error(L, "where %s: give the %s's %s or name as a string, or use %s for an id", r->name, t->name, t->key,
               r->fk);
  size_t len;
  const char *name = lua_tolstring(L, vidx, &len);
  char why[400];
  mu_collection_store(L, coll);
  long long id = mu_resolve_name(mu_checkopen(L, -1), t, name, len, why, sizeof why);
  lua_pop(L, 1);
  if (id <= 0) luaL_error(L, "where %s: %s", r->name, id < 0 ? "cannot read the store" : why);
  mu_value v = {MU_VINT, id, 0, NULL, 0};
  if (mu_query_add(&c->q, fk, MU_OP_EQ, &v)) luaL_error(L, "out of memory");
  return 1;
}

/*
** where{field = value, ...} | where(field, value) | where(field, op, value)
** op is one of = ~= < <= > >= like, "is null", "is not null".
** A value given as {op, value} inside the table form applies that op.
*/
static int collection_where(lua_State *L) {
  lcollection *src = mu_checkcollection(L, 1);
  const mu_entity *e = src->q.e;
  int top = lua_gettop(L);
  lcollection *c = derive(L, 1);
  if (lua_istable(L, 2)) {
    lua_pushnil(L);
    while (lua_next(L, 2)) {
      if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "where: keys must be field names");
      if (!lua_istable(L, -1) && add_relation_cond(L, c, 1, lua_gettop(L) - 1, lua_gettop(L))) {
        lua_pop(L, 1);
        continue;
      }
      const mu_field *f = checkfield(L, -2, e);
      mu_op op = MU_OP_EQ;
      if (lua_istable(L, -1)) {
        lua_rawgeti(L, -1, 1);
        if (mu_query_op(luaL_checkstring(L, -1), &op))
          return luaL_error(L, "where: unknown operator '%s'", lua_tostring(L, -1));
        lua_rawgeti(L, -2, 2);
        add_cond(L, c, f, op, -1);
        lua_pop(L, 2);
      } else {
        add_cond(L, c, f, op, -1);
      }
      lua_pop(L, 1);
    }
    return 1;
  }
  if (top == 3 && add_relation_cond(L, c, 1, 2, 3)) return 1;
  const mu_field *f = checkfield(L, 2, e);
  mu_op op = MU_OP_EQ;
  int vidx = 3;
  if (top == 3 && lua_type(L, 3) == LUA_TSTRING && mu_query_op(lua_tostring(L, 3), &op) == 0 &&
      op != MU_OP_NULL && op != MU_OP_NOTNULL)
    return luaL_error(L, "where: operator '%s' needs a value: where(field, op, value)", lua_tostring(L, 3));
  op = MU_OP_EQ;
  if (top >= 4 || (top == 3 && lua_type(L, 3) == LUA_TSTRING && mu_query_op(lua_tostring(L, 3), &op) == 0)) {
    if (mu_query_op(luaL_checkstring(L, 3), &op))
      return luaL_error(L, "where: unknown operator '%s' (use = ~= < <= > >= like, 'is null', 'is not null')",
                        lua_tostring(L, 3));
    vidx = 4;
  }
  if (op == MU_OP_NULL || op == MU_OP_NOTNULL) {
    if (mu_query_add(&c->q, f, op, NULL)) return luaL_error(L, "out of memory");
    return 1;
  }
  if (vidx > top) return luaL_error(L, "where: '%s' needs a value to compare with", f->name);
  add_cond(L, c, f, op, vidx);
  return 1;
}

/* order("name", "-staff") or order("staff", "desc"): sort keys, descending with '-' or "desc". */
static int collection_order(lua_State *L) {
  lcollection *src = mu_checkcollection(L, 1);
  int top = lua_gettop(L);
  lcollection *c = derive(L, 1);
  c->q.norder = 0;
  for (int i = 2; i <= top; i++) {
    const char *k = luaL_checkstring(L, i);
    int desc = 0;
    if (strcmp(k, "desc") == 0 || strcmp(k, "asc") == 0) {
      if (c->q.norder == 0) return luaL_error(L, "order: '%s' must follow a field name", k);
      c->q.desc[c->q.norder - 1] = k[0] == 'd';
      continue;
    }
    if (k[0] == '-') {
      desc = 1;
      lua_pushstring(L, k + 1);
      lua_replace(L, i);
    }
    if (c->q.norder == MU_MAX_ORDER) return luaL_error(L, "order: at most %d keys", MU_MAX_ORDER);
    c->q.order[c->q.norder] = checkfield(L, i, src->q.e);
    c->q.desc[c->q.norder++] = desc;
  }
  return 1;
}

static int collection_limit(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0, 2, "limit must be 0 or more");
  derive(L, 1)->q.limit = n;
  return 1;
}

static int collection_offset(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0, 2, "offset must be 0 or more");
  derive(L, 1)->q.offset = n;
  return 1;
}

/* Pushes a measure aggregate's result (the callback of mu_query_measure). */
static int push_result(void *ctx, const mu_value *group, const mu_qv *r) {
  (void)group;
  mu_push_qv(ctx, r);
  return 0;
}

/*
** Does an aggregate of f keep the truth of its terms as a qualified value?
** For every measure (a field with a qualifier, unit or date) and for any
** number field that may be unknown; a required plain number (a survey
** weight) gives a plain number.
*/
static int qualified_agg(const mu_entity *e, const mu_field *f) {
  return f && mu_field_numeric(f) && (mu_measure_of(e, f) || !(f->flags & MU_REQUIRED));
}

static const char *const agg_names[] = {"count", "sum", "avg", "min", "max", NULL};

/* sum and avg need numbers: say so, with the fields that are. */
static void check_numeric(lua_State *L, const mu_entity *e, mu_agg agg, const mu_field *f) {
  if (mu_field_numeric(f)) return;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (size_t i = 0; i < e->nfields; i++)
    if (mu_field_numeric(&e->fields[i])) {
      if (luaL_bufflen(&b)) luaL_addstring(&b, ", ");
      luaL_addstring(&b, e->fields[i].name);
    }
  luaL_pushresult(&b);
  luaL_error(L, "%s: %s.%s is not a number field (number fields of %s: %s)", agg_names[agg], e->name, f->name,
             e->plural, lua_rawlen(L, -1) ? lua_tostring(L, -1) : "none");
}

/* Runs an aggregate and pushes its single value. */
static int aggregate(lua_State *L, mu_agg agg, int needs_field) {
  lcollection *c = mu_checkcollection(L, 1);
  const mu_field *f = needs_field ? checkfield(L, 2, c->q.e) : NULL;
  char err[2048];
  if (f && (agg == MU_AGG_SUM || agg == MU_AGG_AVG)) check_numeric(L, c->q.e, agg, f);
  mu_collection_store(L, 1);
  mu_store *s = mu_checkopen(L, -1);
  if (qualified_agg(c->q.e, f)) {
    if (mu_query_measure(s, &c->q, agg, f, NULL, push_result, L, err, sizeof err)) return luaL_error(L, "%s", err);
    return 1;
  }
  sqlite3_stmt *st = mu_query_aggregate(s, &c->q, agg, f, err, sizeof err);
  if (!st) return luaL_error(L, "%s", err);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) mu_pushcolumn(L, st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return luaL_error(L, "%s", sqlite3_errmsg(mu_store_db(s)));
  return 1;
}

static int collection_count(lua_State *L) { return aggregate(L, MU_AGG_COUNT, 0); }
static int collection_sum(lua_State *L) { return aggregate(L, MU_AGG_SUM, 1); }
static int collection_avg(lua_State *L) { return aggregate(L, MU_AGG_AVG, 1); }
static int collection_min(lua_State *L) { return aggregate(L, MU_AGG_MIN, 1); }
static int collection_max(lua_State *L) { return aggregate(L, MU_AGG_MAX, 1); }
static int collection_len(lua_State *L) {
  lua_settop(L, 1);
  return aggregate(L, MU_AGG_COUNT, 0);
}

/*
** group(by [, agg, field]): one row per value of `by`, in order:
** { [by] = value, count = n, [agg] = aggregate of field } (a qualified value
** where the aggregate keeps its terms' truth, as for aggregate()).
*/
typedef struct {
  lua_State *L;
  int t;                 /* the result array */
  const char *by, *agg;
} group_ctx;

static int push_group(void *ctx, const mu_value *group, const mu_qv *r) {
  group_ctx *g = ctx;
  lua_State *L = g->L;
  lua_createtable(L, 0, 3);
  mu_pushvalue(L, group);
  lua_setfield(L, -2, g->by);
  lua_pushinteger(L, r->nterms);
  lua_setfield(L, -2, "count");
  mu_push_qv(L, r);
  lua_setfield(L, -2, g->agg);
  lua_rawseti(L, g->t, (lua_Integer)lua_rawlen(L, g->t) + 1);
  return 0;
}

static int collection_group(lua_State *L) {
  lcollection *c = mu_checkcollection(L, 1);
  const mu_field *by = checkfield(L, 2, c->q.e);
  mu_agg agg = (mu_agg)luaL_checkoption(L, 3, "count", agg_names);
  const mu_field *f = lua_isnoneornil(L, 4) ? NULL : checkfield(L, 4, c->q.e);
  if (agg != MU_AGG_COUNT && !f) return luaL_error(L, "group: '%s' needs a field to aggregate", agg_names[agg]);
  if (f && (agg == MU_AGG_SUM || agg == MU_AGG_AVG)) check_numeric(L, c->q.e, agg, f);
  char err[2048];
  mu_collection_store(L, 1);
  mu_store *s = mu_checkopen(L, -1);
  lua_newtable(L);
  if (agg != MU_AGG_COUNT && qualified_agg(c->q.e, f)) {
    group_ctx g = {L, lua_gettop(L), by->name, agg_names[agg]};
    if (mu_query_measure(s, &c->q, agg, f, by, push_group, &g, err, sizeof err)) return luaL_error(L, "group: %s", err);
    return 1;
  }
  sqlite3_stmt *st = mu_query_group(s, &c->q, by, agg, f, err, sizeof err);
  if (!st) return luaL_error(L, "%s", err);
  lua_Integer n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    lua_createtable(L, 0, 3);
    mu_pushcolumn(L, st, 0);
    lua_setfield(L, -2, by->name);
    mu_pushcolumn(L, st, 1);
    lua_setfield(L, -2, "count");
    if (f) {
      mu_pushcolumn(L, st, 2);
      lua_setfield(L, -2, agg_names[agg]);
    }
    lua_rawseti(L, -2, ++n);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return luaL_error(L, "group: %s", sqlite3_errmsg(mu_store_db(s)));
  return 1;
}

/* ---------------------------------------------------------------- cursors */

/*
** Rows a cursor reads on the caller's thread before its scan may be read
** ahead on a second one (models/readahead.c): enough that a small query
** never starts a thread, little next to a large one. MUTUALS_READAHEAD=0
** turns reading ahead off.
*/
#define READAHEAD_AFTER 2048

typedef struct {
  mu_reader *r;      /* NULL once the scan is over */
  const mu_entity *e;
  int ncols;         /* 0: yields records; else yields this many values */
} lcursor;

static int cursor_close(lua_State *L) {
  lcursor *cur = luaL_checkudata(L, 1, MU_CURSOR_MT);
  mu_reader_free(cur->r);
  cur->r = NULL;
  return 0;
}

/* Next row of the cursor at cidx: a record, or ncols values; nothing at the end. */
static int step(lua_State *L, lcursor *cur, int cidx) {
  const mu_value *row;
  char err[256];
  if (!cur->r) return 0;
  int rc = mu_reader_next(cur->r, &row, err, sizeof err);
  if (rc == 1 && cur->ncols > 0) {
    for (int c = 0; c < cur->ncols; c++) mu_pushvalue(L, &row[c]);
    return cur->ncols;
  }
  if (rc == 1) {
    lua_getiuservalue(L, cidx, 1);
    mu_push_record(L, -1, cur->e, row);
    return 1;
  }
  mu_reader_free(cur->r);
  cur->r = NULL;
  if (rc < 0) return luaL_error(L, "%s", err);
  return 0;
}

/* cursor_step(cursor): for callers holding the cursor as an argument. */
static int cursor_step(lua_State *L) {
  return step(L, luaL_checkudata(L, 1, MU_CURSOR_MT), 1);
}

/* The generic-for iterator: a closure over its cursor, so no check per row. */
static int cursor_next(lua_State *L) {
  return step(L, lua_touserdata(L, lua_upvalueindex(1)), lua_upvalueindex(1));
}

/* Returns for a generic for: iterator, nil, nil, and the cursor to close. */
static int push_loop(lua_State *L, int cidx) {
  lua_pushvalue(L, cidx);
  lua_pushcclosure(L, cursor_next, 1);
  lua_pushnil(L);
  lua_pushnil(L);
  lua_pushvalue(L, cidx);
  return 4;
}

static long long readahead_after(void) {
  const char *env = getenv("MUTUALS_READAHEAD");
  return env && strcmp(env, "0") == 0 ? -1 : READAHEAD_AFTER;
}

/*
** Pushes a cursor over the collection at idx: its records, or with n > 0
** the values of fields cols[0..n-1].
*/
static lcursor *push_cursor(lua_State *L, int idx, const mu_field **cols, int n) {
  idx = lua_absindex(L, idx);
  lcollection *c = mu_checkcollection(L, idx);
  char err[512];
  lcursor *cur = lua_newuserdatauv(L, sizeof *cur, 1);
  cur->r = NULL;
  cur->e = c->q.e;
  cur->ncols = n;
  luaL_setmetatable(L, MU_CURSOR_MT);
  mu_collection_store(L, idx);
  mu_store *s = mu_checkopen(L, -1);
  lua_setiuservalue(L, -2, 1);
  sqlite3_stmt *st = n > 0 ? mu_query_columns(s, &c->q, cols, (size_t)n, err, sizeof err)
                           : mu_query_rows(s, &c->q, err, sizeof err);
  if (!st) luaL_error(L, "%s", err);
  cur->r = mu_reader_new(s, st, n > 0 ? n : (int)c->q.e->nfields, readahead_after());
  if (!cur->r) {
    sqlite3_finalize(st);
    luaL_error(L, "out of memory");
  }
  return cur;
}

/* for rec in coll:rows() do ... end  -- lazy; the cursor closes with the loop. */
static int collection_rows(lua_State *L) {
  mu_checkcollection(L, 1);
  push_cursor(L, 1, NULL, 0);
  return push_loop(L, lua_gettop(L));
}

/*
** for a, b in coll:values("a", "b") do ... end: the named fields' values,
** lazily, without building a record per row: the fast way over large data.
*/
static int collection_values(lua_State *L) {
  lcollection *c = mu_checkcollection(L, 1);
  int n = lua_gettop(L) - 1;
  const mu_field *cols[MU_MAX_VALUES];
  luaL_argcheck(L, n >= 1 && n <= MU_MAX_VALUES, 2, "name 1 to 16 fields");
  for (int i = 0; i < n; i++) cols[i] = checkfield(L, i + 2, c->q.e);
  push_cursor(L, 1, cols, n);
  return push_loop(L, lua_gettop(L));
}

/* coll:list(): all records as an array (use limit() for large collections). */
static int collection_list(lua_State *L) {
  mu_checkcollection(L, 1);
  lua_newtable(L);
  int t = lua_gettop(L);
  push_cursor(L, 1, NULL, 0);
  int cur = lua_gettop(L);
  lua_Integer n = 0;
  for (;;) {
    lua_pushcfunction(L, cursor_step);
    lua_pushvalue(L, cur);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) break;
    lua_rawseti(L, t, ++n);
  }
  lua_settop(L, t);
  return 1;
}

static int collection_first(lua_State *L) {
  lua_settop(L, 1);
  lua_pushinteger(L, 1);
  collection_limit(L);
  push_cursor(L, -1, NULL, 0);
  lua_pushcfunction(L, cursor_step);
  lua_pushvalue(L, -2);
  lua_call(L, 1, 1);
  lua_pushcfunction(L, cursor_close);
  lua_pushvalue(L, -3);
  lua_call(L, 1, 0);
  return 1;
}

/* The first record of coll:where{field = value} (value at val), left on the stack: 1; else nothing: 0. */
static int first_where(lua_State *L, int coll, const char *field, int val) {
  lua_pushcfunction(L, collection_where);
  lua_pushvalue(L, coll);
  lua_pushstring(L, field);
  lua_pushvalue(L, val);
  lua_call(L, 3, 1);
  lua_pushcfunction(L, collection_first);
  lua_insert(L, -2);
  lua_call(L, 1, 1);
  if (!lua_isnil(L, -1)) return 1;
  lua_pop(L, 1);
  return 0;
}

/*
** coll:get(id or name): the record with this id (integer), or called this
** (string): its natural key, its name, or an alias (models/names.c), within
** the collection's conditions. Else nil and a message that offers the
** closest name the store knows: never a guess.
*/
static int collection_get(lua_State *L) {
  lcollection *c = mu_checkcollection(L, 1);
  const mu_entity *e = c->q.e;
  size_t len = 0;
  const char *name = NULL;
  if (!lua_isinteger(L, 2)) {
    name = luaL_checklstring(L, 2, &len);
    if (!e->key) return luaL_error(L, "%s has no natural key: get it by id", e->name);
  }
  lua_settop(L, 2);
  if (first_where(L, 1, name ? e->key : "id", 2)) return 1;
  if (!name) {
    lua_pushnil(L);
    return 1;
  }
  char why[400];
  mu_collection_store(L, 1);
  long long id = mu_resolve_name(mu_checkopen(L, -1), e, name, len, why, sizeof why);
  lua_pop(L, 1);
  if (id > 0) {
    lua_pushinteger(L, id);
    if (first_where(L, 1, "id", 3)) return 1;
    snprintf(why, sizeof why, "the %s called '%s' is not among this collection's rows", e->name, name);
  }
  lua_pushnil(L);
  lua_pushstring(L, id < 0 ? "cannot read the store" : why);
  return 2;
}

/*
** coll:export([path,] [{format, ids, fields}]) -> text, or true when written to path (atomically):
** the collection's own rows (its conditions, limit and offset), as db:export writes a whole one.
*/
static int collection_export(lua_State *L) {
  lcollection *c = mu_checkcollection(L, 1);
  if (lua_type(L, 2) == LUA_TSTRING) {   /* (path [, opts]): the options with out = path, the caller's left alone */
    lua_createtable(L, 0, 4);
    if (lua_istable(L, 3)) {
      lua_pushnil(L);
      while (lua_next(L, 3)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_settable(L, -4);
      }
    } else if (!lua_isnoneornil(L, 3)) {
      return luaL_typeerror(L, 3, "table of options");
    }
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "out");
    lua_replace(L, 2);
  }
  lua_settop(L, 2);
  mu_collection_store(L, 1);
  mu_store *s = mu_checkopen(L, 3);
  return mu_export_query(L, s, &c->q, 2);
}

/* coll:insert{field = value, ...}: validates, inserts and returns the new record. */
static int collection_insert(lua_State *L) {
  lcollection *c = mu_checkcollection(L, 1);
  const char *names[64];
  mu_value vals[64];
  char err[1024];
  luaL_checktype(L, 2, LUA_TTABLE);
  int n = mu_field_names(L, 2, c->q.e, names, vals, 64);
  mu_collection_store(L, 1);
  int store_idx = lua_gettop(L);
  long long id = mu_insert(mu_checkopen(L, store_idx), c->q.e, names, vals, (size_t)n, err, sizeof err);
  if (id < 0) return luaL_error(L, "%s", err);
  return mu_record_get_by_id(L, store_idx, c->q.e, id);
}

static int collection_entity(lua_State *L) {
  lua_pushstring(L, mu_checkcollection(L, 1)->q.e->name);
  return 1;
}

/* coll:fields(): the entity's field names, in order. */
static int collection_fields(lua_State *L) {
  const mu_entity *e = mu_checkcollection(L, 1)->q.e;
  lua_createtable(L, (int)e->nfields, 0);
  for (size_t i = 0; i < e->nfields; i++) {
    lua_pushstring(L, e->fields[i].name);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int collection_tostring(lua_State *L) {
  lcollection *c = mu_checkcollection(L, 1);
  lua_pushfstring(L, "mutuals.collection of %s (%d condition%s)", c->q.e->plural, (int)c->q.nconds,
                  c->q.nconds == 1 ? "" : "s");
  return 1;
}

static const luaL_Reg collection_methods[] = {
  {"where", collection_where}, {"order", collection_order}, {"limit", collection_limit},
  {"offset", collection_offset}, {"count", collection_count}, {"sum", collection_sum},
  {"avg", collection_avg}, {"min", collection_min}, {"max", collection_max},
  {"group", collection_group}, {"rows", collection_rows}, {"values", collection_values},
  {"list", collection_list},
  {"first", collection_first}, {"get", collection_get}, {"insert", collection_insert},
  {"entity", collection_entity}, {"fields", collection_fields}, {"table", mu_show}, {"export", collection_export},
  {NULL, NULL},
};

static int collection_index(lua_State *L) {
  lcollection *c = mu_checkcollection(L, 1);
  const char *k = luaL_checkstring(L, 2);
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  if (lua_getfield(L, -1, k) != LUA_TNIL) return 1;
  if (mu_collection_method(L, c->q.e, k)) return 1;
  return luaL_error(L, "collection of %s has no method '%s' (try help(collection))", c->q.e->plural, k);
}

/* __members: method names, for the REPL's completion. */
static int collection_members(lua_State *L) {
  lcollection *c = mu_checkcollection(L, 1);
  lua_Integer n = 0;
  lua_newtable(L);
  for (const luaL_Reg *m = collection_methods; m->name; m++) {
    lua_pushstring(L, m->name);
    lua_rawseti(L, -2, ++n);
  }
  mu_method_names(L, c->q.e, 1);
  return 1;
}

void mu_open_collection(lua_State *L) {
  static const luaL_Reg meta[] = {
    {"__members", collection_members},
    {"__index", collection_index}, {"__gc", collection_gc}, {"__len", collection_len},
    {"__tostring", collection_tostring}, {NULL, NULL},
  };
  static const luaL_Reg cursor_meta[] = {
    {"__gc", cursor_close}, {"__close", cursor_close}, {"close", cursor_close}, {NULL, NULL},
  };
  if (luaL_newmetatable(L, MU_COLLECTION_MT)) {
    luaL_setfuncs(L, meta, 0);
    luaL_newlib(L, collection_methods);
    lua_setfield(L, -2, "methods");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, MU_CURSOR_MT)) {
    luaL_setfuncs(L, cursor_meta, 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
}
