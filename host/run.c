/*
** Running scripts: `mutuals run SCRIPT [ARGS...]` and the scripts behind
** `mutuals report`. The mutuals module is loaded (as the global `mutuals`
** and through require) and `arg` is set as the stand-alone interpreter sets
** it; the global `db` is the default store, opened when first used, as in
** the REPL; SCRIPT "-" reads the script from standard input. Errors print
** once, on stderr, as "script:line: message" with a traceback; the exit
** status is 1. Only the script itself writes to stdout.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "host.h"
#include "../bindings/mutuals.h"

typedef struct {
  int argc;          /* all of argv */
  char **argv;
  int script;        /* index of the script in argv */
  int nresults;      /* results of the script to keep on the stack */
  const host_limits *lim;
} run_args;

/* _G's __index while a script runs: `db` is the default store, opened on first use (as in the REPL). */
static int lazy_db(lua_State *L) {
  if (lua_type(L, 2) != LUA_TSTRING || strcmp(lua_tostring(L, 2), "db") != 0) return 0;
  lua_getglobal(L, "mutuals");
  lua_getfield(L, -1, "store");
  lua_call(L, 0, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, 1, "db");   /* once opened, a plain global */
  return 1;
}

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
  lua_pushglobaltable(L);
  if (!lua_getmetatable(L, -1)) {
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, lazy_db);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pushnil(L);   /* balance the stack as if a metatable had been found */
  }
  lua_pop(L, 2);
  int sandbox = a->lim && a->lim->sandbox;
  if (sandbox && host_sandbox(L, a->argv[a->script], a->lim->allow_dir)) return lua_error(L);
  /* In the sandbox the script itself must be text, like every chunk it loads. */
  /* SCRIPT "-" is standard input, as for lua5.4 */
  const char *file = strcmp(a->argv[a->script], "-") == 0 ? NULL : a->argv[a->script];
  if (luaL_loadfilex(L, file, sandbox ? "t" : NULL) != LUA_OK) return lua_error(L);
  int n = a->argc - a->script - 1;
  luaL_checkstack(L, n, "too many arguments to script");
  for (int i = 1; i <= n; i++) lua_pushstring(L, a->argv[a->script + i]);
  lua_call(L, n, a->nresults);
  return a->nresults;
}

int host_run_file(lua_State *L, int argc, char **argv, int script, int nresults, const host_limits *lim) {
  run_args a = {argc, argv, script, nresults, lim};
  lua_pushcfunction(L, protected_run);
  lua_pushlightuserdata(L, &a);
  host_limits_arm(lim);
  int status = host_docall(L, 1, nresults);
  host_limits_disarm();
  return status;
}

/* mutuals run [--timeout S] [--max-memory MiB] [--sandbox[=DIR]] SCRIPT [ARGS...]; first: after "run". */
int run_script(int argc, char **argv, int first) {
  host_limits lim = {0, 0, 0, NULL};
  host_args a;
  int bad = host_getopt("run", argc - first, argv + first, &a);
  if (!bad && a.npos == 0) bad = snprintf(a.why, sizeof a.why, "run needs a script: mutuals run SCRIPT [ARGS...]");
  if (bad) {
    fprintf(stderr, "mutuals: %s (try 'mutuals run --help')\n", a.why);
    host_args_free(&a);
    return 2;
  }
  host_limits_from(&a, &lim);
  int script = argc - a.npos;   /* "run" stops at the script: what follows is the script's own */
  host_args_free(&a);
  lua_State *L = host_limited_state(&lim);
  if (!L) {
    fprintf(stderr, "mutuals: not enough memory\n");
    return 1;
  }
  int status = host_run_file(L, argc, argv, script, 0, &lim);
  if (status != LUA_OK) {
    char why[256];
    const char *limit = host_limits_reason(&lim, why, sizeof why);
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "%s\n", limit ? limit : msg ? msg : "(error object is not a string)");
    fflush(stderr);
  }
  lua_close(L);   /* runs __gc/__close: stores close, open transactions roll back */
  return status == LUA_OK ? 0 : 1;
}
