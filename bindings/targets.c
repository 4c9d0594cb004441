/*
** Time and targets: growth between two figures, progress toward a target
** and recommendations past their deadline. Each works on qualified values,
** so a bound stays a bound ("at least 6.4-fold"), a year-only date is the
** whole year (the rate is the range every pair of days allows), and an
** unknown status is never read as "not done".
*/
#include <math.h>
#include <string.h>
#include "bindings.h"

/* The figure at idx: a qualified value, a record (its measure) or a table {value, qualifier, unit, as_of}. */
static void arg_figure(lua_State *L, int idx, const char *fn, mu_qv *q) {
  mu_qv *u = luaL_testudata(L, idx, MU_QVALUE_MT);
  if (u) {
    *q = *u;
    return;
  }
  if (luaL_testudata(L, idx, MU_RECORD_MT)) {
    lua_getfield(L, idx, "is_change");
    if (lua_tointeger(L, -1) == 1) luaL_error(L, "%s: argument %d is a change, not a level", fn, idx);
    lua_pop(L, 1);
    mu_push_record_measure(L, idx, NULL);
    *q = *mu_checkqv(L, -1);
    lua_pop(L, 1);
    return;
  }
  if (!lua_istable(L, idx)) luaL_error(L, "%s: argument %d must be an observation, a qualified value or a table "
                                          "{value =, as_of =, qualifier =, unit =}", fn, idx);
  lua_getfield(L, idx, "value");
  if (!lua_isnumber(L, -1)) luaL_error(L, "%s: argument %d has no numeric value", fn, idx);
  double v = lua_tonumber(L, -1);
  lua_getfield(L, idx, "qualifier");
  lua_getfield(L, idx, "unit");
  lua_getfield(L, idx, "as_of");
  if (mu_qv_make(q, v, luaL_optstring(L, -3, NULL), luaL_optstring(L, -2, NULL)))
    luaL_error(L, "%s: argument %d has an unknown qualifier '%s'", fn, idx, lua_tostring(L, -3));
  if (!lua_isnil(L, -1)) {
    size_t n;
    const char *d = luaL_checklstring(L, -1, &n);
    if (!mu_date_valid(d, n)) luaL_error(L, "%s: argument %d: as_of '%s' is not a date", fn, idx, d);
    mu_qv_set_date(q, d);
  }
  lua_pop(L, 4);
}

/*
** mutuals.growth(from, to) / obs:growth(to) -> {ratio, cagr, qualifier, years_min, years_max, from, to}
** ratio and cagr are qualified values: "at least 6.4-fold" when `to` is a
** lower bound; the rate spans the days the dates allow ('2010' is any day
** of 2010). cagr is nil when a date is missing.
*/
static int l_growth(lua_State *L) {
  mu_qv a, b, ratio, cagr;
  double ymin, ymax;
  char err[256];
  arg_figure(L, 1, "growth", &a);
  arg_figure(L, 2, "growth", &b);
  if (mu_qv_growth(&a, &b, &ratio, &cagr, &ymin, &ymax, err, sizeof err))
    return luaL_error(L, "growth: %s", err);
  lua_createtable(L, 0, 8);
  mu_push_qv(L, &ratio);
  lua_setfield(L, -2, "ratio");
  lua_pushstring(L, mu_qv_qualifier(&ratio));
  lua_setfield(L, -2, "qualifier");
  if (cagr.known) {
    mu_push_qv(L, &cagr);
    lua_setfield(L, -2, "cagr");
    lua_pushnumber(L, ymin);
    lua_setfield(L, -2, "years_min");
    lua_pushnumber(L, ymax);
    lua_setfield(L, -2, "years_max");
  }
  mu_push_qv(L, &a);
  lua_setfield(L, -2, "from");
  mu_push_qv(L, &b);
  lua_setfield(L, -2, "to");
  return 1;
}

static const char *optfield(lua_State *L, int t, const char *k, const char *def) {
  const char *v = def;
  if (lua_getfield(L, t, k) != LUA_TNIL) v = luaL_checkstring(L, -1);
  lua_pop(L, 1);
  return v;
}

/* The last day of a date at its precision, or LONG_MAX for none. */
static long last_day(lua_State *L, const char *d, const char *what) {
  long first, last;
  if (!d) return 0x7fffffffL;
  if (mu_date_span(d, &first, &last)) luaL_error(L, "progress: %s '%s' is not a date YYYY, YYYY-MM or YYYY-MM-DD", what, d);
  return last;
}

/*
** target:progress{as_of = date, metric = "staff"} -> {target, due, as_of, figure_date, observations}
** The latest sector figures of `metric` whose whole period ends by as_of and
** by the target's date: a figure after the target's date says nothing of
** it. Each comes with its share of the target as a qualified value; rival
** figures of that date are all given.
*/
static int programme_progress(lua_State *L) {
  mu_check_entity_record(L, 1, "programme", "progress");
  const char *as_of, *metric;
  if (lua_istable(L, 2)) {
    static const char *const keys[] = {"as_of", "metric", NULL};
    mu_check_keys(L, 2, keys, "progress");
    as_of = optfield(L, 2, "as_of", NULL);
    metric = optfield(L, 2, "metric", "staff");
  } else {
    as_of = luaL_checkstring(L, 2);
    metric = luaL_optstring(L, 3, "staff");
  }
  if (!as_of) return luaL_error(L, "progress: give as_of, a date");
  lua_getfield(L, 1, "kind");
  if (strcmp(lua_tostring(L, -1), "target") != 0) return luaL_error(L, "progress: this programme is not a target");
  lua_getfield(L, 1, "target_date");
  const char *due = lua_tostring(L, -1);
  long limit = last_day(L, as_of, "as_of"), due_last = last_day(L, due, "target_date");
  if (due_last < limit) limit = due_last;
  mu_push_record_measure(L, 1, NULL);
  mu_qv target = *mu_checkqv(L, -1);
  int target_idx = lua_gettop(L);

  /* The candidates, then the latest of those whose period has ended by the limit. */
  const mu_entity *oe = mu_entity_find("observation");
  mu_record_store(L, 1);
  int store = lua_gettop(L);
  mu_store *s = mu_checkopen(L, store);
  mu_query q;
  char err[512];
  mu_value m = {MU_VTEXT, 0, 0, metric, strlen(metric)}, sector = {MU_VTEXT, 0, 0, "sector", 6},
           level = {MU_VINT, 0, 0, NULL, 0};
  mu_query_init(&q, oe);
  int bad = mu_query_add(&q, mu_field_find(oe, "metric"), MU_OP_EQ, &m) ||
            mu_query_add(&q, mu_field_find(oe, "subject_type"), MU_OP_EQ, &sector) ||
            mu_query_add(&q, mu_field_find(oe, "is_change"), MU_OP_EQ, &level) ||
            mu_query_add(&q, mu_field_find(oe, "as_of"), MU_OP_NOTNULL, NULL);
  q.order[0] = mu_field_find(oe, "value");
  q.norder = 1;
  sqlite3_stmt *st = bad ? NULL : mu_query_rows(s, &q, err, sizeof err);
  mu_query_free(&q);
  if (!st) return luaL_error(L, "progress: %s", bad ? "out of memory" : err);
  int date_col = mu_field_index(oe, "as_of");
  long best = -0x7fffffffL;
  char latest[16] = "";
  lua_newtable(L);   /* ids of the candidates, with their dates */
  int ids = lua_gettop(L);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *d = (const char *)sqlite3_column_text(st, date_col);
    long f, l;
    if (!d || mu_date_span(d, &f, &l) || l > limit) continue;
    if (f > best) {
      best = f;
      snprintf(latest, sizeof latest, "%s", d);
    }
    lua_Integer k = (lua_Integer)lua_rawlen(L, ids);
    lua_pushinteger(L, sqlite3_column_int64(st, 0));
    lua_rawseti(L, ids, k + 1);
    lua_pushstring(L, d);
    lua_rawseti(L, ids, k + 2);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return luaL_error(L, "progress: %s", sqlite3_errmsg(mu_store_db(s)));

  lua_createtable(L, 0, 6);
  lua_pushvalue(L, target_idx);
  lua_setfield(L, -2, "target");
  if (due) {
    lua_pushstring(L, due);
    lua_setfield(L, -2, "due");
  }
  lua_pushstring(L, as_of);
  lua_setfield(L, -2, "as_of");
  if (latest[0]) {
    lua_pushstring(L, latest);
    lua_setfield(L, -2, "figure_date");
  }
  lua_newtable(L);
  lua_Integer n = 0, len = (lua_Integer)lua_rawlen(L, ids);
  for (lua_Integer k = 1; k < len; k += 2) {   /* (id, date) pairs, in the order of their values */
    lua_rawgeti(L, ids, k + 1);
    int same = strcmp(lua_tostring(L, -1), latest) == 0;
    lua_pop(L, 1);
    if (!same) continue;
    lua_rawgeti(L, ids, k);
    mu_record_get_by_id(L, store, oe, lua_tointeger(L, -1));
    int rec = lua_gettop(L);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, rec);
    lua_setfield(L, -2, "observation");
    mu_push_record_measure(L, rec, NULL);
    mu_qv figure = *mu_checkqv(L, -1), share;
    lua_setfield(L, -2, "figure");
    if (mu_qv_div(&figure, &target, &share, err, sizeof err)) return luaL_error(L, "progress: %s", err);
    snprintf(share.unit, sizeof share.unit, "share");
    memcpy(share.geography, figure.geography, sizeof share.geography);   /* the figure's area, not the target's */
    share.geo_mixed = figure.geo_mixed;
    mu_push_qv(L, &share);
    lua_setfield(L, -2, "share");
    lua_rawseti(L, rec - 2, ++n);
    lua_pop(L, 2);
  }
  lua_setfield(L, -2, "observations");
  return 1;
}

/* A collection narrowed to deadlines that have passed by as_of (the whole deadline period). */
static lcollection *past_deadline(lua_State *L, const char *fn) {
  lcollection *src = mu_check_entity_collection(L, 1, "recommendation", fn);
  const char *as_of = luaL_checkstring(L, 2);
  mu_value d = {MU_VTEXT, 0, 0, as_of, strlen(as_of)};
  const mu_field *deadline = mu_field_find(src->q.e, "deadline");
  if (!mu_date_valid(as_of, strlen(as_of)))
    luaL_error(L, "%s: '%s' is not a date YYYY, YYYY-MM or YYYY-MM-DD", fn, as_of);
  mu_collection_store(L, 1);
  lcollection *c = mu_push_collection(L, -1, src->q.e);
  mu_query_free(&c->q);
  if (mu_query_copy(&c->q, &src->q) || mu_query_add(&c->q, deadline, MU_OP_ENDS_BEFORE, &d))
    luaL_error(L, "out of memory");
  return c;
}

/* recommendations:past_deadline(as_of): deadlines passed, whatever the status (known or not). */
static int recommendations_past_deadline(lua_State *L) {
  past_deadline(L, "past_deadline");
  return 1;
}

/*
** recommendations:overdue(as_of): past the deadline with a known status
** that is not done (not implemented, rejected or unknown). A recommendation
** whose status nobody has reported is not known to be overdue.
*/
static int recommendations_overdue(lua_State *L) {
  lcollection *c = past_deadline(L, "overdue");
  const mu_field *status = mu_field_find(c->q.e, "status");
  static const char *const done[] = {"implemented", "rejected", "unknown"};
  for (int i = 0; i < 3; i++) {
    mu_value v = {MU_VTEXT, 0, 0, done[i], strlen(done[i])};
    if (mu_query_add(&c->q, status, MU_OP_NE, &v)) return luaL_error(L, "out of memory");
  }
  return 1;
}

const mu_method mu_target_methods[] = {
  {"observation", "growth", 0, l_growth},
  {"programme", "progress", 0, programme_progress},
  {"recommendation", "overdue", 1, recommendations_overdue},
  {"recommendation", "past_deadline", 1, recommendations_past_deadline},
  {NULL, NULL, 0, NULL},
};

void mu_open_targets(lua_State *L) {
  lua_pushcfunction(L, l_growth);
  lua_setfield(L, -2, "growth");
}
