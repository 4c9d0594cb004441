/*
** `mutuals import --transform SCRIPT`: the script returns the function each
** record goes through (a row's table -> its fields, or nil to leave the row
** out), run in a Lua state of its own with the mutuals module; the bindings'
** mutuals_transform_call runs it, protected, inside the import.
*/
#include <stdio.h>
#include <lauxlib.h>
#include "host.h"

int host_transform_load(const char *script, mutuals_transform *tf) {
  lua_State *L = host_newstate();
  tf->L = NULL;
  if (!L) {
    fprintf(stderr, "mutuals: not enough memory\n");
    return 1;
  }
  if (luaL_loadfile(L, script) != LUA_OK || host_docall(L, 0, 1) != LUA_OK) {
    fprintf(stderr, "mutuals: import: --transform %s\n", lua_tostring(L, -1) ? lua_tostring(L, -1) : "failed");
    lua_close(L);
    return 1;
  }
  if (!lua_isfunction(L, -1)) {
    fprintf(stderr, "mutuals: import: --transform %s must return a function (a row's table -> its fields, or nil "
                    "to leave the row out), not %s\n", script, luaL_typename(L, -1));
    lua_close(L);
    return 1;
  }
  tf->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  tf->L = L;
  return 0;
}

void host_transform_free(mutuals_transform *tf) {
  if (tf->L) lua_close(tf->L);
  tf->L = NULL;
}
