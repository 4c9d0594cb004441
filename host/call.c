/*
** One protected call for every chunk the host runs: a message handler that
** turns any error object into text and appends a traceback, and a SIGINT
** handler that stops a running script at its next instruction instead of
** killing the process (so <close> variables and transactions still unwind).
*/
#include <signal.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "host.h"
#include "../bindings/mutuals.h"
#include "../models/model.h"

static lua_State *globalL = NULL;   /* for the signal handlers only */
static const char *volatile stop_reason;   /* "interrupted" (Ctrl-C) or "timed out" (--timeout) */

/* Hook set by host_stop: raise "interrupted!" (or "timed out!") in the running script. */
static void lstop(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "%s!", stop_reason ? stop_reason : "interrupted");
}

/*
** Stop the running script: only async-signal-safe work (set a hook, and
** interrupt SQLite so that a long import or query inside one C call stops
** too, and rolls back, instead of finishing before the hook can run).
*/
void host_stop(const char *why) {
  int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
  stop_reason = why;
  if (globalL) lua_sethook(globalL, lstop, flag, 1);
  mu_interrupt_all();
}

int host_stopped_by(const char *why) {
  return stop_reason && strcmp(stop_reason, why) == 0;
}

static void laction(int i) {
  signal(i, SIG_DFL);   /* a second Ctrl-C ends the program, as in lua.c */
  host_stop("interrupted");
}

/* Error object -> message with traceback; non-strings use __tostring if any. */
int host_msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int host_docall(lua_State *L, int narg, int nres) {
  int base = lua_gettop(L) - narg;
  lua_pushcfunction(L, host_msghandler);
  lua_insert(L, base);
  globalL = L;
  mu_interrupt_clear();
  signal(SIGINT, laction);
  int status = lua_pcall(L, narg, nres, base);
  signal(SIGINT, SIG_DFL);
  lua_remove(L, base);
  return status;
}

void host_preload(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_mutuals);
  lua_setfield(L, -2, "mutuals");
  lua_pop(L, 1);
}

/* A state for `mutuals run` and `mutuals repl`: standard libraries, and
   the module both preloaded and bound to the global `mutuals`. */
lua_State *host_newstate(void) {
  lua_State *L = luaL_newstate();
  if (!L) return NULL;
  luaL_openlibs(L);
  host_preload(L);
  luaL_requiref(L, "mutuals", luaopen_mutuals, 1);
  lua_pop(L, 1);
  return L;
}
