/*
** The sandbox for scripts shared between analysts (`run --sandbox`,
** `report --sandbox`), after Redis's scripting sandbox: a whitelisted
** environment, not a blacklist patched case by case.
**
**   - text chunks only: load, loadfile and dofile refuse bytecode, and
**     string.dump is gone (no bytecode to forge);
**   - no os.execute, io.popen, os.exit, package.loadlib, C modules or debug
**     library; require finds only preloaded modules and Lua files in the
**     allowed folder;
**   - files only under the allowed folder (io.open, io.lines, os.remove,
**     os.rename), checked after resolving links and "..";
**   - the string metatable cannot be reached, and collectgarbage only counts
**     and collects;
**   - stores open read-only, and db:sql may only read (no ATTACH, no VACUUM
**     INTO, no writable_schema): bindings/store.c's authorizer;
**   - no network: mutuals.fetch is gone.
** Timeouts and memory caps (limits.c) bound what is left: loops and growth.
*/
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "host.h"

/*
** allowed(path) -> true | nil, reason: is path (existing or about to be
** created) inside the allowed folder, once links and ".." are resolved?
** Upvalue 1: the allowed folder's real path.
*/
static int allowed(lua_State *L) {
  const char *dir = lua_tostring(L, lua_upvalueindex(1));
  const char *path = luaL_checkstring(L, 1);
  char real[PATH_MAX], parent[PATH_MAX];
  if (!realpath(path, real)) {
    /* A new file: its folder must exist and be inside. */
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash == parent) snprintf(parent, sizeof parent, "/");
    else if (slash) *slash = '\0';
    else snprintf(parent, sizeof parent, ".");
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || !realpath(parent, real)) {
      luaL_pushfail(L);
      lua_pushfstring(L, "%s: not inside the sandbox's folder %s", path, dir);
      return 2;
    }
    size_t n = strlen(real);
    snprintf(real + n, sizeof real - n, "/%s", base);
  }
  size_t dl = strlen(dir);
  if (strncmp(real, dir, dl) == 0 && (real[dl] == '/' || real[dl] == '\0')) {
    lua_pushboolean(L, 1);
    return 1;
  }
  luaL_pushfail(L);
  lua_pushfstring(L, "%s: not inside the sandbox's folder %s (a sandboxed script may use files only there)", path,
                  dir);
  return 2;
}

/* The sandbox, written in Lua over the originals it is given; it leaves _G whitelisted. */
static const char sandbox_lua[] =
  "local allowed, dir = ...\n"
  "local G = _G\n"
  "local load, loadfile, dofile, open, lines, remove, rename = load, loadfile, dofile, io.open, io.lines, os.remove, os.rename\n"
  "local type, error = type, error\n"
  "local function deny(name) return function() error(name .. ' is not allowed in the sandbox', 2) end end\n"
  "local function check(path)\n"
  "  local ok, why = allowed(path)\n"
  "  if not ok then error(why, 3) end\n"
  "end\n"
  "-- Text chunks only.\n"
  "G.load = function(chunk, name, mode, ...)\n"
  "  if mode ~= nil and mode ~= 't' then error('load: only text chunks in the sandbox (mode \"t\")', 2) end\n"
  "  return load(chunk, name, 't', ...)\n"
  "end\n"
  "G.loadfile = function(path, mode, env)\n"
  "  check(path)\n"
  "  if mode ~= nil and mode ~= 't' then error('loadfile: only text chunks in the sandbox', 2) end\n"
  "  return loadfile(path, 't', env)\n"
  "end\n"
  "G.dofile = function(path) check(path); local f = assert(loadfile(path, 't')); return f() end\n"
  "string.dump = deny('string.dump (bytecode)')\n"
  "G.debug = nil\n"
  "-- collectgarbage: counting and collecting only (no stopping the collector).\n"
  "local gc = collectgarbage\n"
  "G.collectgarbage = function(opt, ...)\n"
  "  if opt == nil or opt == 'collect' or opt == 'count' or opt == 'step' then return gc(opt, ...) end\n"
  "  error('collectgarbage(\"' .. tostring(opt) .. '\") is not allowed in the sandbox', 2)\n"
  "end\n"
  "-- The operating system: time and clocks, nothing that runs or leaves.\n"
  "os.execute, os.exit, os.getenv, os.setlocale, os.tmpname = deny('os.execute'), deny('os.exit'), deny('os.getenv'), deny('os.setlocale'), deny('os.tmpname')\n"
  "os.remove = function(p) check(p); return remove(p) end\n"
  "os.rename = function(a, b) check(a); check(b); return rename(a, b) end\n"
  "-- Files under the allowed folder only.\n"
  "io.popen = deny('io.popen')\n"
  "io.open = function(p, mode) check(p); return open(p, mode) end\n"
  "io.lines = function(p, ...) if p ~= nil then check(p) end; return lines(p, ...) end\n"
  "local input, output = io.input, io.output\n"
  "io.input = function(f) if type(f) == 'string' then check(f) end; return input(f) end\n"
  "io.output = function(f) if type(f) == 'string' then check(f) end; return output(f) end\n"
  "-- Modules: preloaded ones and Lua files in the allowed folder; no C.\n"
  "package.loadlib = deny('package.loadlib')\n"
  "package.cpath = ''\n"
  "package.path = dir .. '/?.lua'\n"
  "package.searchers[3], package.searchers[4] = nil, nil\n"
  "local mutuals = require 'mutuals'\n"
  "mutuals.fetch = deny('mutuals.fetch (the network)')\n"
  "local open_store = mutuals.open\n"
  "mutuals.open = function(path, opts)\n"
  "  if path ~= nil and path ~= mutuals.default_path() then\n"
  "    error('mutuals.open: a sandboxed script may open only the default store (the one --db names)', 2)\n"
  "  end\n"
  "  return open_store(nil, opts)\n"
  "end\n";

int host_sandbox(lua_State *L, const char *script, const char *allow_dir) {
  char real[PATH_MAX], scriptdir[PATH_MAX];
  if (!allow_dir) {
    snprintf(scriptdir, sizeof scriptdir, "%s", script);
    char *slash = strrchr(scriptdir, '/');
    if (slash == scriptdir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(scriptdir, sizeof scriptdir, ".");
    allow_dir = scriptdir;
  }
  if (!realpath(allow_dir, real)) {
    lua_pushfstring(L, "--sandbox: the folder %s: %s", allow_dir, strerror(errno));
    return -1;
  }
  /* Stores opened from now on are read-only (bindings/store.c reads this). */
  lua_pushboolean(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "mutuals.read_only");
  /* The string metatable: its __metatable field hides it from getmetatable(""). */
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_pushliteral(L, "the string metatable is not available in the sandbox");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  /* The report library keeps its own references to what charts need: load it first. */
  lua_getglobal(L, "require");
  lua_pushliteral(L, "mutuals.report");
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) return -1;
  if (luaL_loadbuffer(L, sandbox_lua, sizeof sandbox_lua - 1, "=sandbox") != LUA_OK) return -1;
  lua_pushstring(L, real);
  lua_pushcclosure(L, allowed, 1);
  lua_pushstring(L, real);
  return lua_pcall(L, 2, 0, 0) == LUA_OK ? 0 : -1;
}
