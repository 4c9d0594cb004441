/*
** Qualified values in Lua: a userdata "mutuals.qvalue" around the models
** layer's mu_qv. It reads like the source ("at least 58 organisations (June
** 2012; source 3)"), does arithmetic with numbers and other qualified values
** by interval rules, and refuses a comparison whose answer is not known.
** Aggregates of measures return it; mutuals.qualified() makes one.
*/
#include <math.h>
#include <string.h>
#include "bindings.h"

mu_qv *mu_checkqv(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, MU_QVALUE_MT);
}

void mu_push_qv(lua_State *L, const mu_qv *q) {
  mu_qv *u = lua_newuserdatauv(L, sizeof *u, 0);
  *u = *q;
  luaL_setmetatable(L, MU_QVALUE_MT);
}

/* A qualified value or a plain number (an exact figure without a unit) at idx. */
void mu_toqv(lua_State *L, int idx, mu_qv *out) {
  mu_qv *q = luaL_testudata(L, idx, MU_QVALUE_MT);
  if (q) {
    *out = *q;
    return;
  }
  if (lua_type(L, idx) != LUA_TNUMBER)
    luaL_error(L, "cannot do arithmetic between a qualified value and a %s", luaL_typename(L, idx));
  double v = lua_tonumber(L, idx);
  if (!isfinite(v)) luaL_error(L, "qualified arithmetic: %f is not a finite number", v);
  mu_qv_make(out, v, "exact", NULL);
  out->nterms = 0;   /* a constant is not a term of an aggregate */
  out->nknown = 0;
}

/* Pushes lo or hi: nil when unbounded. */
static void push_bound(lua_State *L, const mu_qv *q, double b) {
  if (!q->known || isinf(b)) lua_pushnil(L);
  else lua_pushnumber(L, b);
}

static int qv_tostring(lua_State *L) {
  char buf[1024];
  mu_qv_describe(mu_checkqv(L, 1), buf, sizeof buf);
  lua_pushstring(L, buf);
  return 1;
}

/*
** q:text([{unit = false}]): the figure alone, "at least 58 organisations";
** {unit = false} leaves out a plain unit (where a column already names it)
** but keeps those that are part of the number: £, % and -fold.
*/
static int qv_text(lua_State *L) {
  char buf[512];
  mu_qv q = *mu_checkqv(L, 1);
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "unit");
    if (lua_isboolean(L, -1) && !lua_toboolean(L, -1) && strcmp(q.unit, "GBP") && strcmp(q.unit, "share") &&
        strcmp(q.unit, "ratio") && strcmp(q.unit, "per_year"))
      q.unit[0] = '\0';
  }
  mu_qv_text(&q, buf, sizeof buf);
  lua_pushstring(L, buf);
  return 1;
}

/* q:contains(x): is x one of the values the figure allows? (approximations allow only their own value) */
static int qv_contains(lua_State *L) {
  mu_qv *q = mu_checkqv(L, 1);
  double x = luaL_checknumber(L, 2);
  int in = !q->known || ((x > q->lo || (x == q->lo && !q->lo_open)) && (x < q->hi || (x == q->hi && !q->hi_open)));
  lua_pushboolean(L, in);
  return 1;
}

static int qv_index(lua_State *L) {
  mu_qv *q = mu_checkqv(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (!strcmp(k, "value")) {
    double v = mu_qv_value(q);
    if (isnan(v)) lua_pushnil(L);
    else {
      lua_Integer i;
      if (lua_numbertointeger(v, &i) && (double)i == v) lua_pushinteger(L, i);
      else lua_pushnumber(L, v);
    }
  } else if (!strcmp(k, "lo")) push_bound(L, q, q->lo);
  else if (!strcmp(k, "hi")) push_bound(L, q, q->hi);
  else if (!strcmp(k, "qualifier")) lua_pushstring(L, mu_qv_qualifier(q));
  else if (!strcmp(k, "known")) lua_pushboolean(L, q->known);
  else if (!strcmp(k, "approximate")) lua_pushboolean(L, q->approx);
  else if (!strcmp(k, "unit")) { if (q->unit[0]) lua_pushstring(L, q->unit); else lua_pushnil(L); }
  else if (!strcmp(k, "as_of")) {
    if (q->date_from[0] && !strcmp(q->date_from, q->date_to) && !q->undated) lua_pushstring(L, q->date_from);
    else lua_pushnil(L);
  } else if (!strcmp(k, "date_from")) { if (q->date_from[0]) lua_pushstring(L, q->date_from); else lua_pushnil(L); }
  else if (!strcmp(k, "date_to")) { if (q->date_to[0]) lua_pushstring(L, q->date_to); else lua_pushnil(L); }
  else if (!strcmp(k, "geography")) {
    if (q->geo_mixed) lua_pushliteral(L, "several");
    else if (q->geography[0]) lua_pushstring(L, q->geography);
    else lua_pushnil(L);
  } else if (!strcmp(k, "sources")) {
    lua_createtable(L, q->nsources, 0);
    for (int i = 0; i < q->nsources; i++) {
      lua_pushinteger(L, q->sources[i]);
      lua_rawseti(L, -2, i + 1);
    }
  } else if (!strcmp(k, "n_terms")) lua_pushinteger(L, q->nterms);
  else if (!strcmp(k, "n_known")) lua_pushinteger(L, q->nknown);
  else if (!strcmp(k, "text")) lua_pushcfunction(L, qv_text);
  else if (!strcmp(k, "contains")) lua_pushcfunction(L, qv_contains);
  else return luaL_error(L, "a qualified value has no field '%s' (value, lo, hi, qualifier, known, approximate, "
                            "unit, as_of, date_from, date_to, geography, sources, n_terms, n_known, text, contains)", k);
  return 1;
}

typedef int (*qv_op)(const mu_qv *, const mu_qv *, mu_qv *, char *, size_t);

static int arith(lua_State *L, qv_op op, const char *what) {
  mu_qv a, b, r;
  char err[256];
  mu_toqv(L, 1, &a);
  mu_toqv(L, 2, &b);
  if (op(&a, &b, &r, err, sizeof err)) return luaL_error(L, "%s: %s", what, err);
  mu_push_qv(L, &r);
  return 1;
}

static int qv_add(lua_State *L) { return arith(L, mu_qv_add, "+"); }
static int qv_sub(lua_State *L) { return arith(L, mu_qv_sub, "-"); }
static int qv_mul(lua_State *L) { return arith(L, mu_qv_mul, "*"); }
static int qv_div(lua_State *L) { return arith(L, mu_qv_div, "/"); }

static int qv_unm(lua_State *L) {
  mu_qv r;
  mu_qv_neg(mu_checkqv(L, 1), &r);
  mu_push_qv(L, &r);
  return 1;
}

static int compare(lua_State *L, int strict) {
  mu_qv a, b;
  char x[512], y[512];
  mu_toqv(L, 1, &a);
  mu_toqv(L, 2, &b);
  int c = strict ? mu_qv_lt(&a, &b) : mu_qv_le(&a, &b);
  if (c < 0) {
    mu_qv_text(&a, x, sizeof x);
    mu_qv_text(&b, y, sizeof y);
    return luaL_error(L, "cannot tell whether %s is %s %s: the figures allow either answer", x,
                      strict ? "less than" : "at most", y);
  }
  lua_pushboolean(L, c);
  return 1;
}

static int qv_lt(lua_State *L) { return compare(L, 1); }
static int qv_le(lua_State *L) { return compare(L, 0); }

static int qv_eq(lua_State *L) {
  mu_qv *a = mu_checkqv(L, 1), *b = mu_checkqv(L, 2);
  lua_pushboolean(L, a->known == b->known && a->approx == b->approx &&
                     (!a->known || (a->lo == b->lo && a->hi == b->hi && a->lo_open == b->lo_open &&
                                    a->hi_open == b->hi_open)) && strcmp(a->unit, b->unit) == 0);
  return 1;
}

static int qv_concat(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  luaL_tolstring(L, 2, NULL);
  lua_concat(L, 2);
  return 1;
}

/*
** mutuals.qualified(value, [qualifier, [{unit =, as_of =, geography =, source =}]])
** -> qualified value. value nil means unknown.
*/
static int l_qualified(lua_State *L) {
  mu_qv q;
  if (luaL_testudata(L, 1, MU_QVALUE_MT)) {
    lua_settop(L, 1);
    return 1;
  }
  double v = lua_isnil(L, 1) ? NAN : luaL_checknumber(L, 1);
  const char *qualifier = luaL_optstring(L, 2, lua_isnil(L, 1) ? "unknown" : "exact");
  const char *unit = NULL;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "unit");
    unit = luaL_optstring(L, -1, NULL);
  }
  luaL_argcheck(L, isfinite(v) || lua_isnil(L, 1), 1, "a figure must be a finite number (nil for unknown)");
  if (mu_qv_make(&q, v, qualifier, unit))
    return luaL_error(L, "qualified: unknown qualifier '%s' (exact, at_least, more_than, at_most, up_to, "
                         "less_than, approximately, around, unknown)", qualifier);
  if (!lua_isnoneornil(L, 3)) {
    static const char *const keys[] = {"unit", "as_of", "geography", "source", "nonneg", NULL};
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
      int i = 0;
      while (k && keys[i] && strcmp(keys[i], k) != 0) i++;
      if (!k || !keys[i])
        return luaL_error(L, "qualified: unknown option '%s' (unit, as_of, geography, source, nonneg)",
                          k ? k : luaL_typename(L, -2));
      lua_pop(L, 1);
    }
    lua_getfield(L, 3, "as_of");
    if (!lua_isnil(L, -1)) {
      size_t n;
      const char *d = luaL_checklstring(L, -1, &n);
      if (!mu_date_valid(d, n)) return luaL_error(L, "qualified: as_of '%s' must be a date YYYY, YYYY-MM or YYYY-MM-DD", d);
      mu_qv_set_date(&q, d);
    }
    lua_getfield(L, 3, "geography");
    mu_qv_set_geography(&q, luaL_optstring(L, -1, NULL));
    lua_getfield(L, 3, "source");
    if (!lua_isnil(L, -1)) {
      lrecord *r = luaL_testudata(L, -1, MU_RECORD_MT);
      if (r) mu_qv_add_source(&q, r->id);
      else mu_qv_add_source(&q, luaL_checkinteger(L, -1));
    }
    lua_getfield(L, 3, "nonneg");
    if (lua_toboolean(L, -1)) mu_qv_set_nonneg(&q);
  }
  mu_push_qv(L, &q);
  return 1;
}

/*
** mutuals.sum(list [, {nonneg = true}]), mutuals.max(list), mutuals.min(list):
** the aggregate of an array of qualified values or numbers, by the same
** rules as a collection's: false stands for an unknown term (nil cannot
** sit in an array). With nonneg, unknown terms of a sum count as "at least 0".
*/
static int fold_list(lua_State *L, mu_fold how, const char *fn) {
  mu_qv acc, t;
  char err[256];
  luaL_checktype(L, 1, LUA_TTABLE);
  int nonneg = 0;
  if (lua_istable(L, 2)) {
    lua_getfield(L, 2, "nonneg");
    nonneg = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  mu_qv_fold_init(&acc, NULL, nonneg);
  lua_Integer n = luaL_len(L, 1);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    if (lua_isnil(L, -1) || (lua_isboolean(L, -1) && !lua_toboolean(L, -1))) {
      mu_qv_unknown(&t, NULL);
    } else {
      if (!luaL_testudata(L, -1, MU_QVALUE_MT) && lua_type(L, -1) != LUA_TNUMBER)
        return luaL_error(L, "%s: item %d is a %s, not a figure (false for unknown)", fn, (int)i, luaL_typename(L, -1));
      mu_toqv(L, -1, &t);
      t.nterms = 1;
      t.nknown = t.known;
    }
    if (nonneg) mu_qv_set_nonneg(&t);
    lua_pop(L, 1);
    if (mu_qv_fold(&acc, how, &t, err, sizeof err)) return luaL_error(L, "%s: %s", fn, err);
  }
  if (how != MU_FOLD_SUM && n == 0) mu_qv_unknown(&acc, NULL);
  mu_push_qv(L, &acc);
  return 1;
}

static int l_sum(lua_State *L) { return fold_list(L, MU_FOLD_SUM, "sum"); }
static int l_max(lua_State *L) { return fold_list(L, MU_FOLD_MAX, "max"); }
static int l_min(lua_State *L) { return fold_list(L, MU_FOLD_MIN, "min"); }

/*
** mutuals.date_span(date) -> first, last: the first and last day a date at
** any precision covers, as days since 1970-01-01 ('2010': the whole year).
*/
static int l_date_span(lua_State *L) {
  long first, last;
  const char *d = luaL_checkstring(L, 1);
  if (mu_date_span(d, &first, &last))
    return luaL_error(L, "date_span: '%s' is not a date YYYY, YYYY-MM or YYYY-MM-DD", d);
  lua_pushinteger(L, first);
  lua_pushinteger(L, last);
  return 2;
}

void mu_open_qvalue(lua_State *L) {
  static const luaL_Reg meta[] = {
    {"__index", qv_index}, {"__tostring", qv_tostring}, {"__add", qv_add}, {"__sub", qv_sub},
    {"__mul", qv_mul}, {"__div", qv_div}, {"__unm", qv_unm}, {"__lt", qv_lt}, {"__le", qv_le},
    {"__eq", qv_eq}, {"__concat", qv_concat}, {NULL, NULL},
  };
  if (luaL_newmetatable(L, MU_QVALUE_MT)) luaL_setfuncs(L, meta, 0);
  lua_pop(L, 1);
  lua_pushcfunction(L, l_qualified);
  lua_setfield(L, -2, "qualified");
  static const luaL_Reg funcs[] = {
    {"date_span", l_date_span}, {"sum", l_sum}, {"max", l_max}, {"min", l_min}, {NULL, NULL},
  };
  luaL_setfuncs(L, funcs, 0);
}
