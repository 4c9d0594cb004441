/*
** The store as a Lua value: a userdata "mutuals.store" with __gc and
** __close, so `local db <close> = mutuals.open()` releases it on every path.
** Indexing it by a collection name (db.mutuals) gives that collection.
*/
#include <stdio.h>
#include <string.h>
#include "bindings.h"

lstore *mu_checkstore(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, MU_STORE_MT);
}

mu_store *mu_checkopen(lua_State *L, int idx) {
  lstore *ls = mu_checkstore(L, idx);
  if (!ls->s) luaL_error(L, "the store is closed");
  return ls->s;
}

/* Opens a store and pushes it, or pushes nil and a message. */
int mu_push_store(lua_State *L, const char *path, int flags) {
  char err[1024];
  /* A sandboxed script (host/sandbox.c) gets read-only stores. */
  int read_only = lua_getfield(L, LUA_REGISTRYINDEX, "mutuals.read_only") != LUA_TNIL && lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (read_only) flags |= MU_OPEN_READONLY;
  lstore *ls = lua_newuserdatauv(L, sizeof *ls, 0);
  memset(ls, 0, sizeof *ls);
  ls->read_only = read_only;
  luaL_setmetatable(L, MU_STORE_MT);
  if (mu_store_open(path, flags, &ls->s, err, sizeof err)) {
    lua_pop(L, 1);
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  return 1;
}

static int store_close(lua_State *L) {
  lstore *ls = mu_checkstore(L, 1);
  /* closed from inside db:transaction(fn) or an import's transform, the store would vanish under the C
     code that called the Lua: refused, and it can be closed once that returns */
  if (ls->s && ls->in_use > 0)
    return luaL_error(L, "close: the store is in use by a transaction or an import still running: close it after");
  if (ls->s) {
    while (mu_store_depth(ls->s) > 0) mu_store_rollback(ls->s);
    mu_store_close(ls->s);
    ls->s = NULL;
  }
  return 0;
}

static int store_tostring(lua_State *L) {
  lstore *ls = mu_checkstore(L, 1);
  if (ls->s)
    lua_pushfstring(L, "mutuals.store (%s)", mu_store_path(ls->s));
  else
    lua_pushliteral(L, "mutuals.store (closed)");
  return 1;
}

static int store_path(lua_State *L) {
  lua_pushstring(L, mu_store_path(mu_checkopen(L, 1)));
  return 1;
}

/*
** db:transaction(fn, ...): calls fn(db, ...) inside a transaction. Commits
** when fn returns and gives back its results; rolls back everything fn did
** and re-raises its error when it raises. Transactions nest. The outermost
** takes the write lock first, waiting for another writer (--wait), so a
** transaction that reads and then writes never fails halfway for a lock.
** db:read(fn, ...) is the same over a consistent snapshot, without the lock.
*/
static int in_transaction(lua_State *L, int write) {
  mu_store *s = mu_checkopen(L, 1);
  char err[1024];
  luaL_checktype(L, 2, LUA_TFUNCTION);
  int nargs = lua_gettop(L) - 2;
  if ((write ? mu_store_begin : mu_store_begin_read)(s, err, sizeof err))
    return luaL_error(L, "%s: %s", write ? "transaction" : "read", err);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 1);
  for (int i = 0; i < nargs; i++) lua_pushvalue(L, 3 + i);
  int base = lua_gettop(L) - nargs - 2;
  lstore *ls = mu_checkstore(L, 1);
  ls->in_use++;
  int status = lua_pcall(L, nargs + 1, LUA_MULTRET, 0);
  ls->in_use--;
  if (status != LUA_OK) {
    mu_store_rollback(s);
    return lua_error(L);
  }
  if (mu_store_commit(s, err, sizeof err)) {
    mu_store_rollback(s);
    return luaL_error(L, "transaction: commit failed: %s", err);
  }
  return lua_gettop(L) - base;
}

static int store_transaction(lua_State *L) { return in_transaction(L, 1); }
static int store_read(lua_State *L) { return in_transaction(L, 0); }

/* What db:sql allows: never transaction control (db:transaction owns it); when read_only, reading only. */
typedef struct {
  int read_only;
  const char *denied;   /* why the last refusal happened */
} sql_guard;

static int sql_authorizer(void *ctx, int action, const char *a, const char *b, const char *c, const char *d) {
  sql_guard *g = ctx;
  (void)b; (void)c; (void)d;
  switch (action) {
    case SQLITE_TRANSACTION: case SQLITE_SAVEPOINT:
      g->denied = "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) belongs to db:transaction(fn): "
                  "a COMMIT here would break its promise to roll everything back";
      return SQLITE_DENY;
    case SQLITE_PRAGMA:
      if (a && strcmp(a, "writable_schema") == 0) {
        g->denied = "PRAGMA writable_schema is not allowed";
        return SQLITE_DENY;
      }
      break;
    default:
      break;
  }
  if (g->read_only && action != SQLITE_SELECT && action != SQLITE_READ && action != SQLITE_FUNCTION &&
      action != SQLITE_RECURSIVE) {
    g->denied = "this store is open for reading only here (a sandboxed script): only SELECT is allowed";
    return SQLITE_DENY;
  }
  return SQLITE_OK;
}

/*
** db:sql(statement, ...): the raw-SQL escape hatch. Values are bound to the
** statement's ? parameters, never spliced into its text; the number of
** values must match. One statement (a trailing comment is fine); no
** transaction control. Returns an array of rows (tables keyed by column
** name; a NULL column is absent) and the number
** of rows changed.
*/
static int store_sql(lua_State *L) {
  lstore *ls = mu_checkstore(L, 1);
  mu_store *s = mu_checkopen(L, 1);
  const char *sql = luaL_checkstring(L, 2);
  int nvals = lua_gettop(L) - 2;
  sqlite3 *db = mu_store_db(s);
  sqlite3_stmt *st, *next = NULL;
  const char *tail;
  char what[32];
  /* Convert every value before preparing: a bad one raises with nothing to free. */
  for (int i = 0; i < nvals; i++) {
    snprintf(what, sizeof what, "sql: value %d", i + 1);
    mu_tovalue(L, 3 + i, what);
  }
  sql_guard guard = {ls->read_only, NULL};
  sqlite3_set_authorizer(db, sql_authorizer, &guard);
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
  /* Whatever follows must be only blanks, semicolons and comments: preparing it yields no statement. */
  if (rc == SQLITE_OK && st) rc = sqlite3_prepare_v2(db, tail, -1, &next, NULL);
  sqlite3_set_authorizer(db, NULL, NULL);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    if (guard.denied) return luaL_error(L, "sql: refused: %s", guard.denied);
    return luaL_error(L, "sql: %s", sqlite3_errmsg(db));
  }
  if (next) {
    sqlite3_finalize(next);
    sqlite3_finalize(st);
    return luaL_error(L, "sql: one statement at a time (found more after the first)");
  }
  if (!st) return luaL_error(L, "sql: empty statement");
  if (ls->read_only && !sqlite3_stmt_readonly(st)) {
    sqlite3_finalize(st);
    return luaL_error(L, "sql: refused: this store is open for reading only here (a sandboxed script)");
  }
  int nparams = sqlite3_bind_parameter_count(st);
  if (nparams != nvals) {
    sqlite3_finalize(st);
    return luaL_error(L, "sql: the statement has %d parameter%s but %d value%s given", nparams,
                      nparams == 1 ? "" : "s", nvals, nvals == 1 ? " was" : "s were");
  }
  for (int i = 0; i < nvals; i++) {
    mu_value v = mu_tovalue(L, 3 + i, what);
    mu_bind_value(st, i + 1, &v);
  }
  lua_newtable(L);
  int ncols = sqlite3_column_count(st);
  /* The columns, in order, on the rows' metatable: a row table has no key for a NULL, so this is where
     mutuals.show (and a script) finds a column that is NULL in every row. */
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "mutuals.rows");
  lua_setfield(L, -2, "__name");
  lua_createtable(L, ncols, 0);
  for (int c = 0; c < ncols; c++) {
    lua_pushstring(L, sqlite3_column_name(st, c));
    lua_rawseti(L, -2, c + 1);
  }
  lua_setfield(L, -2, "columns");
  lua_setmetatable(L, -2);
  lua_Integer n = 0;
  for (;;) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      lua_pushstring(L, sqlite3_errmsg(db));
      sqlite3_finalize(st);
      return luaL_error(L, "sql: %s", lua_tostring(L, -1));
    }
    lua_createtable(L, 0, ncols);
    for (int c = 0; c < ncols; c++) {
      mu_pushcolumn(L, st, c);
      lua_setfield(L, -2, sqlite3_column_name(st, c));
    }
    lua_rawseti(L, -2, ++n);
  }
  sqlite3_finalize(st);
  lua_pushinteger(L, sqlite3_changes(db));
  return 2;
}

/* db:init(): drop everything and reload the bundled dataset. */
static int store_init(lua_State *L) {
  char err[1024];
  if (mu_store_reset(mu_checkopen(L, 1), err, sizeof err)) return luaL_error(L, "init: %s", err);
  lua_settop(L, 1);
  return 1;
}

static int push_issue(void *ctx, const char *kind, const char *key, const char *message, const char *why) {
  lua_State *L = ctx;
  lua_createtable(L, 0, 4);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, key);
  lua_setfield(L, -2, "key");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  if (why) {
    lua_pushstring(L, why);
    lua_setfield(L, -2, "known");
  }
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  return 0;
}

/*
** db:check() -> {{kind, key, message, known}, ...}, unexplained
** What in the store contradicts itself (models/check.c); `known` is the
** data's explanation where known_issues holds one; `unexplained` counts the rest.
*/
static int store_check(lua_State *L) {
  mu_store *s = mu_checkopen(L, 1);
  char err[512];
  int unknown = 0;
  lua_newtable(L);
  if (mu_check(s, push_issue, L, &unknown, err, sizeof err)) return luaL_error(L, "check: %s", err);
  lua_pushinteger(L, unknown);
  return 2;
}

/* db:collection(name) or db[name]: the collection of an entity. */
static int store_collection(lua_State *L) {
  mu_checkopen(L, 1);
  const char *name = luaL_checkstring(L, 2);
  const mu_entity *e = mu_entity_find(name);
  if (!e) return luaL_error(L, "no collection '%s' in the store", name);
  mu_push_collection(L, 1, e);
  return 1;
}

static const luaL_Reg store_methods[] = {
  {"close", store_close},
  {"path", store_path},
  {"transaction", store_transaction},
  {"read", store_read},
  {"sql", store_sql},
  {"init", store_init},
  {"collection", store_collection},
  {"check", store_check},
  {"import", mu_l_import},
  {"export", mu_l_export},
  {"undo", mu_l_undo},
  {"sync", mu_l_sync},
  {NULL, NULL},
};

/* db.x: a method, else a collection; anything else is a mistake worth naming. */
static int store_index(lua_State *L) {
  const char *k = luaL_checkstring(L, 2);
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  if (lua_getfield(L, -1, k) != LUA_TNIL) return 1;
  const mu_entity *e = mu_entity_find(k);
  if (e && (strcmp(k, e->plural) == 0 || strcmp(k, "departments") == 0)) {
    mu_checkopen(L, 1);
    mu_push_collection(L, 1, e);
    return 1;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (const mu_entity *const *p = mu_entities; *p; p++) {
    luaL_addstring(&b, (*p)->plural);
    luaL_addstring(&b, ", ");
  }
  luaL_addstring(&b, "departments");
  luaL_pushresult(&b);
  return luaL_error(L, "the store has no field '%s' (collections: %s)", k, lua_tostring(L, -1));
}

/* __members: method and collection names, for the REPL's completion. */
static int store_members(lua_State *L) {
  lua_newtable(L);
  lua_Integer n = 0;
  for (const luaL_Reg *m = store_methods; m->name; m++) {
    lua_pushstring(L, m->name);
    lua_rawseti(L, -2, ++n);
  }
  for (const mu_entity *const *e = mu_entities; *e; e++) {
    lua_pushstring(L, (*e)->plural);
    lua_rawseti(L, -2, ++n);
  }
  lua_pushliteral(L, "departments");
  lua_rawseti(L, -2, ++n);
  return 1;
}

void mu_open_store(lua_State *L) {
  if (luaL_newmetatable(L, MU_STORE_MT)) {
    luaL_newlib(L, store_methods);
    lua_setfield(L, -2, "methods");
    lua_pushcfunction(L, store_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, store_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, store_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, store_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "mutuals.store");
    lua_setfield(L, -2, "__name");
    lua_pushcfunction(L, store_members);
    lua_setfield(L, -2, "__members");
  }
  lua_pop(L, 1);
}
