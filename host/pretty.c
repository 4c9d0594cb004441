/*
** The REPL's rendering of values: tables as { key = value } with array
** items first and the other keys sorted, nested tables indented once the
** line grows long, depth-limited and safe against cycles; records of the
** mutuals module as their tostring followed by their fields; collections,
** query results and lists of records as aligned tables (mutuals.show).
** Everything is built as Lua strings on the stack, so an error raised by a
** __pairs or __tostring metamethod unwinds without leaking.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <lauxlib.h>
#include "host.h"

#define MAX_DEPTH 4
#define MAX_ITEMS 60
#define WIDTH 78
#define MAX_STRING 2000   /* longer strings are cut, with their length said */

static void render(lua_State *L, int idx, int depth, int indent, int seen);

static int is_identifier(const char *s, size_t len) {
  static const char *const reserved[] = {"and", "break", "do", "else", "elseif", "end", "false", "for",
                                         "function", "goto", "if", "in", "local", "nil", "not", "or",
                                         "repeat", "return", "then", "true", "until", "while", NULL};
  if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
  for (size_t i = 1; i < len; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return 0;
  for (const char *const *r = reserved; *r; r++)
    if (strcmp(*r, s) == 0) return 0;
  return 1;
}

/* A string as a Lua literal. */
static void quote(lua_State *L, int idx) {
  size_t len;
  const char *s = lua_tolstring(L, idx, &len);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addchar(&b, '"');
  size_t shown = len > MAX_STRING ? MAX_STRING : len;
  for (size_t i = 0; i < shown; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      luaL_addchar(&b, '\\');
      luaL_addchar(&b, (char)c);
    } else if (c == '\n') {
      luaL_addstring(&b, "\\n");
    } else if (c < 32 || c == 127) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\%d", c);
      luaL_addstring(&b, esc);
    } else {
      luaL_addchar(&b, (char)c);
    }
  }
  luaL_addchar(&b, '"');
  if (shown < len) {
    char more[64];
    snprintf(more, sizeof more, "... (%zu bytes in all)", len);
    luaL_addstring(&b, more);
  }
  luaL_pushresult(&b);
}

/* Join the strings of the array at list into one or several lines. */
static void join(lua_State *L, int list, const char *head, int indent) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, list);
  size_t total = strlen(head) + 4;
  int multiline = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    size_t len;
    lua_rawgeti(L, list, i);
    const char *s = lua_tolstring(L, -1, &len);
    total += len + 2;
    if (memchr(s, '\n', len)) multiline = 1;
    lua_pop(L, 1);
  }
  if (total + (size_t)indent > WIDTH) multiline = 1;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, head);
  if (n == 0) {
    luaL_addstring(&b, "{}");
  } else if (!multiline) {
    luaL_addstring(&b, "{ ");
    for (lua_Integer i = 1; i <= n; i++) {
      if (i > 1) luaL_addstring(&b, ", ");
      lua_rawgeti(L, list, i);
      luaL_addvalue(&b);
    }
    luaL_addstring(&b, " }");
  } else {
    luaL_addstring(&b, "{\n");
    for (lua_Integer i = 1; i <= n; i++) {
      for (int k = 0; k < indent + 2; k++) luaL_addchar(&b, ' ');
      lua_rawgeti(L, list, i);
      luaL_addvalue(&b);
      luaL_addstring(&b, ",\n");
    }
    for (int k = 0; k < indent; k++) luaL_addchar(&b, ' ');
    luaL_addchar(&b, '}');
  }
  luaL_pushresult(&b);
}

/* Append "key = value" for the pair (key at -2, value at -1) to list. */
static void add_pair(lua_State *L, int list, int depth, int indent, int seen) {
  int k = lua_absindex(L, -2), v = lua_absindex(L, -1);
  size_t len;
  const char *ks = lua_type(L, k) == LUA_TSTRING ? lua_tolstring(L, k, &len) : NULL;
  if (ks && is_identifier(ks, len)) {
    lua_pushvalue(L, k);
  } else {
    lua_pushliteral(L, "[");
    render(L, k, depth + 1, indent + 2, seen);
    lua_pushliteral(L, "]");
    lua_concat(L, 3);
  }
  lua_pushliteral(L, " = ");
  render(L, v, depth + 1, indent + 2, seen);
  lua_concat(L, 3);
  lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
}

/* Sort the strings of list in place with table.sort. */
static void sort_list(lua_State *L, int list, lua_Integer from) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, list);
  if (n - from < 1) return;
  lua_newtable(L);
  for (lua_Integer i = from; i <= n; i++) {
    lua_rawgeti(L, list, i);
    lua_rawseti(L, -2, i - from + 1);
  }
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "sort");
  lua_remove(L, -2);
  if (lua_isfunction(L, -1)) {
    lua_pushvalue(L, -2);
    lua_call(L, 1, 0);
  } else {
    lua_pop(L, 1);
  }
  for (lua_Integer i = from; i <= n; i++) {
    lua_rawgeti(L, -1, i - from + 1);
    lua_rawseti(L, list, i);
  }
  lua_pop(L, 1);
}

static void render_table(lua_State *L, int idx, int depth, int indent, int seen, const char *head) {
  lua_newtable(L);
  int list = lua_gettop(L);
  lua_Integer count = 0, more = 0, n = 0;
  /* The array part, while it is consecutive. */
  while (lua_rawgeti(L, idx, n + 1) != LUA_TNIL) {
    n++;
    if (count++ < MAX_ITEMS) {
      render(L, lua_gettop(L), depth + 1, indent + 2, seen);
      lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
    } else {
      more++;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_Integer first_keyed = (lua_Integer)lua_rawlen(L, list) + 1;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 && lua_tointeger(L, -2) <= n) {
      lua_pop(L, 1);
      continue;
    }
    if (count++ < MAX_ITEMS)
      add_pair(L, list, depth, indent, seen);
    else
      more++;
    lua_pop(L, 1);
  }
  sort_list(L, list, first_keyed);
  if (more) {
    lua_pushfstring(L, "... (%I more)", more);
    lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
  }
  join(L, list, head, indent);
  lua_remove(L, list);
}

/* The title of the source of the record at 1 (protected: any error leaves nothing). */
static int source_title(lua_State *L) {
  if (lua_getfield(L, 1, "source") == LUA_TNIL) return 0;
  lua_getfield(L, -1, "title");
  return 1;
}

/* A value with __pairs (records): its tostring, then its fields in order;
   source_id = 3 is followed by the source's title, which says more than 3. */
static void render_pairs(lua_State *L, int idx, int depth, int indent, int seen) {
  luaL_tolstring(L, idx, NULL);
  lua_pushliteral(L, " ");
  lua_concat(L, 2);
  lua_newtable(L);
  int list = lua_gettop(L);
  lua_getglobal(L, "pairs");
  lua_pushvalue(L, idx);
  lua_call(L, 1, 3);
  for (;;) {
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -3);
    lua_call(L, 2, 2);
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2);
      break;
    }
    lua_pushvalue(L, -2);
    lua_replace(L, -4);   /* new control value */
    add_pair(L, list, depth, indent, seen);
    if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "source_id") == 0) {
      lua_pushcfunction(L, source_title);
      lua_pushvalue(L, idx);
      if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
        lua_rawgeti(L, list, (lua_Integer)lua_rawlen(L, list));
        lua_pushliteral(L, " --[[ ");
        lua_pushvalue(L, -3);
        lua_pushliteral(L, " ]]");
        lua_concat(L, 4);
        lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list));
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 3);
  join(L, list, lua_tostring(L, list - 1), indent);
  lua_replace(L, list - 1);
  lua_settop(L, list - 1);
}

static void render(lua_State *L, int idx, int depth, int indent, int seen) {
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 20, "value too deeply nested");
  switch (lua_type(L, idx)) {
    case LUA_TSTRING:
      quote(L, idx);
      return;
    case LUA_TTABLE:
    case LUA_TUSERDATA: {
      int has_pairs = luaL_getmetafield(L, idx, "__pairs") != LUA_TNIL;
      if (has_pairs) lua_pop(L, 1);
      int has_tostring = luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL;
      if (has_tostring) lua_pop(L, 1);
      if (has_pairs && lua_type(L, idx) == LUA_TUSERDATA && depth < MAX_DEPTH) {
        render_pairs(L, idx, depth, indent, seen);
        return;
      }
      if (lua_type(L, idx) == LUA_TUSERDATA || has_tostring) {
        luaL_tolstring(L, idx, NULL);
        return;
      }
      if (depth >= MAX_DEPTH) {
        lua_pushliteral(L, "{...}");
        return;
      }
      lua_pushvalue(L, idx);
      if (lua_rawget(L, seen) != LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushfstring(L, "<cycle: %p>", lua_topointer(L, idx));
        return;
      }
      lua_pop(L, 1);
      lua_pushvalue(L, idx);
      lua_pushboolean(L, 1);
      lua_rawset(L, seen);
      render_table(L, idx, depth, indent, seen, "");
      lua_pushvalue(L, idx);
      lua_pushnil(L);
      lua_rawset(L, seen);
      return;
    }
    default:
      luaL_tolstring(L, idx, NULL);
  }
}

/* Is the value at idx shown as a table: a collection, db:sql's rows, or a list of records? */
static int tabular(lua_State *L, int idx) {
  int yes = 0;
  if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) {
    const char *name = lua_tostring(L, -1);
    yes = strcmp(name, "mutuals.collection") == 0 || strcmp(name, "mutuals.rows") == 0;
    lua_pop(L, 1);
  }
  if (!yes && lua_type(L, idx) == LUA_TTABLE && lua_rawgeti(L, idx, 1) != LUA_TNIL) {
    if (luaL_getmetafield(L, -1, "__name") == LUA_TSTRING) {
      yes = strcmp(lua_tostring(L, -1), "mutuals.record") == 0;
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  } else if (!yes && lua_type(L, idx) == LUA_TTABLE) {
    lua_pop(L, 1);
  }
  return yes;
}

static int call_show(lua_State *L) {   /* (value, width) -> mutuals.show(value, {width = width}) */
  lua_getglobal(L, "mutuals");
  lua_getfield(L, -1, "show");
  lua_pushvalue(L, 1);
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, 2);
  lua_setfield(L, -2, "width");
  lua_call(L, 2, 1);
  return 1;
}

/* The terminal's width, else $COLUMNS, else 100. */
static int screen_width(void) {
  struct winsize ws;
  if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  const char *c = getenv("COLUMNS");
  int n = c ? atoi(c) : 0;
  return n >= 20 ? n : 100;
}

void pretty_push(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  /* Collections, query results and lists of records as an aligned table (mutuals.show); records and
     everything else below. A failure there (a broken store) falls back to the plain rendering. */
  if (tabular(L, idx)) {
    lua_pushcfunction(L, call_show);
    lua_pushvalue(L, idx);
    lua_pushinteger(L, screen_width());
    if (lua_pcall(L, 2, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) return;
    lua_pop(L, 1);
  }
  lua_newtable(L);
  int seen = lua_gettop(L);
  render(L, idx, 0, 0, seen);
  lua_remove(L, seen);
}
