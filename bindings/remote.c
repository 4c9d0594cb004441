/*
** mutuals.fetch and db:sync: remote data for scripts. Both return nil and a
** message when the network or the server fails (an ordinary outcome for a
** scheduled script to test), and raise for misuse.
*/
#include <stdlib.h>
#include <string.h>
#include "bindings.h"

/* Fetch options from the table at idx (seconds are given as numbers). */
static void fetch_opts(lua_State *L, int idx, mu_fetch_opts *o) {
  mu_fetch_defaults(o);
  if (!lua_istable(L, idx)) return;
  static const struct { const char *key; double scale; int kind; } keys[] = {
    {"timeout", 1000, 0}, {"connect_timeout", 1000, 1}, {"max_bytes", 1, 2}, {"max_redirects", 1, 3},
    {"retries", 1, 4}, {"backoff", 1000, 5}, {"max_retry_time", 1000, 6}, {"low_speed_time", 1, 7},
  };
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (lua_getfield(L, idx, keys[i].key) != LUA_TNIL) {
      double v = luaL_checknumber(L, -1) * keys[i].scale;
      if (v < 0) luaL_error(L, "fetch: option '%s' must be 0 or more", keys[i].key);
      switch (keys[i].kind) {
        case 0: o->timeout_ms = (long)v; break;
        case 1: o->connect_timeout_ms = (long)v; break;
        case 2: o->max_bytes = (long long)v; break;
        case 3: o->max_redirects = (int)v; break;
        case 4: o->retries = (int)v; break;
        case 5: o->backoff_ms = (long)v; break;
        case 6: o->max_retry_ms = (long)v; break;
        case 7: o->low_speed_time = (long)v; break;
      }
    }
    lua_pop(L, 1);
  }
  if (lua_getfield(L, idx, "progress") != LUA_TNIL) o->progress = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "ca_file") != LUA_TNIL) o->ca_file = luaL_checkstring(L, -1);
  lua_pop(L, 1);   /* the string stays referenced by the options table */
}

typedef struct {
  char *data;
  size_t len;
} body_buf;

static int collect(FILE *fp, void *ctx, char *err, size_t errlen) {
  body_buf *b = ctx;
  char chunk[16384];
  size_t n;
  (void)err;
  (void)errlen;
  b->len = 0;   /* a retry starts again */
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
    char *grown = realloc(b->data, b->len + n);
    if (!grown) return -1;
    b->data = grown;
    memcpy(b->data + b->len, chunk, n);
    b->len += n;
  }
  return 0;   /* a transport error shows through mu_fetch's own result */
}

static void setstr(lua_State *L, const char *k, const char *v) {
  if (!v) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* mutuals.fetch(url [, opts]) -> {status, body, headers, sha256, bytes, attempts, url} | nil, message */
static int l_fetch(lua_State *L) {
  const char *url = luaL_checkstring(L, 1);
  mu_fetch_opts o;
  mu_fetch_result r;
  char err[2048];
  body_buf b = {NULL, 0};
  fetch_opts(L, 2, &o);
  if (lua_istable(L, 2)) {
    if (lua_getfield(L, 2, "etag") != LUA_TNIL) o.etag = luaL_checkstring(L, -1);
    if (lua_getfield(L, 2, "last_modified") != LUA_TNIL) o.last_modified = luaL_checkstring(L, -1);
    lua_pop(L, 2);
  }
  int rc = mu_fetch(url, &o, collect, &b, &r, err, sizeof err);
  if (rc) {
    free(b.data);
    mu_fetch_result_free(&r);
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, r.status);
  lua_setfield(L, -2, "status");
  lua_pushlstring(L, b.data ? b.data : "", b.len);
  lua_setfield(L, -2, "body");
  free(b.data);
  lua_pushboolean(L, r.not_modified);
  lua_setfield(L, -2, "not_modified");
  lua_pushinteger(L, r.bytes);
  lua_setfield(L, -2, "bytes");
  lua_pushinteger(L, r.attempts);
  lua_setfield(L, -2, "attempts");
  setstr(L, "sha256", r.not_modified ? NULL : r.sha256);
  setstr(L, "url", r.effective_url[0] ? r.effective_url : url);
  lua_createtable(L, 0, 3);
  setstr(L, "etag", r.etag);
  setstr(L, "last_modified", r.last_modified);
  setstr(L, "content_type", r.content_type);
  lua_setfield(L, -2, "headers");
  mu_fetch_result_free(&r);
  return 1;
}

/* db:sync(kind, url [, opts]) -> {rows, not_modified, offline, attempts, fetched_at, source} | nil, message */
int mu_l_sync(lua_State *L) {
  mu_store *s = mu_checkopen(L, 1);
  const char *kind = luaL_checkstring(L, 2);
  const char *url = luaL_checkstring(L, 3);
  const mu_entity *e = mu_entity_find(kind);
  mu_fetch_opts o;
  int offline = 0;
  char err[2048];
  if (!e) return luaL_error(L, "sync: unknown kind '%s'", kind);
  fetch_opts(L, 4, &o);
  mu_format fmt = mu_checkformat(L, 4, url);
  if (lua_istable(L, 4)) {
    lua_getfield(L, 4, "offline");
    offline = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  mu_sync_result r;
  if (mu_sync(s, e, url, fmt, &o, offline, &r, err, sizeof err)) {
    luaL_pushfail(L);
    mu_push_errors(L, err, r.errors);
    free(r.errors);
    return 2;
  }
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, r.rows);
  lua_setfield(L, -2, "rows");
  lua_pushboolean(L, r.not_modified);
  lua_setfield(L, -2, "not_modified");
  lua_pushboolean(L, r.offline);
  lua_setfield(L, -2, "offline");
  lua_pushinteger(L, r.attempts);
  lua_setfield(L, -2, "attempts");
  setstr(L, "fetched_at", r.fetched_at[0] ? r.fetched_at : NULL);
  mu_record_get_by_id(L, 1, mu_entity_find("source"), r.source_id);
  lua_setfield(L, -2, "source");
  return 1;
}

void mu_open_remote(lua_State *L) {
  lua_pushcfunction(L, l_fetch);
  lua_setfield(L, -2, "fetch");
}
