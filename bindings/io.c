/*
** db:import and db:export: the models layer's import and export, with
** errors raised as one Lua error listing every bad row.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bindings.h"
#include "mutuals.h"

static const mu_entity *checkentity(lua_State *L, int idx) {
  const char *kind = luaL_checkstring(L, idx);
  const mu_entity *e = mu_entity_find(kind);
  if (!e) luaL_error(L, "no kind '%s' to import or export (kinds: see mutuals.entities())", kind);
  return e;
}

/* The format from the options table at opts, else from the file name, else CSV. */
mu_format mu_checkformat(lua_State *L, int opts, const char *file) {
  mu_format fmt;
  const char *given = NULL;
  if (lua_istable(L, opts) && lua_getfield(L, opts, "format") != LUA_TNIL) given = luaL_checkstring(L, -1);
  if (mu_format_pick(given, file, &fmt)) luaL_error(L, "unknown format '%s': use csv, json or jsonl", given);
  if (lua_istable(L, opts)) lua_pop(L, 1);
  return fmt;
}

/*
** opts.map as {column = "field", ...} and opts.ignore as {"column", ...} (or either as the command line's
** "a=b,c=d" / "x,y" text), as one string the models layer reads; it stays on the stack until the import ends.
*/
static const char *list_option(lua_State *L, int opts, const char *key) {
  int t = lua_getfield(L, opts, key), map = strcmp(key, "map") == 0;
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return NULL;
  }
  if (t == LUA_TSTRING) return lua_tostring(L, -1);
  if (t != LUA_TTABLE) luaL_error(L, "import: %s must be a table or a string", key);
  int tbl = lua_gettop(L), n = 0;
  lua_pushliteral(L, "");   /* the list so far, at tbl + 1 */
  lua_pushnil(L);
  while (lua_next(L, tbl)) {
    int named = lua_type(L, -2) == LUA_TSTRING;
    if (lua_type(L, -1) != LUA_TSTRING || named != map)
      luaL_error(L, "import: %s: give %s", key, map ? "{column = \"field\", ...}" : "{\"column\", ...}");
    if (strpbrk(lua_tostring(L, -1), ",=") || (named && strpbrk(lua_tostring(L, -2), ",=")))
      luaL_error(L, "import: %s: a column or field name cannot hold ',' or '='", key);
    lua_pushvalue(L, tbl + 1);
    lua_pushstring(L, n++ ? "," : "");
    if (named) {
      lua_pushvalue(L, -4);   /* the key */
      lua_pushliteral(L, "=");
    }
    lua_pushvalue(L, named ? -5 : -3);   /* the value */
    lua_concat(L, named ? 5 : 3);
    lua_replace(L, tbl + 1);
    lua_pop(L, 1);   /* the value; the key stays for lua_next */
  }
  lua_replace(L, tbl);   /* the list replaces the table, and stays until the import ends */
  return lua_tostring(L, tbl);
}

/*
** db:import(kind, file [, {format =, max_errors =, mode = "insert"|"upsert", dry_run =}])
**   -> rows accepted, {inserted =, updated =, unchanged =}
*/
int mu_l_import(lua_State *L) {
  static const char *const keys[] = {"format", "max_errors", "mode", "dry_run", "map", "ignore", "transform", NULL};
  mu_store *s = mu_checkopen(L, 1);
  const mu_entity *e = checkentity(L, 2);
  const char *file = luaL_checkstring(L, 3);
  if (!lua_isnoneornil(L, 4)) luaL_checktype(L, 4, LUA_TTABLE);
  if (lua_istable(L, 4)) mu_check_keys(L, 4, keys, "import");
  mu_format fmt = mu_checkformat(L, 4, file);
  mu_import_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.max_errors = 20;
  if (lua_istable(L, 4)) {
    lua_getfield(L, 4, "max_errors");
    opts.max_errors = (int)luaL_optinteger(L, -1, 20);
    static const char *const modes[] = {"insert", "upsert", "replace", NULL};
    lua_getfield(L, 4, "mode");
    opts.mode = lua_isnil(L, -1) ? MU_MODE_INSERT : (mu_import_mode)luaL_checkoption(L, -1, NULL, modes);
    lua_getfield(L, 4, "dry_run");
    opts.dry_run = lua_toboolean(L, -1);
    lua_pop(L, 3);
    opts.map = list_option(L, 4, "map");
    opts.ignore = list_option(L, 4, "ignore");
  }
  mutuals_transform tf = {L, LUA_NOREF};
  if (lua_istable(L, 4) && lua_getfield(L, 4, "transform") != LUA_TNIL) {
    if (!lua_isfunction(L, -1))
      return luaL_error(L, "import: transform must be a function (a row's table -> its fields, or nil), got %s",
                        luaL_typename(L, -1));
    tf.ref = luaL_ref(L, LUA_REGISTRYINDEX);   /* released when the import is done */
    opts.transform = mutuals_transform_call;
    opts.transform_ctx = &tf;
  } else if (lua_istable(L, 4)) {
    lua_pop(L, 1);
  }
  FILE *fp = fopen(file, "rb");
  if (!fp) luaL_unref(L, LUA_REGISTRYINDEX, tf.ref);
  if (!fp) return luaL_error(L, "cannot open %s: %s", file, strerror(errno));
  char sha[65];
  if (mu_file_sha256(file, sha) == 0) opts.sha256 = sha;
  opts.command = "db:import";
  lstore *ls = mu_checkstore(L, 1);
  ls->in_use++;   /* the transform runs Lua while the import holds the store: it may not close it */
  int rc = mu_import(s, e, fmt, file, fp, &opts);
  ls->in_use--;
  fclose(fp);
  luaL_unref(L, LUA_REGISTRYINDEX, tf.ref);
  if (rc && opts.busy) {
    lua_pushfstring(L, "import of %s: nothing was written: %s", e->plural, opts.errors ? opts.errors : "busy");
    free(opts.errors);
    return luaL_error(L, "%s", lua_tostring(L, -1));
  }
  if (rc) {
    char head[256];
    snprintf(head, sizeof head, "import of %s failed, nothing was written:", e->plural);
    luaL_where(L, 1);   /* the script line, as luaL_error gives it */
    mu_push_errors(L, head, opts.errors);
    free(opts.errors);
    lua_concat(L, 2);
    return lua_error(L);
  }
  lua_pushinteger(L, opts.rows);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, opts.inserted);
  lua_setfield(L, -2, "inserted");
  lua_pushinteger(L, opts.updated);
  lua_setfield(L, -2, "updated");
  lua_pushinteger(L, opts.unchanged);
  lua_setfield(L, -2, "unchanged");
  if (opts.transform) {
    lua_pushinteger(L, opts.skipped);
    lua_setfield(L, -2, "skipped");
  }
  lua_pushboolean(L, opts.dry_run);
  lua_setfield(L, -2, "dry_run");
  if (!opts.dry_run && opts.import_id > 0) {
    lua_pushinteger(L, opts.import_id);
    lua_setfield(L, -2, "import");   /* its id in the history: db:undo(id) takes it back */
  }
  return 2;
}

/* db:undo(import_id [, {dry_run = true}]) -> {deleted =, restored =}; raises with what is in the way. */
int mu_l_undo(lua_State *L) {
  static const char *const keys[] = {"dry_run", NULL};
  mu_store *s = mu_checkopen(L, 1);
  lua_Integer id = luaL_checkinteger(L, 2);
  int dry = 0;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    mu_check_keys(L, 3, keys, "undo");
    lua_getfield(L, 3, "dry_run");
    dry = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  char err[1024];
  mu_undo_result r;
  if (mu_undo_import(s, (long long)id, dry, &r, err, sizeof err))
    return luaL_error(L, "undo %d: %s; nothing was changed", (int)id, err);
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, r.deleted);
  lua_setfield(L, -2, "deleted");
  lua_pushinteger(L, r.restored);
  lua_setfield(L, -2, "restored");
  lua_pushboolean(L, dry);
  lua_setfield(L, -2, "dry_run");
  return 1;
}

/*
** The rows of q as a file or text: opts at index opts (format, out, ids, fields). The query is the
** caller's (a whole collection, or one with conditions), so what is exported is what was asked for.
*/
int mu_export_query(lua_State *L, mu_store *s, const mu_query *q, int opts) {
  static const char *const keys[] = {"format", "out", "ids", "fields", NULL};
  const char *out = NULL, *only[64];
  size_t nonly = 0;
  char err[1024];
  int ids = 0;
  if (!lua_isnoneornil(L, opts)) luaL_checktype(L, opts, LUA_TTABLE);
  if (lua_istable(L, opts)) {
    mu_check_keys(L, opts, keys, "export");
    lua_getfield(L, opts, "ids");
    ids = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, opts, "fields") != LUA_TNIL) {   /* stays on the stack: its strings are used below */
      luaL_checktype(L, -1, LUA_TTABLE);
      for (lua_Integer i = 1; nonly < 64 && lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
        only[nonly++] = luaL_checkstring(L, -1);
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
    if (lua_getfield(L, opts, "out") != LUA_TNIL) out = luaL_checkstring(L, -1);
  }
  mu_format fmt = mu_checkformat(L, opts, out);
  if (out) {
    char *tmp;
    FILE *fp = mu_atomic_open(out, &tmp, err, sizeof err);
    if (!fp) return luaL_error(L, "export: %s", err);
    if (mu_export(s, q, only, nonly, fmt, fp, ids, err, sizeof err)) {
      mu_atomic_abort(fp, tmp);
      return luaL_error(L, "export: %s", err);
    }
    if (mu_atomic_commit(fp, tmp, out, err, sizeof err)) return luaL_error(L, "export: %s", err);
    lua_pushboolean(L, 1);
    return 1;
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&buf, &len);
  if (!fp) return luaL_error(L, "export: out of memory");
  int rc = mu_export(s, q, only, nonly, fmt, fp, ids, err, sizeof err);
  fclose(fp);
  if (rc) {
    free(buf);
    return luaL_error(L, "export: %s", err);
  }
  lua_pushlstring(L, buf, len);
  free(buf);
  return 1;
}

/* db:export(kind [, {format =, out = file, ids = false, fields = {...}}]) -> text, or true when written to out */
int mu_l_export(lua_State *L) {
  mu_store *s = mu_checkopen(L, 1);
  const mu_entity *e = checkentity(L, 2);
  mu_query q;
  mu_query_init(&q, e);
  int rc = mu_export_query(L, s, &q, 3);   /* a query without conditions holds nothing to free, even on error */
  mu_query_free(&q);
  return rc;
}
