/*
** Tab completion for the REPL. The word before the cursor is split at its
** last '.' or ':'; the part before is looked up as a path of names from the
** globals (no calls are made), and the candidates are that value's keys,
** its metatable's __index table and, for mutuals objects, the names their
** metatable's __members lists: fields, relations and methods, read from the
** same descriptions the objects use.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <readline/readline.h>
#include <lauxlib.h>
#include "host.h"

static lua_State *CL;   /* the REPL's state: readline callbacks carry no context */

/* Add the string keys of the table at idx that start with prefix to the set at set. */
static void add_keys(lua_State *L, int idx, const char *prefix, int set) {
  size_t plen = strlen(prefix);
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING && strncmp(lua_tostring(L, -1), prefix, plen) == 0) {
      lua_pushvalue(L, -1);
      lua_pushboolean(L, 1);
      lua_rawset(L, set);
    }
  }
}

/* Add the strings of the list at the top that start with prefix to the set at set; pops the list. */
static void add_list(lua_State *L, const char *prefix, int set) {
  int list = lua_gettop(L);
  for (lua_Integer i = 1; lua_rawgeti(L, list, i) == LUA_TSTRING; i++) {
    if (strncmp(lua_tostring(L, -1), prefix, strlen(prefix)) == 0) {
      lua_pushboolean(L, 1);
      lua_rawset(L, set);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_settop(L, list - 1);
}

/* Candidates for members of the value at idx. */
static void add_members(lua_State *L, int idx, const char *prefix, int set) {
  idx = lua_absindex(L, idx);
  if (lua_istable(L, idx)) add_keys(L, idx, prefix, set);
  if (!lua_getmetatable(L, idx)) return;
  int mt = lua_gettop(L);
  if (lua_getfield(L, mt, "__members") == LUA_TFUNCTION) {
    lua_pushvalue(L, idx);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1)) add_list(L, prefix, set);
    else lua_pop(L, 1);
  } else {
    lua_pop(L, 1);
  }
  if (lua_getfield(L, mt, "__index") == LUA_TTABLE) add_keys(L, -1, prefix, set);
  lua_pop(L, 1);
  if (lua_getfield(L, mt, "methods") == LUA_TTABLE) add_keys(L, -1, prefix, set);
  lua_settop(L, mt - 1);
}

/* Walk "a.b.c" from the globals, in protected mode (metamethods may raise). */
static int walk(lua_State *L) {
  const char *path = lua_tostring(L, 1);
  lua_pushglobaltable(L);
  while (*path) {
    const char *end = path + strcspn(path, ".:");
    lua_pushlstring(L, path, (size_t)(end - path));
    lua_gettable(L, -2);
    lua_remove(L, -2);
    if (lua_isnil(L, -1)) return 1;
    path = *end ? end + 1 : end;
  }
  return 1;
}

static char **matches = NULL;
static int nmatches = 0, next_match = 0;

static void clear_matches(void) {
  for (int i = next_match; i < nmatches; i++) free(matches[i]);
  free(matches);
  matches = NULL;
  nmatches = next_match = 0;
}

/*
** Inside `PATH:where{` (or insert, update, or a later `, ` of the same
** table): the members of PATH, its fields above all, rather than globals.
** The line before the word is read back to the innermost open '{'.
*/
static int table_keys_of(lua_State *L, const char *prefix, int set) {
  int word = rl_point - (int)strlen(prefix), depth = 0, i = word - 1, item = word;
  for (; i >= 0; i--) {
    char c = rl_line_buffer[i];
    if (c == '}') depth++;
    else if (c == '{' && depth-- == 0) break;
    else if (c == ',' && depth == 0 && item == word) item = i;   /* where this key/value pair starts */
  }
  if (i < 0) return 0;
  for (int j = (item == word ? i : item) + 1; j < word; j++)
    if (rl_line_buffer[j] == '=') return 0;   /* a value is being typed, not a key */
  static const char *const methods[] = {"where", "insert", "update", NULL};
  int end = i;   /* before '{': METHOD, then ':' or '.', then PATH */
  for (const char *const *m = methods; *m; m++) {
    int n = (int)strlen(*m);
    if (end - n - 1 < 0 || strncmp(rl_line_buffer + end - n, *m, (size_t)n) != 0) continue;
    char sepc = rl_line_buffer[end - n - 1];
    if (sepc != ':' && sepc != '.') continue;
    int stop = end - n - 1, start = stop;
    while (start > 0 && (isalnum((unsigned char)rl_line_buffer[start - 1]) || rl_line_buffer[start - 1] == '_' ||
                         rl_line_buffer[start - 1] == '.' || rl_line_buffer[start - 1] == ':'))
      start--;
    if (start == stop) return 0;
    lua_pushcfunction(L, walk);
    lua_pushlstring(L, rl_line_buffer + start, (size_t)(stop - start));
    if (lua_pcall(L, 1, 1, 0) == LUA_OK && !lua_isnil(L, -1)) {
      lua_getfield(L, -1, "fields");   /* a collection's own field list, when it has one */
      if (lua_isfunction(L, -1)) {
        lua_pushvalue(L, -2);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1)) add_list(L, prefix, set);
        else lua_pop(L, 1);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
    return 1;
  }
  return 0;
}

/* Compute every completion of text into matches (with the base prefixed). */
static void compute(const char *text) {
  lua_State *L = CL;
  int top = lua_gettop(L);
  const char *sep = strrchr(text, '.'), *colon = strrchr(text, ':');
  if (colon && (!sep || colon > sep)) sep = colon;
  lua_newtable(L);
  int set = lua_gettop(L);
  const char *prefix = sep ? sep + 1 : text;
  if (sep == text) {
    /* "f():" or "(x).": the value is a call's or an expression's, which completion must not run */
  } else if (!sep && table_keys_of(L, prefix, set)) {
    /* inside where{...} or insert{...}: the collection's fields */
  } else if (sep) {
    lua_pushcfunction(L, walk);
    lua_pushlstring(L, text, (size_t)(sep - text));
    if (lua_pcall(L, 1, 1, 0) == LUA_OK && !lua_isnil(L, -1)) add_members(L, -1, prefix, set);
    lua_pop(L, 1);
  } else {
    lua_pushglobaltable(L);
    add_keys(L, -1, prefix, set);
    lua_pop(L, 1);
    static const char *const keywords[] = {"and", "break", "do", "else", "elseif", "end", "false",
      "for", "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return",
      "then", "true", "until", "while", NULL};
    for (const char *const *k = keywords; *k; k++)
      if (strncmp(*k, prefix, strlen(prefix)) == 0) {
        lua_pushstring(L, *k);
        lua_pushboolean(L, 1);
        lua_rawset(L, set);
      }
  }
  size_t baselen = (size_t)(prefix - text);
  lua_pushnil(L);
  while (lua_next(L, set)) {
    lua_pop(L, 1);
    size_t klen;
    const char *k = lua_tolstring(L, -1, &klen);
    char **grown = realloc(matches, (size_t)(nmatches + 1) * sizeof *matches);
    char *m = malloc(baselen + klen + 1);
    if (!grown || !m) {
      free(m);
      if (grown) matches = grown;
      break;
    }
    matches = grown;
    memcpy(m, text, baselen);
    memcpy(m + baselen, k, klen + 1);
    matches[nmatches++] = m;
  }
  lua_settop(L, top);
}

static char *generator(const char *text, int state) {
  if (state == 0) {
    clear_matches();
    compute(text);
  }
  if (next_match < nmatches) return matches[next_match++];   /* readline frees it */
  return NULL;
}

static char **attempt(const char *text, int start, int end) {
  (void)start;
  (void)end;
  rl_completion_append_character = '\0';
  rl_attempted_completion_over = 1;   /* no file names in Lua: nothing is better than a wrong guess */
  return rl_completion_matches(text, generator);
}

void complete_install(lua_State *L) {
  CL = L;
  rl_attempted_completion_function = attempt;
  rl_completer_word_break_characters = " \t\n\"\\'`@$><=;|&{}()[],+-*/%^#~";
}
