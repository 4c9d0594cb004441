/*
** The parts of the module written in Lua (report.lua, show.lua), shipped inside the
** C module so that the host and stock lua5.4 load the same code, and small
** helpers they need from maintained C libraries (base64 from OpenSSL).
*/
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "bindings.h"
#include "mutuals.h"
#include "../models/embed.h"

MU_EMBED(mu_lua_report, "bindings/report.lua");
extern const char mu_lua_report[];
MU_EMBED(mu_lua_show, "bindings/show.lua");
extern const char mu_lua_show[];

/* mutuals.show(x [, opts]) and collection:table([opts]): show.lua's function, loaded once per state. */
int mu_show(lua_State *L) {
  static const char key = 0;   /* its address names the function in the registry */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, mu_lua_show, strlen(mu_lua_show), "=mutuals/show.lua") != LUA_OK) return lua_error(L);
    lua_call(L, 0, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &key);
  }
  lua_insert(L, 1);
  lua_settop(L, 3);
  lua_call(L, 2, 1);
  return 1;
}

/* require "mutuals.report" */
int luaopen_mutuals_report(lua_State *L) {
  if (luaL_loadbuffer(L, mu_lua_report, strlen(mu_lua_report), "=mutuals/report.lua") != LUA_OK)
    return lua_error(L);
  lua_pushliteral(L, "mutuals.report");
  lua_call(L, 1, 1);
  return 1;
}

/* mutuals.base64(bytes) -> text */
static int l_base64(lua_State *L) {
  size_t len;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  luaL_Buffer b;
  unsigned char *out = (unsigned char *)luaL_buffinitsize(L, &b, 4 * ((len + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out, s, (int)len);
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

void mu_open_lualib(lua_State *L) {
  lua_pushcfunction(L, l_base64);
  lua_setfield(L, -2, "base64");
  lua_pushcfunction(L, mu_show);
  lua_setfield(L, -2, "show");
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_mutuals_report);
  lua_setfield(L, -2, "mutuals.report");
  lua_pop(L, 1);
}
