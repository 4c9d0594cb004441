/*
** Conversions between Lua values and the models layer's mu_value, and the
** stepping of statements with errors turned into Lua errors.
*/
#include <stdio.h>
#include <string.h>
#include "bindings.h"

/*
** The Lua value at idx as a mu_value. Text is borrowed from the Lua stack,
** so the value must stay there while the mu_value is used. Raises for types
** SQL cannot hold; `what` names the value in the message.
*/
mu_value mu_tovalue(lua_State *L, int idx, const char *what) {
  mu_value v = {MU_VNULL, 0, 0, NULL, 0};
  switch (lua_type(L, idx)) {
    case LUA_TNIL: break;
    case LUA_TBOOLEAN: v.kind = MU_VINT; v.i = lua_toboolean(L, idx); break;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) { v.kind = MU_VINT; v.i = lua_tointeger(L, idx); }
      else { v.kind = MU_VREAL; v.r = lua_tonumber(L, idx); }
      break;
    case LUA_TSTRING: v.kind = MU_VTEXT; v.s = lua_tolstring(L, idx, &v.len); break;
    case LUA_TUSERDATA: {
      lrecord *r = luaL_testudata(L, idx, MU_RECORD_MT);
      if (r) { v.kind = MU_VINT; v.i = r->id; break; }
    } /* fall through */
    default:
      luaL_error(L, "%s: a %s cannot be stored (use a string, number, boolean, record or nil)",
                 what, luaL_typename(L, idx));
  }
  return v;
}

/* Whole figures read as integers (58, not 58.0); shares stay floats. */
static void pushreal(lua_State *L, double r) {
  lua_Integer i;
  if (lua_numbertointeger(r, &i) && (lua_Number)i == r)
    lua_pushinteger(L, i);
  else
    lua_pushnumber(L, r);
}

void mu_pushvalue(lua_State *L, const mu_value *v) {
  switch (v->kind) {
    case MU_VINT: lua_pushinteger(L, v->i); break;
    case MU_VREAL: pushreal(L, v->r); break;
    case MU_VTEXT: lua_pushlstring(L, v->s, v->len); break;
    default: lua_pushnil(L);
  }
}

/*
** Column col of st's current row, straight from its sqlite3_value rather
** than through a mu_value: this runs for every value of every scan, and the
** detour cost 4% of a values() loop (bench/RESULTS.md).
*/
void mu_pushcolumn(lua_State *L, sqlite3_stmt *st, int col) {
  sqlite3_value *v = sqlite3_column_value(st, col);
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: lua_pushinteger(L, sqlite3_value_int64(v)); break;
    case SQLITE_FLOAT: pushreal(L, sqlite3_value_double(v)); break;
    case SQLITE_TEXT: case SQLITE_BLOB:
      lua_pushlstring(L, (const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v));
      break;
    default: lua_pushnil(L);
  }
}

/* Raise "mutual has no field 'x' (fields: id, name, ...)". */
int mu_no_field(lua_State *L, const mu_entity *e, const char *name) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (size_t i = 0; i < e->nfields; i++) {
    if (i) luaL_addstring(&b, ", ");
    luaL_addstring(&b, e->fields[i].name);
  }
  luaL_pushresult(&b);
  const char *near = mu_closest_field(e, name);
  if (near) return luaL_error(L, "%s has no field '%s': did you mean '%s'? (fields: %s)", e->name, name, near,
                              lua_tostring(L, -1));
  return luaL_error(L, "%s has no field '%s' (fields: %s)", e->name, name, lua_tostring(L, -1));
}

/*
** Read the string keys of the table at tidx as field names of entity e,
** converting each value. Raises for a non-string key or an unknown field,
** listing the entity's fields. Returns the count; names/vals borrow from
** the table, which must stay on the stack.
*/
int mu_field_names(lua_State *L, int tidx, const mu_entity *e, const char **names, mu_value *vals,
                   size_t max) {
  size_t n = 0;
  tidx = lua_absindex(L, tidx);
  lua_pushnil(L);
  while (lua_next(L, tidx)) {
    if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "%s: field names must be strings", e->name);
    const char *k = lua_tostring(L, -2);
    if (!mu_field_find(e, k)) return mu_no_field(L, e, k);
    if (n == max) return luaL_error(L, "%s: too many fields", e->name);
    names[n] = k;
    /* Strings stay valid after the pop: the table still references them. */
    char what[128];
    snprintf(what, sizeof what, "%s.%s", e->name, k);
    vals[n] = mu_tovalue(L, -1, what);
    n++;
    lua_pop(L, 1);
  }
  return (int)n;
}

/* Pushes head, a newline and the error lines (without their final newline). */
void mu_push_errors(lua_State *L, const char *head, const char *errors) {
  size_t len = errors ? strlen(errors) : 0;
  if (len && errors[len - 1] == '\n') len--;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, head);
  if (len) {
    luaL_addchar(&b, '\n');
    luaL_addlstring(&b, errors, len);
  }
  luaL_pushresult(&b);
}
