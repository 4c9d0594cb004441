/*
** Running scripts: `mutuals run SCRIPT [ARGS...]` and the scripts behind
** `mutuals report`. The mutuals module is loaded (as the global `mutuals`
** and through require) and `arg` is set as the stand-alone interpreter sets
** it. Errors print once, on stderr, as "script:line: message" with a
** traceback; the exit status is 1. Only the script itself writes to stdout.
*/
#include <stdio.h>
#include <stdlib.h>
#include <lauxlib.h>
#include <lualib.h>
#include "host.h"
#include "../bindings/mutuals.h"

typedef struct {
  int argc;          /* all of argv */
  char **argv;
  int script;        /* index of the script in argv */
  int nresults;      /* results of the script to keep on the stack */
} run_args;

static int protected_run(lua_State *L) {
  run_args *a = lua_touserdata(L, 1);
  lua_pop(L, 1);
  luaL_openlibs(L);
  host_preload(L);
  luaL_requiref(L, "mutuals", luaopen_mutuals, 1);
  lua_pop(L, 1);
  lua_createtable(L, a->argc - a->script - 1, a->script);
  for (int i = 0; i < a->argc; i++) {
    lua_pushstring(L, a->argv[i]);
    lua_rawseti(L, -2, i - a->script);
  }
  lua_setglobal(L, "arg");
  lua_gc(L, LUA_GCGEN, 0, 0);
  if (luaL_loadfile(L, a->argv[a->script]) != LUA_OK) return lua_error(L);
  int n = a->argc - a->script - 1;
  luaL_checkstack(L, n, "too many arguments to script");
  for (int i = 1; i <= n; i++) lua_pushstring(L, a->argv[a->script + i]);
  lua_call(L, n, a->nresults);
  return a->nresults;
}

int host_run_file(lua_State *L, int argc, char **argv, int script, int nresults) {
  run_args a = {argc, argv, script, nresults};
  lua_pushcfunction(L, protected_run);
  lua_pushlightuserdata(L, &a);
  return host_docall(L, 1, nresults);
}

int run_script(int argc, char **argv, int script) {
  lua_State *L = luaL_newstate();
  if (!L) {
    fprintf(stderr, "mutuals: not enough memory\n");
    return 1;
  }
  int status = host_run_file(L, argc, argv, script, 0);
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
    fflush(stderr);
  }
  lua_close(L);   /* runs __gc/__close: stores close, open transactions roll back */
  return status == LUA_OK ? 0 : 1;
}
