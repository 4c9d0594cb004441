/* The public face of the bindings: the Lua module, for the host and for stock lua5.4. */
#ifndef MUTUALS_H
#define MUTUALS_H

#include <lua.h>

#define MUTUALS_VERSION "0.1.0"

int luaopen_mutuals(lua_State *L);
int luaopen_mutuals_report(lua_State *L);   /* require "mutuals.report" */

/*
** The store path used when none is given: $MUTUALS_DB, else
** ${XDG_DATA_HOME:-~/.local/share}/mutuals/store.db (its folder is created).
** Writes into buf; returns 0, or -1 with a message in buf.
*/
int mutuals_default_path(char *buf, size_t len);

/*
** An import's transform as a Lua function (transform.c): the function is kept in the registry under ref;
** mutuals_transform_call is the mu_import_opts.transform that runs it, protected, on each record.
*/
typedef struct {
  lua_State *L;
  int ref;
} mutuals_transform;
struct json_t;
int mutuals_transform_call(void *ctx, struct json_t *in, struct json_t **out, char *why, size_t whylen);

#endif
