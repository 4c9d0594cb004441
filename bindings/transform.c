/*
** A Lua function as an import's transform (mu_import_opts.transform): it is
** given each record as a table {column = value} (an empty cell is absent)
** and returns the record's fields as a table, or nil to leave it out. What
** mapping cannot do: split a column, compute one, skip rows, clean a
** spelling. Used by db:import(kind, file, {transform = f}) and by
** `mutuals import --transform script.lua`.
**
** The import runs in C with a transaction open: nothing of Lua may jump
** out of it, so each call, the conversions included, runs protected, and a
** failure becomes that record's error (the import then writes nothing).
*/
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <lauxlib.h>
#include "mutuals.h"

/* transform_step(fn, in, out): the record as a table, fn's answer as fields in *out (NULL: left out). */
static int transform_step(lua_State *L) {
  json_t *in = lua_touserdata(L, 2), **out = lua_touserdata(L, 3);
  const char *key;
  json_t *v;
  lua_settop(L, 1);
  lua_createtable(L, 0, (int)json_object_size(in));
  json_object_foreach(in, key, v) {
    switch (json_typeof(v)) {
      case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
      case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
      case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
      case JSON_TRUE: case JSON_FALSE: lua_pushboolean(L, json_is_true(v)); break;
      default: continue;   /* null: absent, as nil */
    }
    lua_setfield(L, -2, key);
  }
  lua_call(L, 1, 1);
  if (lua_isnil(L, -1)) return 0;
  if (!lua_istable(L, -1))
    return luaL_error(L, "the transform must return a table of fields, or nil to leave the record out; it returned %s",
                      luaL_typename(L, -1));
  *out = json_object();   /* the caller frees it on an error below */
  if (!*out) return luaL_error(L, "out of memory");
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      return luaL_error(L, "the transform's table has a key that is not a field name (a %s)", luaL_typename(L, -2));
    const char *k = lua_tostring(L, -2);
    json_t *j = NULL;
    switch (lua_type(L, -1)) {
      case LUA_TSTRING: j = json_stringn(lua_tostring(L, -1), lua_rawlen(L, -1)); break;
      case LUA_TBOOLEAN: j = json_boolean(lua_toboolean(L, -1)); break;
      case LUA_TNUMBER:
        j = lua_isinteger(L, -1) ? json_integer((json_int_t)lua_tointeger(L, -1)) : json_real(lua_tonumber(L, -1));
        break;
      default:
        return luaL_error(L, "the transform gave '%s' a %s: give a string, a number, a boolean, or leave it out", k,
                          luaL_typename(L, -1));
    }
    if (!j) return luaL_error(L, "'%s': not valid text (UTF-8) or not a finite number", k);
    json_object_set_new(*out, k, j);
    lua_pop(L, 1);
  }
  return 0;
}

int mutuals_transform_call(void *ctx, struct json_t *in, struct json_t **out, char *why, size_t whylen) {
  mutuals_transform *t = ctx;
  lua_State *L = t->L;
  int top = lua_gettop(L);
  *out = NULL;
  lua_pushcfunction(L, transform_step);
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->ref);
  lua_pushlightuserdata(L, in);
  lua_pushlightuserdata(L, out);
  if (lua_pcall(L, 3, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    snprintf(why, whylen, "%s", msg ? msg : "an error that is not a string");
    json_decref(*out);
    *out = NULL;
    lua_settop(L, top);
    return -1;
  }
  lua_settop(L, top);
  return 0;
}
