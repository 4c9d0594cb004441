/*
** luaopen_mutuals: the one entry point that builds the module, for the
** host program and for stock lua5.4 (`require "mutuals"`) alike.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "bindings.h"
#include "mutuals.h"

#define DEFAULT_KEY "mutuals.default_store"

/* mkdir -p for the folder part of path (0700: a store is personal data). */
static int make_parents(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    int rc = mkdir(path, 0700);
    *p = '/';
    if (rc != 0 && errno != EEXIST) return -1;
  }
  return 0;
}

int mutuals_default_path(char *buf, size_t len) {
  const char *env = getenv("MUTUALS_DB");
  if (env && *env) {
    snprintf(buf, len, "%s", env);
    return 0;
  }
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  if (xdg && *xdg == '/')
    snprintf(buf, len, "%s/mutuals/store.db", xdg);
  else if (home && *home)
    snprintf(buf, len, "%s/.local/share/mutuals/store.db", home);
  else {
    snprintf(buf, len, "no default store: set MUTUALS_DB, XDG_DATA_HOME or HOME, or give --db PATH");
    return -1;
  }
  if (make_parents(buf)) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", buf);
    snprintf(buf, len, "cannot create the folder for the default store %s: %s", dir, strerror(errno));
    return -1;
  }
  return 0;
}

static int l_default_path(lua_State *L) {
  char path[4096];
  if (mutuals_default_path(path, sizeof path)) return luaL_error(L, "%s", path);
  lua_pushstring(L, path);
  return 1;
}

/* mutuals.open([path [, {readonly = bool}]]) -> store | nil, message */
static int l_open(lua_State *L) {
  char path[4096];
  int flags = 0;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "readonly");
    if (lua_toboolean(L, -1)) flags |= MU_OPEN_READONLY;
    lua_getfield(L, 2, "empty");    /* a new store gets the schema but not the bundled dataset */
    if (lua_toboolean(L, -1)) flags |= MU_OPEN_NOLOAD;
    lua_pop(L, 2);
  }
  if (lua_isnoneornil(L, 1)) {
    if (mutuals_default_path(path, sizeof path)) {
      luaL_pushfail(L);
      lua_pushstring(L, path);
      return 2;
    }
  } else {
    snprintf(path, sizeof path, "%s", luaL_checkstring(L, 1));
  }
  return mu_push_store(L, path, flags);
}

/* mutuals.store(): the shared default store, opened once. */
static int l_store(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, DEFAULT_KEY) == LUA_TUSERDATA &&
      ((lstore *)lua_touserdata(L, -1))->s)
    return 1;
  lua_settop(L, 0);
  if (l_open(L) != 1) return luaL_error(L, "%s", lua_tostring(L, -1));
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, DEFAULT_KEY);
  return 1;
}

static int l_entities(lua_State *L) {
  lua_newtable(L);
  lua_Integer n = 0;
  for (const mu_entity *const *e = mu_entities; *e; e++) {
    lua_pushstring(L, (*e)->plural);
    lua_rawseti(L, -2, ++n);
  }
  return 1;
}

/* mutuals.clock(): seconds on a monotonic clock, for timing a step (os.clock counts CPU time, os.time whole seconds). */
static int l_clock(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

int luaopen_mutuals(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"open", l_open},
    {"store", l_store},
    {"default_path", l_default_path},
    {"entities", l_entities},
    {"clock", l_clock},
    {NULL, NULL},
  };
  luaL_checkversion(L);
  mu_open_store(L);
  mu_open_record(L);
  mu_open_collection(L);
  luaL_newlib(L, funcs);
  mu_open_qvalue(L);
  mu_open_analysis(L);
  mu_open_remote(L);
  mu_open_lualib(L);
  mu_open_help(L);
  lua_pushliteral(L, MUTUALS_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushinteger(L, mu_store_schema_version());
  lua_setfield(L, -2, "schema_version");
  return 1;
}
