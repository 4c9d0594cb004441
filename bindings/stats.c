/*
** The statistics analysts quote, as module functions: the Wilson score
** interval and the two-proportion z-test. Every argument is checked against
** the rules of the statistic (a share in [0, 1], a whole positive number of
** respondents, a count no larger than its base), and a count is preferred
** to a share where both could be given, as a share may be rounded.
*/
#include <math.h>
#include <string.h>
#include "bindings.h"

#define Z95 1.959963984540054

static void setnum(lua_State *L, const char *k, double v) {
  if (isnan(v)) return;            /* unknown stays absent */
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

/* Pushes {share_a, n_a, share_b, n_b, diff, z, p} for two shares with their bases (already checked). */
void mu_push_test(lua_State *L, double p1, double n1, double p2, double n2) {
  double pv;
  double z = mu_two_prop(p1, n1, p2, n2, &pv);
  if (isnan(z) && p1 == p2) {   /* both 0 or both 1: no spread, no difference */
    z = 0;
    pv = 1;
  }
  lua_createtable(L, 0, 8);
  setnum(L, "share_a", p1);
  setnum(L, "n_a", n1);
  setnum(L, "share_b", p2);
  setnum(L, "n_b", n2);
  setnum(L, "diff", p1 - p2);
  setnum(L, "z", z);
  setnum(L, "p", pv);
}

/* A number field k of the table at t, or NAN when absent; raises for a non-number. */
static double numfield(lua_State *L, int t, const char *k, const char *fn) {
  double v = NAN;
  int type = lua_getfield(L, t, k);
  if (type == LUA_TNUMBER) v = lua_tonumber(L, -1);
  else if (type != LUA_TNIL) luaL_error(L, "%s: %s must be a number, not a %s", fn, k, luaL_typename(L, -1));
  lua_pop(L, 1);
  return v;
}

/* Every key of the options table at t must be one of keys. */
void mu_check_keys(lua_State *L, int t, const char *const *keys, const char *fn) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    int i = 0;
    while (k && keys[i] && strcmp(keys[i], k) != 0) i++;
    if (!k || !keys[i]) {
      const char *near = k ? mu_closest(k, keys, (size_t)-1) : NULL;
      luaL_error(L, "%s: unknown option '%s'%s%s%s", fn, k ? k : luaL_typename(L, -2), near ? " (did you mean '" : "",
                 near ? near : "", near ? "'?)" : "");
    }
    lua_pop(L, 1);
  }
}

/*
** One share and its base from positional arguments (share, n) at idx, or from
** the fields count/share and n of a table: the count is preferred, as a share
** may have been rounded. Raises with the rule an argument breaks.
*/
static void share_and_n(lua_State *L, int t, const char *count_k, const char *share_k, const char *n_k,
                        const char *fn, double *p, double *n) {
  char why[200];
  *n = numfield(L, t, n_k, fn);
  double x = numfield(L, t, count_k, fn), share = numfield(L, t, share_k, fn);
  if (isnan(*n)) luaL_error(L, "%s: give %s, the number of respondents", fn, n_k);
  if (mu_check_n(*n, n_k, why, sizeof why)) luaL_error(L, "%s: %s", fn, why);
  if (!isnan(x)) {
    if (mu_check_count(x, *n, count_k, why, sizeof why)) luaL_error(L, "%s: %s", fn, why);
    *p = x / *n;
  } else if (!isnan(share)) {
    if (mu_check_share(share, share_k, why, sizeof why)) luaL_error(L, "%s: %s", fn, why);
    *p = share;
  } else {
    luaL_error(L, "%s: give %s (answers) or %s, and %s", fn, count_k, share_k, n_k);
  }
}

static void check_positional(lua_State *L, int idx, const char *fn, double *p, double *n) {
  char why[200];
  *p = luaL_checknumber(L, idx);
  *n = luaL_checknumber(L, idx + 1);
  if (mu_check_share(*p, "the share", why, sizeof why) || mu_check_n(*n, "n", why, sizeof why))
    luaL_error(L, "%s: %s", fn, why);
}

/*
** mutuals.two_prop(p1, n1, p2, n2) | mutuals.two_prop{count_a =, n_a =, count_b =, n_b =}
** (share_a/share_b instead of counts): the pooled two-proportion z-test.
*/
static int l_two_prop(lua_State *L) {
  double p1, n1, p2, n2;
  if (lua_istable(L, 1)) {
    static const char *const keys[] = {"count_a", "share_a", "n_a", "count_b", "share_b", "n_b", NULL};
    mu_check_keys(L, 1, keys, "two_prop");
    share_and_n(L, 1, "count_a", "share_a", "n_a", "two_prop", &p1, &n1);
    share_and_n(L, 1, "count_b", "share_b", "n_b", "two_prop", &p2, &n2);
  } else {
    check_positional(L, 1, "two_prop", &p1, &n1);
    check_positional(L, 3, "two_prop", &p2, &n2);
  }
  mu_push_test(L, p1, n1, p2, n2);
  return 1;
}

/* mutuals.wilson(share, n [, z]) | mutuals.wilson{count =, n = [, z =]} ({share =} for a share) -> lo, hi */
static int l_wilson(lua_State *L) {
  double p, n, z;
  char why[200];
  if (lua_istable(L, 1)) {
    static const char *const keys[] = {"count", "share", "n", "z", NULL};
    mu_check_keys(L, 1, keys, "wilson");
    share_and_n(L, 1, "count", "share", "n", "wilson", &p, &n);
    z = numfield(L, 1, "z", "wilson");
    if (isnan(z)) z = Z95;
  } else {
    check_positional(L, 1, "wilson", &p, &n);
    z = luaL_optnumber(L, 3, Z95);
  }
  if (mu_check_z(z, why, sizeof why)) return luaL_error(L, "wilson: %s", why);
  mu_interval iv = mu_wilson(p, n, z);
  lua_pushnumber(L, iv.lo);
  lua_pushnumber(L, iv.hi);
  return 2;
}

void mu_open_stats(lua_State *L) {
  static const luaL_Reg funcs[] = {{"wilson", l_wilson}, {"two_prop", l_two_prop}, {NULL, NULL}};
  luaL_setfuncs(L, funcs, 0);
}
