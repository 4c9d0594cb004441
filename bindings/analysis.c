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
  lrecord *r = mu_check_entity_record(L, 1, "survey", "shares");
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
      /* From the count where one is held: the share may be rounded (223 of 1,395 is 0.1599, shown 16%). */
      double base = sqlite3_column_double(st, 5);
      int counted = sqlite3_column_type(st, 6) != SQLITE_NULL;
      double p = counted ? sqlite3_column_double(st, 6) / base : sqlite3_column_double(st, 3);
      mu_interval iv = mu_wilson(p, base, Z95);
      setnum(L, "lo", iv.lo);
      setnum(L, "hi", iv.hi);
      lua_pushstring(L, counted ? "count" : "share");
      lua_setfield(L, -2, "interval_from");
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

/*
** survey:compare{question =, option =, by =, a =, b =}: is the share giving
** `option` different between groups a and b? Uses microdata when the survey
** has any for the question, else published shares with published bases.
** Returns a table {share_a, n_a, share_b, n_b, diff, z, p}, or nil and a
** message when a base is unknown (then no test is possible).
*/
static int survey_compare(lua_State *L) {
  lrecord *r = mu_check_entity_record(L, 1, "survey", "compare");
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
  /* With microdata, the design-based difference (survey:difference); else the published shares. */
  sqlite3_stmt *st;
  int micro = 0;
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT 1 FROM responses x JOIN questions q ON q.id = x.question_id "
                         "WHERE x.survey_id = ?1 AND q.survey_id = ?1 AND q.key = ?2 LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_text(st, 2, question, -1, SQLITE_TRANSIENT);
    micro = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
  }
  if (micro) {
    lua_settop(L, 2);
    return mu_survey_difference(L);
  }
  {
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
  mu_push_test(L, share[0], base[0], share[1], base[1]);
  return 1;
}

/* The survey methods; targets.c adds growth, progress and deadlines. */
static const mu_method survey_methods[] = {
  {"survey", "shares", 0, survey_shares},
  {"survey", "compare", 0, survey_compare},
  {NULL, NULL, 0, NULL},
};

static const mu_method *const method_tables[] = {survey_methods, mu_microdata_methods, mu_target_methods, NULL};

static int find_method(lua_State *L, const mu_entity *e, const char *name, int collection) {
  for (const mu_method *const *t = method_tables; *t; t++)
    for (const mu_method *m = *t; m->name; m++)
      if (m->collection == collection && strcmp(m->entity, e->name) == 0 && strcmp(m->name, name) == 0) {
        lua_pushcfunction(L, m->f);
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
  for (const mu_method *const *t = method_tables; *t; t++)
    for (const mu_method *m = *t; m->name; m++)
      if (m->collection == collection && strcmp(m->entity, e->name) == 0) {
        lua_pushstring(L, m->name);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
      }
}

/*
** The record at idx, which must be of `entity`: an entity's method called
** on another entity's record (survey.shares(mutual)) is an error, not a
** query over the wrong table.
*/
lrecord *mu_check_entity_record(lua_State *L, int idx, const char *entity, const char *method) {
  lrecord *r = luaL_testudata(L, idx, MU_RECORD_MT);
  if (!r || strcmp(r->e->name, entity) != 0)
    luaL_error(L, "%s: call it on a %s record (e.g. %s:%s{...}), not on %s", method, entity, entity, method,
               r ? r->e->name : luaL_typename(L, idx));
  return r;
}

lcollection *mu_check_entity_collection(lua_State *L, int idx, const char *entity, const char *method) {
  lcollection *c = luaL_testudata(L, idx, MU_COLLECTION_MT);
  const mu_entity *e = mu_entity_find(entity);
  if (!c || c->q.e != e)
    luaL_error(L, "%s: call it on the %s collection (db.%s:%s(...)), not on %s", method, e->plural, e->plural, method,
               c ? c->q.e->plural : luaL_typename(L, idx));
  return c;
}

void mu_open_analysis(lua_State *L) {
  mu_open_stats(L);
  mu_open_targets(L);
}
