/*
** Analysis methods: survey shares with Wilson intervals, weighted
** cross-tabulations of microdata, the test of a difference between two
** groups, growth between observations, progress toward a target and overdue
** recommendations. Each is a method of the records or collections it
** concerns, and the statistics are also module functions.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bindings.h"

#define Z95 1.959963984540054

static void setnum(lua_State *L, const char *k, double v) {
  if (isnan(v)) return;            /* unknown stays absent */
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

static const char *optfield(lua_State *L, int t, const char *k, const char *def) {
  const char *v = def;
  if (lua_getfield(L, t, k) != LUA_TNIL) v = luaL_checkstring(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Options table at idx, or a question key string followed by `by`. */
static void survey_args(lua_State *L, const char **question, const char **by, const char *def_by) {
  if (lua_istable(L, 2)) {
    *question = optfield(L, 2, "question", NULL);
    *by = optfield(L, 2, "by", def_by);
  } else {
    *question = luaL_checkstring(L, 2);
    *by = luaL_optstring(L, 3, def_by);
  }
  if (!*question) luaL_error(L, "survey: say which question, e.g. {question = 'interest'}");
}

/*
** survey:shares{question = key, by = "overall"|"department"|"grade"|"answer",
**               source = key}
** One row per published share: option, label, group, share, qualifier,
** source, and n, lo, hi (Wilson 95%) only where the base was published.
*/
static int survey_shares(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  const char *question, *by, *source = NULL;
  char err[512];
  survey_args(L, &question, &by, "overall");
  if (lua_istable(L, 2)) source = optfield(L, 2, "source", NULL);
  mu_record_store(L, 1);
  sqlite3_stmt *st = mu_survey_shares(mu_checkopen(L, -1), r->id, question, by, source, err, sizeof err);
  if (!st) return luaL_error(L, "shares: %s", err);
  lua_newtable(L);
  lua_Integer n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    static const char *const names[] = {"option", "label", "group", "share", "qualifier", "n", "count",
                                        "count_derived", "source"};
    lua_createtable(L, 0, 12);
    for (int c = 0; c < 9; c++) {
      mu_pushcolumn(L, st, c);
      lua_setfield(L, -2, names[c]);
    }
    if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
      mu_interval iv = mu_wilson(sqlite3_column_double(st, 3), sqlite3_column_double(st, 5), Z95);
      setnum(L, "lo", iv.lo);
      setnum(L, "hi", iv.hi);
    }
    lua_rawseti(L, -2, ++n);
  }
  sqlite3_finalize(st);
  if (n == 0) {
    lua_pushfstring(L, "shares: no published results for question '%s' by '%s'", question, by);
    return luaL_error(L, "%s", lua_tostring(L, -1));
  }
  return 1;
}

/* Rows first..last of the array at t form one group of n respondents: set group_n, lo, hi. */
static void finish_group(lua_State *L, int t, lua_Integer first, lua_Integer last, long long n) {
  for (lua_Integer i = first; i <= last; i++) {
    lua_rawgeti(L, t, i);
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "group_n");
    lua_getfield(L, -1, "share");
    mu_interval iv = mu_wilson(lua_tonumber(L, -1), (double)n, Z95);
    lua_pop(L, 1);
    setnum(L, "lo", iv.lo);
    setnum(L, "hi", iv.hi);
    lua_pop(L, 1);
  }
}

/*
** survey:crosstab{question = key, by = "department"|"grade"|nil}
** Weighted shares from microdata: group, option, label, n (respondents
** giving the option), weight, share (weighted), group_n, lo, hi (Wilson
** 95% on the group's respondent count).
*/
static int survey_crosstab(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  const char *question, *by;
  char err[512];
  survey_args(L, &question, &by, NULL);
  mu_record_store(L, 1);
  sqlite3_stmt *st = mu_survey_crosstab(mu_checkopen(L, -1), r->id, question, by, err, sizeof err);
  if (!st) return luaL_error(L, "crosstab: %s", err);
  lua_newtable(L);
  int t = lua_gettop(L);
  lua_Integer n = 0, group_start = 1;
  long long group_n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    mu_value g = mu_column_value(st, 0);
    /* A new group: fill group_n into the finished group's rows. */
    if (n > 0) {
      lua_rawgeti(L, t, n);
      lua_getfield(L, -1, "group");
      mu_pushvalue(L, &g);
      int same = lua_rawequal(L, -1, -2);
      lua_pop(L, 3);
      if (!same) {
        finish_group(L, t, group_start, n, group_n);
        group_start = n + 1;
        group_n = 0;
      }
    }
    lua_createtable(L, 0, 9);
    mu_pushvalue(L, &g);
    lua_setfield(L, -2, "group");
    mu_pushcolumn(L, st, 1);
    lua_setfield(L, -2, "option");
    mu_pushcolumn(L, st, 2);
    lua_setfield(L, -2, "label");
    mu_pushcolumn(L, st, 3);
    lua_setfield(L, -2, "n");
    mu_pushcolumn(L, st, 4);
    lua_setfield(L, -2, "weight");
    double total = sqlite3_column_double(st, 5);
    setnum(L, "share", total > 0 ? sqlite3_column_double(st, 4) / total : NAN);
    group_n += sqlite3_column_int64(st, 3);
    lua_rawseti(L, t, ++n);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return luaL_error(L, "crosstab: %s", sqlite3_errmsg(mu_store_db(mu_checkopen(L, t - 1))));
  finish_group(L, t, group_start, n, group_n);
  lua_settop(L, t);
  return 1;
}

/* Pushes {z = , p = , diff = } for two shares with their bases. */
static void push_test(lua_State *L, double p1, double n1, double p2, double n2) {
  double pv;
  double z = mu_two_prop(p1, n1, p2, n2, &pv);
  lua_createtable(L, 0, 8);
  setnum(L, "share_a", p1);
  setnum(L, "n_a", n1);
  setnum(L, "share_b", p2);
  setnum(L, "n_b", n2);
  setnum(L, "diff", p1 - p2);
  setnum(L, "z", z);
  setnum(L, "p", pv);
}

/*
** survey:compare{question =, option =, by =, a =, b =}: is the share giving
** `option` different between groups a and b? Uses microdata when the survey
** has any for the question, else published shares with published bases.
** Returns a table {share_a, n_a, share_b, n_b, diff, z, p}, or nil and a
** message when a base is unknown (then no test is possible).
*/
static int survey_compare(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  const char *question = optfield(L, 2, "question", NULL);
  const char *option = optfield(L, 2, "option", NULL);
  const char *by = optfield(L, 2, "by", NULL);
  const char *ga = optfield(L, 2, "a", NULL), *gb = optfield(L, 2, "b", NULL);
  if (!question || !option || !by || !ga || !gb)
    return luaL_error(L, "compare: give question, option, by, a and b");
  double share[2] = {NAN, NAN}, base[2] = {NAN, NAN};
  const char *groups[2] = {ga, gb};
  char err[512];
  mu_record_store(L, 1);
  mu_store *s = mu_checkopen(L, -1);
  sqlite3_stmt *st = mu_survey_crosstab(s, r->id, question, by, err, sizeof err);
  int micro = 0;
  if (st) {
    double w[2] = {0, 0}, wt[2] = {0, 0};
    while (sqlite3_step(st) == SQLITE_ROW) {
      const char *g = (const char *)sqlite3_column_text(st, 0);
      const char *o = (const char *)sqlite3_column_text(st, 1);
      micro = 1;
      for (int k = 0; k < 2; k++)
        if (g && strcmp(g, groups[k]) == 0) {
          wt[k] = sqlite3_column_double(st, 5);
          base[k] = isnan(base[k]) ? 0 : base[k];
          base[k] += sqlite3_column_double(st, 3);
          if (strcmp(o, option) == 0) w[k] = sqlite3_column_double(st, 4);
        }
    }
    sqlite3_finalize(st);
    for (int k = 0; k < 2; k++)
      if (wt[k] > 0) share[k] = w[k] / wt[k];
  }
  if (!micro) {
    st = mu_survey_shares(s, r->id, question, by, NULL, err, sizeof err);
    if (!st) return luaL_error(L, "compare: %s", err);
    while (sqlite3_step(st) == SQLITE_ROW) {
      const char *o = (const char *)sqlite3_column_text(st, 0);
      const char *g = (const char *)sqlite3_column_text(st, 2);
      for (int k = 0; k < 2; k++)
        if (strcmp(g, groups[k]) == 0 && strcmp(o, option) == 0) {
          share[k] = sqlite3_column_double(st, 3);
          if (sqlite3_column_type(st, 5) != SQLITE_NULL) base[k] = sqlite3_column_double(st, 5);
        }
    }
    sqlite3_finalize(st);
  }
  for (int k = 0; k < 2; k++) {
    if (isnan(share[k])) {
      luaL_pushfail(L);
      lua_pushfstring(L, "compare: no share of '%s' for %s '%s'", option, by, groups[k]);
      return 2;
    }
    if (isnan(base[k])) {
      luaL_pushfail(L);
      lua_pushfstring(L, "compare: no base (number of respondents) was published for %s '%s': "
                         "a difference cannot be tested", by, groups[k]);
      return 2;
    }
  }
  push_test(L, share[0], base[0], share[1], base[1]);
  return 1;
}

/* mutuals.two_prop(p1, n1, p2, n2) */
static int l_two_prop(lua_State *L) {
  push_test(L, luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3), luaL_checknumber(L, 4));
  return 1;
}

/* mutuals.wilson(share, n [, z]) -> lo, hi */
static int l_wilson(lua_State *L) {
  double p = luaL_checknumber(L, 1), n = luaL_checknumber(L, 2);
  luaL_argcheck(L, p >= 0 && p <= 1, 1, "share must be between 0 and 1");
  luaL_argcheck(L, n > 0, 2, "n must be greater than 0");
  mu_interval iv = mu_wilson(p, n, luaL_optnumber(L, 3, Z95));
  lua_pushnumber(L, iv.lo);
  lua_pushnumber(L, iv.hi);
  return 2;
}

/*
** The bound a ratio inherits from its ends: a lower-bound numerator over an
** exact denominator gives a lower bound, and so on; anything approximate
** makes the ratio approximate.
*/
static const char *ratio_qualifier(const char *num, const char *den) {
  int nlow = !strcmp(num, "at_least") || !strcmp(num, "more_than");
  int nhigh = !strcmp(num, "up_to");
  int dlow = !strcmp(den, "at_least") || !strcmp(den, "more_than");
  int dhigh = !strcmp(den, "up_to");
  int approx = !strcmp(num, "approximately") || !strcmp(num, "around") ||
               !strcmp(den, "approximately") || !strcmp(den, "around");
  if (approx) return "approximately";
  if ((nlow || dhigh) && !(nhigh || dlow)) return "at_least";
  if ((nhigh || dlow) && !(nlow || dhigh)) return "up_to";
  if (nlow || nhigh || dlow || dhigh) return "unknown";
  return "exact";
}

/*
** mutuals.growth(from, to): from and to are observations (or tables with
** value, as_of and optionally qualifier and unit). Returns {ratio, years,
** cagr, qualifier, from, to}; qualifier says whether the ratio is exact or a
** bound ("at least 6.4-fold" when `to` is a lower bound).
*/
static int l_growth(lua_State *L) {
  double v[2];
  const char *as_of[2], *qual[2], *unit[2];
  for (int i = 0; i < 2; i++) {
    int idx = i + 1;
    luaL_argexpected(L, lua_istable(L, idx) || luaL_testudata(L, idx, MU_RECORD_MT), idx, "observation");
    lua_getfield(L, idx, "value");
    if (!lua_isnumber(L, -1)) return luaL_error(L, "growth: argument %d has no numeric value", idx);
    v[i] = lua_tonumber(L, -1);
    lua_getfield(L, idx, "as_of");
    as_of[i] = lua_tostring(L, -1);
    lua_getfield(L, idx, "qualifier");
    qual[i] = lua_isnil(L, -1) ? "exact" : lua_tostring(L, -1);
    lua_getfield(L, idx, "unit");
    unit[i] = lua_tostring(L, -1);
    if (lua_toboolean(L, idx) && luaL_testudata(L, idx, MU_RECORD_MT)) {
      lua_getfield(L, idx, "is_change");
      if (lua_tointeger(L, -1) == 1)
        return luaL_error(L, "growth: argument %d is a change, not a level", idx);
      lua_pop(L, 1);
    }
  }
  if (unit[0] && unit[1] && strcmp(unit[0], unit[1]) != 0)
    return luaL_error(L, "growth: units differ ('%s' and '%s')", unit[0], unit[1]);
  if (!(v[0] > 0)) return luaL_error(L, "growth: the starting value must be greater than 0");
  lua_createtable(L, 0, 6);
  setnum(L, "from", v[0]);
  setnum(L, "to", v[1]);
  setnum(L, "ratio", v[1] / v[0]);
  lua_pushstring(L, ratio_qualifier(qual[1], qual[0]));
  lua_setfield(L, -2, "qualifier");
  double years;
  if (as_of[0] && as_of[1] && mu_date_years(as_of[0], as_of[1], &years) == 0 && years > 0) {
    setnum(L, "years", years);
    setnum(L, "cagr", mu_cagr(v[0], v[1], years));
  }
  return 1;
}

/*
** programme:progress{as_of = date, metric = "staff"}: the latest sector
** observations of `metric` dated on or before as_of, each with its share of
** the target. Several sources on the latest date are all returned.
*/
static int programme_progress(lua_State *L) {
  mu_checkrecord(L, 1);
  const char *as_of, *metric;
  if (lua_istable(L, 2)) {
    as_of = optfield(L, 2, "as_of", NULL);
    metric = optfield(L, 2, "metric", "staff");
  } else {
    as_of = luaL_checkstring(L, 2);
    metric = luaL_optstring(L, 3, "staff");
  }
  if (!as_of) return luaL_error(L, "progress: give as_of, a date");
  lua_getfield(L, 1, "kind");
  if (strcmp(lua_tostring(L, -1), "target") != 0) return luaL_error(L, "progress: %s is not a target", "programme");
  lua_getfield(L, 1, "amount");
  double target = lua_tonumber(L, -1);
  lua_getfield(L, 1, "target_date");
  const char *due = lua_tostring(L, -1);
  mu_record_store(L, 1);
  int store = lua_gettop(L);
  lua_getfield(L, store, "sql");
  lua_pushvalue(L, store);
  lua_pushliteral(L,
    "SELECT o.id FROM observations o JOIN sources s ON s.id = o.source_id "
    "WHERE o.subject_type = 'sector' AND o.metric = ? AND o.is_change = 0 AND o.as_of <= ? "
    "AND o.as_of = (SELECT max(as_of) FROM observations WHERE subject_type = 'sector' AND metric = ?1 "
    "AND is_change = 0 AND as_of <= ?2) ORDER BY o.value");
  lua_pushstring(L, metric);
  lua_pushstring(L, as_of);
  lua_call(L, 4, 1);
  int rows = lua_gettop(L);
  lua_createtable(L, 0, 6);
  setnum(L, "target", target);
  lua_pushstring(L, due);
  lua_setfield(L, -2, "due");
  lua_pushstring(L, as_of);
  lua_setfield(L, -2, "as_of");
  lua_newtable(L);
  lua_Integer n = (lua_Integer)luaL_len(L, rows);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, rows, i);
    lua_getfield(L, -1, "id");
    mu_record_get_by_id(L, store, mu_entity_find("observation"), lua_tointeger(L, -1));
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "observation");
    lua_getfield(L, -2, "value");
    double value = lua_tonumber(L, -1);
    lua_pop(L, 1);
    setnum(L, "share", value / target);
    lua_rawseti(L, -5, i);
    lua_pop(L, 3);
  }
  lua_setfield(L, -2, "observations");
  return 1;
}

/* recommendations:overdue(as_of): due before as_of and not implemented or rejected. */
static int recommendations_overdue(lua_State *L) {
  lcollection *src = mu_checkcollection(L, 1);
  const char *as_of = luaL_checkstring(L, 2);
  mu_value d = {MU_VTEXT, 0, 0, as_of, strlen(as_of)};
  char why[128];
  const mu_field *deadline = mu_field_find(src->q.e, "deadline");
  const mu_field *status = mu_field_find(src->q.e, "status");
  if (mu_field_check(deadline, &d, why, sizeof why)) return luaL_error(L, "overdue: '%s' %s", as_of, why);
  mu_collection_store(L, 1);
  lcollection *c = mu_push_collection(L, -1, src->q.e);
  mu_query_free(&c->q);
  mu_value done = {MU_VTEXT, 0, 0, "implemented", 11}, rejected = {MU_VTEXT, 0, 0, "rejected", 8};
  if (mu_query_copy(&c->q, &src->q) || mu_query_add(&c->q, deadline, MU_OP_ENDS_BEFORE, &d) ||
      mu_query_add(&c->q, status, MU_OP_NE, &done) || mu_query_add(&c->q, status, MU_OP_NE, &rejected))
    return luaL_error(L, "out of memory");
  return 1;
}

/* Entity-specific methods: of records (collection = 0) or of collections (1). */
static const struct {
  const char *entity, *name;
  int collection;
  lua_CFunction f;
} methods[] = {
  {"survey", "shares", 0, survey_shares},
  {"survey", "crosstab", 0, survey_crosstab},
  {"survey", "compare", 0, survey_compare},
  {"observation", "growth", 0, l_growth},
  {"programme", "progress", 0, programme_progress},
  {"recommendation", "overdue", 1, recommendations_overdue},
};

static int find_method(lua_State *L, const mu_entity *e, const char *name, int collection) {
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (methods[i].collection == collection && strcmp(methods[i].entity, e->name) == 0 &&
        strcmp(methods[i].name, name) == 0) {
      lua_pushcfunction(L, methods[i].f);
      return 1;
    }
  return 0;
}

int mu_record_method(lua_State *L, const mu_entity *e, const char *name) {
  return find_method(L, e, name, 0);
}

int mu_collection_method(lua_State *L, const mu_entity *e, const char *name) {
  return find_method(L, e, name, 1);
}

void mu_method_names(lua_State *L, const mu_entity *e, int collection) {
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (methods[i].collection == collection && strcmp(methods[i].entity, e->name) == 0) {
      lua_pushstring(L, methods[i].name);
      lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    }
}

void mu_open_analysis(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"wilson", l_wilson}, {"two_prop", l_two_prop}, {"growth", l_growth}, {NULL, NULL},
  };
  luaL_setfuncs(L, funcs, 0);
}
