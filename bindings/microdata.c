/*
** Survey microdata in Lua: design-based crosstabs, the Rao-Scott test, the
** difference of two shares, and importing a supplier's file. The design
** and its arithmetic live in the models layer (design.c, estimate.c,
** chisq.c, suppress.c); this file reads the options, owns the loaded design
** in a userdata (so an error cannot leak it) and turns results into tables.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bindings.h"

#define DESIGN_MT "mutuals.design"
#define MAX_VARS MU_MAX_VARS

static int design_gc(lua_State *L) {
  mu_design_free(luaL_checkudata(L, 1, DESIGN_MT));
  return 0;
}

static void setnum(lua_State *L, const char *k, double v) {
  if (isnan(v) || isinf(v)) return;   /* unknown stays absent */
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

static void setint(lua_State *L, const char *k, long long v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

/* The names a call needs loaded, each once. */
typedef struct {
  const char *name[MAX_VARS];
  int n;
} names;

static int add_name(lua_State *L, names *ns, const char *name) {
  for (int i = 0; i < ns->n; i++)
    if (strcmp(ns->name[i], name) == 0) return i;
  if (ns->n == MAX_VARS) luaL_error(L, "survey: at most %d variables in one estimate", MAX_VARS);
  ns->name[ns->n] = name;
  return ns->n++;
}

/* The attributes the survey's respondents have, for a suggestion. */
static void no_such_variable(lua_State *L, mu_store *s, long long survey, const char *name, const char *fn) {
  sqlite3_stmt *st;
  const char *list[64];
  char *owned[64];
  int n = 0;
  if (sqlite3_prepare_v2(mu_store_db(s),
        "SELECT key FROM questions WHERE survey_id = ?1 UNION SELECT DISTINCT j.key FROM respondents, "
        "json_each(respondents.attributes) j WHERE respondents.survey_id = ?1 LIMIT 60", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, survey);
    while (n < 60 && sqlite3_step(st) == SQLITE_ROW) list[n] = owned[n] = strdup((const char *)sqlite3_column_text(st, 0)), n++;
    sqlite3_finalize(st);
  }
  const char *near = mu_closest(name, list, (size_t)n);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; i < n; i++) {
    if (i) luaL_addstring(&b, ", ");
    luaL_addstring(&b, owned[i] ? owned[i] : "");
  }
  luaL_pushresult(&b);
  lua_pushfstring(L, "%s: '%s' is neither a question of the survey nor an attribute of its respondents%s%s%s "
                     "(known: %s)", fn, name, near ? ": did you mean '" : "", near ? near : "", near ? "'?" : "",
                  lua_tostring(L, -1));
  for (int i = 0; i < n; i++) free(owned[i]);
  lua_error(L);
}

/* Opens the design with the named variables into a userdata left on the stack: read from the cache as the
   estimate goes (mu_design_open); an estimate that cannot take it so asks for reload_design. */
static mu_design *push_design(lua_State *L, int survey_idx, const names *ns, const char *fn) {
  lrecord *r = mu_check_entity_record(L, survey_idx, "survey", fn);
  mu_record_store(L, survey_idx);
  mu_store *s = mu_checkopen(L, -1);
  lua_pop(L, 1);
  mu_design *d = lua_newuserdatauv(L, sizeof *d, 0);
  memset(d, 0, sizeof *d);
  if (luaL_newmetatable(L, DESIGN_MT)) {
    lua_pushcfunction(L, design_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  char err[512];
  if (mu_design_open(s, r->id, ns->name, ns->n, d, err, sizeof err))
    luaL_error(L, "%s: %s", fn, err);
  for (int v = 0; v < d->nvars; v++)
    if (!d->var[v].question_id && d->var[v].nlevels == 0) no_such_variable(L, s, r->id, d->var[v].name, fn);
  return d;
}

/* After MU_DESIGN_RELOAD (a damaged cache entry, or an estimate that needs the arrays whole): the same
   variables loaded from the rows into d, in place. */
static void reload_design(lua_State *L, mu_design *d, const names *ns, const char *fn) {
  char err[512];
  mu_record_store(L, 1);
  mu_store *s = mu_checkopen(L, -1);
  lua_pop(L, 1);
  mu_design_free(d);
  if (mu_design_load(s, mu_check_entity_record(L, 1, "survey", fn)->id, ns->name, ns->n, d, err, sizeof err))
    luaL_error(L, "%s: %s", fn, err);
}

/* "yes, no, dont_know": a variable's values for a message (the first 40). */
static void push_levels(lua_State *L, const mu_design_var *var) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; i < var->nlevels && i < 40; i++) {
    if (i) luaL_addstring(&b, ", ");
    luaL_addstring(&b, var->keys[i]);
  }
  luaL_pushresult(&b);
}

/* Level of variable v named by the Lua value at idx (a key or label), raising with the levels known. */
static int check_level(lua_State *L, const mu_design *d, int v, int idx, const char *fn, const mu_design_var *var) {
  if (!var) var = &d->var[v];
  const char *key = luaL_tolstring(L, idx, NULL);
  int k = mu_design_level(var, key);
  lua_pop(L, 1);
  if (k >= 0) return k;
  const char *near = mu_closest(key, (const char *const *)var->keys, (size_t)var->nlevels);
  push_levels(L, var);
  return luaL_error(L, "%s: '%s' is not a value of %s%s%s%s (values: %s)", fn, key, var->name,
                    near ? ": did you mean '" : "", near ? near : "", near ? "'?" : "", lua_tostring(L, -1));
}

/* The store's disclosure threshold (settings: disclosure.min_base). */
static int store_min_base(lua_State *L, int survey_idx) {
  mu_record_store(L, survey_idx);
  mu_store *s = mu_checkopen(L, -1);
  lua_pop(L, 1);
  sqlite3_stmt *st;
  int v = 10;
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT value FROM settings WHERE key = 'disclosure.min_base'", -1, &st,
                         NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  return v;
}

/* The options of a crosstab call: question, by, where, level, ci, min_base. */
typedef struct {
  const char *question, *by[4], *ci;
  int nby;
  const char *where_name[8];
  int where_idx[8], nwhere;   /* stack indices of the values */
  double level;
  int min_base;
} xtab_opts;

static void read_opts(lua_State *L, int t, xtab_opts *o, const char *fn) {
  static const char *const keys[] = {"question", "by", "where", "level", "ci", "min_base", NULL};
  static const char *const mean_keys[] = {"question", "by", "where", "level", "scores", "min_base", NULL};
  memset(o, 0, sizeof *o);
  luaL_checktype(L, t, LUA_TTABLE);
  mu_check_keys(L, t, strcmp(fn, "mean") == 0 ? mean_keys : keys, fn);
  if (lua_getfield(L, t, "question") != LUA_TSTRING) luaL_error(L, "%s: say which question, e.g. {question = 'q1'}", fn);
  o->question = lua_tostring(L, -1);
  lua_pop(L, 1);   /* the string stays alive in the options table */
  int type = lua_getfield(L, t, "by");
  if (type == LUA_TSTRING) {
    o->by[o->nby++] = lua_tostring(L, -1);
  } else if (type == LUA_TTABLE) {
    int n = (int)luaL_len(L, -1);
    if (n > 3) luaL_error(L, "%s: break down by at most 3 variables", fn);
    for (int i = 1; i <= n; i++) {
      lua_geti(L, -1, i);
      if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: by must name variables", fn);
      o->by[o->nby++] = lua_tostring(L, -1);
      lua_pop(L, 1);
    }
  } else if (type != LUA_TNIL) {
    luaL_error(L, "%s: by must be a variable's name or a list of them", fn);
  }
  lua_pop(L, 1);
  if (lua_getfield(L, t, "where") == LUA_TTABLE) {
    int w = lua_gettop(L);   /* left on the stack: its values are read later */
    lua_pushnil(L);
    while (lua_next(L, w)) {
      if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "%s: where{} keys must be variable names", fn);
      if (o->nwhere == 8) luaL_error(L, "%s: at most 8 conditions", fn);
      o->where_name[o->nwhere] = lua_tostring(L, -2);
      o->where_idx[o->nwhere++] = lua_gettop(L);
      lua_pushvalue(L, -2);   /* keep the value at its index; the key copy drives lua_next */
    }
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "%s: where must be a table {variable = value}", fn);
  }
  if (lua_getfield(L, t, "level") != LUA_TNIL) {
    o->level = luaL_checknumber(L, -1);
    if (!(o->level > 0 && o->level < 1)) luaL_error(L, "%s: level must be between 0 and 1 (0.95 for 95%%)", fn);
  } else {
    o->level = 0.95;
  }
  if (lua_getfield(L, t, "ci") != LUA_TNIL) {
    o->ci = luaL_checkstring(L, -1);
    if (strcmp(o->ci, "logit") && strcmp(o->ci, "beta") && strcmp(o->ci, "wilson"))
      luaL_error(L, "%s: ci must be 'logit' (as R's svyciprop), 'beta' (Korn-Graubard) or 'wilson' (on the "
                    "effective sample size)", fn);
  } else {
    o->ci = "logit";
  }
  o->min_base = -1;
  if (lua_getfield(L, t, "min_base") != LUA_TNIL) {
    lua_Integer m = luaL_checkinteger(L, -1);
    if (m < 0) luaL_error(L, "%s: min_base must be 0 (no suppression) or more", fn);
    o->min_base = (int)m;
  }
}

static void push_cell(lua_State *L, const mu_cell *c, const char *ci) {
  lua_createtable(L, 0, 24);
  if (c->suppressed) {
    lua_pushstring(L, c->suppressed == 1 ? "primary" : "complementary");
    lua_setfield(L, -2, "suppressed");
    return;   /* nothing of a suppressed cell is given out */
  }
  setint(L, "n", c->n);
  setnum(L, "weight", c->weighted);
  setint(L, "base_n", c->base_n);
  setint(L, "group_n", c->base_n);
  setnum(L, "base_weight", c->base_weighted);
  setnum(L, "share", c->share);
  setnum(L, "se", c->se);
  setnum(L, "deff", c->deff);
  setnum(L, "n_eff", c->n_eff);
  setnum(L, "df", c->df);
  setnum(L, "lo_logit", c->lo_logit);
  setnum(L, "hi_logit", c->hi_logit);
  setnum(L, "lo_beta", c->lo_beta);
  setnum(L, "hi_beta", c->hi_beta);
  setnum(L, "lo_wilson", c->lo_wilson);
  setnum(L, "hi_wilson", c->hi_wilson);
  int w = ci[0] == 'w', b = ci[0] == 'b';
  setnum(L, "lo", w ? c->lo_wilson : b ? c->lo_beta : c->lo_logit);
  setnum(L, "hi", w ? c->hi_wilson : b ? c->hi_beta : c->hi_logit);
  if (c->why) {
    lua_pushstring(L, c->why);
    lua_setfield(L, -2, "why");
  }
}

/* "DCLG" or "DCLG / SCS", and {department = "DCLG", grade = "SCS"}, for group g. */
static void push_group(lua_State *L, const mu_design *d, const mu_table *t, const int *by, int g) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int k = 0; k < t->nby; k++) {
    if (k) luaL_addstring(&b, " / ");
    luaL_addstring(&b, d->var[by[k]].keys[t->group_levels[g * t->nby + k]]);
  }
  luaL_pushresult(&b);
  lua_setfield(L, -2, "group");
  lua_createtable(L, 0, t->nby);
  for (int k = 0; k < t->nby; k++) {
    lua_pushstring(L, d->var[by[k]].keys[t->group_levels[g * t->nby + k]]);
    lua_setfield(L, -2, d->var[by[k]].name);
  }
  lua_setfield(L, -2, "groups");
}

/*
** survey:crosstab{question =, by = var | {var, ...}, where = {var = value},
**                 level = 0.95, ci = "logit"|"beta"|"wilson", min_base =}
** Design-based shares of each answer in each group (every combination, empty
** ones included), with their standard errors, design effects, effective
** sizes and intervals. The result is an array of cells {group, option,
** label, n, weight, share, se, lo, hi, ...}; result.totals has each group's
** margin (its base and share of the whole), result.overall each answer's
** overall share. Cells whose base is under the disclosure threshold
** (min_base, the store's setting by default) are suppressed, with enough
** others that none can be recovered from the margins.
*/
/*
** The scores of a mean: scores = {option = number} (by key or label; an
** option left out is unscored), or the options' own values when they are
** numbers ("1".."5"). Raises when nothing would be scored.
*/
static void read_scores(lua_State *L, int opts, const mu_design_var *q, double *score) {
  for (int k = 0; k < q->nlevels; k++) score[k] = NAN;
  int any = 0;
  if (lua_getfield(L, opts, "scores") == LUA_TTABLE) {
    int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
      lua_pushvalue(L, -2);
      int k = check_level(L, NULL, 0, lua_gettop(L), "mean", q);
      if (lua_type(L, -2) != LUA_TNUMBER)
        luaL_error(L, "mean: the score of '%s' must be a number, got %s", q->keys[k], luaL_typename(L, -2));
      score[k] = lua_tonumber(L, -2);
      if (isnan(score[k]) || isinf(score[k])) luaL_error(L, "mean: the score of '%s' must be finite", q->keys[k]);
      any = 1;
      lua_pop(L, 2);
    }
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "mean: scores must be a table {option = score, ...}");
  } else {
    for (int k = 0; k < q->nlevels; k++) {
      const char *v[2] = {q->keys[k], q->labels[k]};
      for (int j = 0; j < 2 && isnan(score[k]); j++) {
        char *end;
        double x = v[j] ? strtod(v[j], &end) : 0;
        if (v[j] && end != v[j] && *end == '\0' && isfinite(x)) score[k] = x, any = 1;
      }
    }
  }
  lua_pop(L, 1);
  if (!any) {
    push_levels(L, q);
    luaL_error(L, "mean: the options of %s are not numbers (%s): give scores = {option = score, ...}", q->name,
               lua_tostring(L, -1));
  }
}

/*
** What crosstab and mean share: the options at 2 read, the design loaded
** (left on the stack: a userdata, so an error cannot leak it), the table
** estimated. means: the scores read too (into a userdata left above the design, sp->scores).
*/
static mu_design *tabulate(lua_State *L, const char *fn, xtab_opts *o, mu_table_spec *sp, names *ns, int means,
                           mu_table *t) {
  mu_check_entity_record(L, 1, "survey", fn);   /* first: self is read below */
  read_opts(L, 2, o, fn);
  memset(sp, 0, sizeof *sp);
  sp->var = add_name(L, ns, o->question);
  for (int k = 0; k < o->nby; k++) sp->by[sp->nby++] = add_name(L, ns, o->by[k]);
  for (int k = 0; k < o->nwhere; k++) sp->filter_var[sp->nfilters++] = add_name(L, ns, o->where_name[k]);
  sp->level = o->level;
  sp->min_base = o->min_base >= 0 ? o->min_base : store_min_base(L, 1);
  mu_design *d = push_design(L, 1, ns, fn);
  if (!d->var[sp->var].question_id)
    luaL_error(L, "%s: '%s' is an attribute, not a question: tabulate a question by it", fn, o->question);
  for (int k = 0; k < o->nwhere; k++) sp->filter_level[k] = check_level(L, d, sp->filter_var[k], o->where_idx[k], fn, NULL);
  if (means) {
    double *scores = lua_newuserdatauv(L, ((size_t)d->var[sp->var].nlevels + 1) * sizeof *scores, 0);
    read_scores(L, 2, &d->var[sp->var], scores);
    sp->scores = scores;
  }
  char err[512];
  int rc = mu_estimate_table(d, sp, t, err, sizeof err);
  if (rc == MU_DESIGN_RELOAD) {   /* a damaged cache entry, or a table that needs the design whole */
    reload_design(L, d, ns, fn);
    rc = mu_estimate_table(d, sp, t, err, sizeof err);
  }
  if (rc) luaL_error(L, "%s: %s", fn, err);
  return d;
}

int mu_survey_crosstab_design(lua_State *L) {
  xtab_opts o;
  names ns = {{0}, 0};
  mu_table_spec sp;
  mu_table t;
  mu_design *d = tabulate(L, "crosstab", &o, &sp, &ns, 0, &t);
  mu_suppress(&t, sp.min_base);
  /* Copy everything out before anything can raise, then free the table. */
  int G = t.ngroups, K = t.nopts, C = K + 1;
  const mu_design_var *q = &d->var[sp.var];
  lua_createtable(L, (G ? G : 1) * K, 8);
  int res = lua_gettop(L);
  lua_Integer n = 0;
  for (int g = 0; g < (G ? G : 1); g++) {
    int row = G ? g : G;
    for (int k = 0; k < K; k++) {
      push_cell(L, &t.cells[row * C + k], o.ci);
      if (G) push_group(L, d, &t, sp.by, g);
      lua_pushstring(L, q->keys[k]);
      lua_setfield(L, -2, "option");
      lua_pushstring(L, q->labels[k]);
      lua_setfield(L, -2, "label");
      lua_rawseti(L, res, ++n);
    }
  }
  lua_createtable(L, G, 0);
  for (int g = 0; g < G; g++) {
    push_cell(L, &t.cells[g * C + K], o.ci);
    push_group(L, d, &t, sp.by, g);
    lua_rawseti(L, -2, g + 1);
  }
  lua_setfield(L, res, "totals");
  /* Those who answered with no value for the breakdown are in .all and in no group: say how many, or the
     groups' shares of the whole fall short of 1 with nothing to show why. Counted as a group would be
     for disclosure (hidden under min_base). */
  long long in_groups = 0;
  double w_groups = 0;
  for (int g = 0; g < G; g++) {
    in_groups += t.cells[g * C + K].n;
    w_groups += t.cells[g * C + K].weighted;
  }
  if (G && t.cells[G * C + K].n > in_groups) {
    long long n = t.cells[G * C + K].n - in_groups;
    lua_createtable(L, 0, 3);
    if (n < sp.min_base) {
      lua_pushliteral(L, "primary");
      lua_setfield(L, -2, "suppressed");
    } else {
      setint(L, "n", n);
      setnum(L, "weight", t.cells[G * C + K].weighted - w_groups);
    }
    lua_pushliteral(L, "answered, with no value for the breakdown: in .all, in no group");
    lua_setfield(L, -2, "why");
    lua_setfield(L, res, "without_group");
  }
  lua_createtable(L, K, 0);
  for (int k = 0; k < K; k++) {
    push_cell(L, &t.cells[G * C + k], o.ci);
    lua_pushstring(L, q->keys[k]);
    lua_setfield(L, -2, "option");
    lua_pushstring(L, q->labels[k]);
    lua_setfield(L, -2, "label");
    lua_rawseti(L, -2, k + 1);
  }
  lua_setfield(L, res, "overall");
  push_cell(L, &t.cells[G * C + K], o.ci);
  lua_setfield(L, res, "all");
  lua_pushstring(L, o.question);
  lua_setfield(L, res, "question");
  lua_pushstring(L, o.ci);
  lua_setfield(L, res, "ci");
  setnum(L, "level", o.level);
  setint(L, "min_base", sp.min_base);
  mu_table_free(&t);
  return 1;
}

/*
** survey:mean{question =, scores = {option = score, ...}, by =, where =, level = 0.95, min_base =}
** The design-based mean of scores given to a question's options (an
** option without a score is left out of the base), in each group and
** overall: {group, mean, se, lo, hi, deff, df, n, weight} rows, result.all
** for everyone. A group under the disclosure threshold is suppressed, with
** another so that neither follows from the whole.
*/
static int survey_mean(lua_State *L) {
  xtab_opts o;
  names ns = {{0}, 0};
  mu_table_spec sp;
  mu_table t;
  mu_design *d = tabulate(L, "mean", &o, &sp, &ns, 1, &t);
  const double *scores = sp.scores;
  mu_suppress_means(&t, sp.min_base);
  const mu_design_var *q = &d->var[sp.var];
  int G = t.ngroups;
  lua_createtable(L, G, 8);
  int res = lua_gettop(L);
  for (int g = 0; g <= G; g++) {
    const mu_mean *m = &t.means[g];
    lua_createtable(L, 0, 12);
    if (m->suppressed) {
      lua_pushstring(L, m->suppressed == 1 ? "primary" : "complementary");
      lua_setfield(L, -2, "suppressed");
    } else {
      setint(L, "n", m->n);
      setnum(L, "weight", m->weighted);
      setnum(L, "mean", m->mean);
      setnum(L, "se", m->se);
      setnum(L, "lo", m->lo);
      setnum(L, "hi", m->hi);
      setnum(L, "deff", m->deff);
      setnum(L, "df", m->df);
      if (m->why) {
        lua_pushstring(L, m->why);
        lua_setfield(L, -2, "why");
      }
    }
    if (g < G) push_group(L, d, &t, sp.by, g);
    if (g < G) lua_rawseti(L, res, g + 1);
    else lua_setfield(L, res, "all");
  }
  lua_createtable(L, 0, 0);   /* the options left out of the base */
  for (int k = 0, n = 0; k < q->nlevels; k++)
    if (isnan(scores[k])) {
      lua_pushstring(L, q->keys[k]);
      lua_rawseti(L, -2, ++n);
    }
  lua_setfield(L, res, "unscored");
  lua_pushstring(L, o.question);
  lua_setfield(L, res, "question");
  setnum(L, "level", o.level);
  setint(L, "min_base", sp.min_base);
  mu_table_free(&t);
  return 1;
}

/*
** survey:chisq{a, b, where = {}} -> {f, ndf, ddf, p, chisq, rows, cols}
** The Rao-Scott corrected test of association (R's svychisq, statistic "F").
*/
static int survey_chisq(lua_State *L) {
  mu_check_entity_record(L, 1, "survey", "chisq");
  luaL_checktype(L, 2, LUA_TTABLE);
  static const char *const keys[] = {"where", NULL};
  lua_pushnil(L);
  while (lua_next(L, 2)) {   /* check the named keys; the two variables are positional */
    if (lua_type(L, -2) == LUA_TSTRING) {
      int i = 0;
      while (keys[i] && strcmp(keys[i], lua_tostring(L, -2))) i++;
      if (!keys[i]) return luaL_error(L, "chisq: unknown option '%s'", lua_tostring(L, -2));
    }
    lua_pop(L, 1);
  }
  lua_geti(L, 2, 1);
  lua_geti(L, 2, 2);
  const char *a = lua_tostring(L, -2), *b = lua_tostring(L, -1);
  if (!a || !b) return luaL_error(L, "chisq: name two variables, e.g. survey:chisq{'q1', 'department'}");
  names ns = {{0}, 0};
  int va = add_name(L, &ns, a), vb = add_name(L, &ns, b), fv[8], fl[8], nf = 0;
  const char *wn[8];
  int wi[8];
  if (lua_getfield(L, 2, "where") == LUA_TTABLE) {
    int w = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, w)) {
      if (lua_type(L, -2) != LUA_TSTRING || nf == 8) return luaL_error(L, "chisq: where{} needs variable names");
      wn[nf] = lua_tostring(L, -2);
      wi[nf] = lua_gettop(L);
      fv[nf] = add_name(L, &ns, wn[nf]);
      nf++;
      lua_pushvalue(L, -2);
    }
  }
  mu_design *d = push_design(L, 1, &ns, "chisq");
  for (int k = 0; k < nf; k++) fl[k] = check_level(L, d, fv[k], wi[k], "chisq", NULL);
  mu_chisq r;
  char err[512];
  int rc = mu_estimate_chisq(d, va, vb, fv, fl, nf, &r, err, sizeof err);
  if (rc == MU_DESIGN_RELOAD) {
    reload_design(L, d, &ns, "chisq");
    rc = mu_estimate_chisq(d, va, vb, fv, fl, nf, &r, err, sizeof err);
  }
  if (rc) return luaL_error(L, "chisq: %s", err);
  lua_createtable(L, 0, 8);
  setnum(L, "f", r.f);
  setnum(L, "ndf", r.ndf);
  setnum(L, "ddf", r.ddf);
  setnum(L, "p", r.p);
  setnum(L, "chisq", r.chisq);
  setint(L, "rows", r.nr);
  setint(L, "cols", r.nc);
  lua_pushliteral(L, "Rao-Scott second-order correction (F), as R's svychisq");
  lua_setfield(L, -2, "method");
  return 1;
}

/*
** survey:difference{question =, option =, by =, a =, b =, level = 0.95}
** The design-based difference of one answer's share between two groups:
** {share_a, share_b, diff, se, z, p, lo, hi, n_a, n_b}.
*/
int mu_survey_difference(lua_State *L) {
  static const char *const keys[] = {"question", "option", "by", "a", "b", "level", "min_base", NULL};
  mu_check_entity_record(L, 1, "survey", "difference");
  luaL_checktype(L, 2, LUA_TTABLE);
  mu_check_keys(L, 2, keys, "difference");
  const char *f[5];
  for (int k = 0; k < 5; k++) {
    lua_getfield(L, 2, keys[k]);
    f[k] = lua_tostring(L, -1);
    if (!f[k]) return luaL_error(L, "difference: give question, option, by, a and b");
  }
  double level = 0.95;
  if (lua_getfield(L, 2, "level") != LUA_TNIL) level = luaL_checknumber(L, -1);
  if (!(level > 0 && level < 1)) return luaL_error(L, "difference: level must be between 0 and 1");
  lua_Integer min_base = store_min_base(L, 1);
  if (lua_getfield(L, 2, "min_base") != LUA_TNIL) {
    min_base = luaL_checkinteger(L, -1);
    if (min_base < 0) return luaL_error(L, "difference: min_base must be 0 (no suppression) or more");
  }
  names ns = {{0}, 0};
  int v = add_name(L, &ns, f[0]), by = add_name(L, &ns, f[2]);
  mu_design *d = push_design(L, 1, &ns, "difference");
  lua_pushstring(L, f[1]);
  int opt = check_level(L, d, v, -1, "difference", NULL);
  lua_pushstring(L, f[3]);
  int ga = check_level(L, d, by, -1, "difference", NULL);
  lua_pushstring(L, f[4]);
  int gb = check_level(L, d, by, -1, "difference", NULL);
  if (ga == gb) return luaL_error(L, "difference: a and b are the same group ('%s'): name two groups", f[3]);
  mu_diff r;
  char err[512];
  int rc = mu_estimate_diff(d, v, opt, by, ga, gb, level, &r, err, sizeof err);
  if (rc == MU_DESIGN_RELOAD) {
    reload_design(L, d, &ns, "difference");
    rc = mu_estimate_diff(d, v, opt, by, ga, gb, level, &r, err, sizeof err);
  }
  if (rc) return luaL_error(L, "difference: %s", err);
  /* Disclosure control as a crosstab's: a group's share is given out only when its base may be published
     (a difference with a group of one would give away that respondent's answer), and one respondent gives
     no variance to test against. */
  for (int e = 0; e < 2; e++) {
    long long n = e ? r.n_b : r.n_a;
    if (n < min_base)
      return luaL_error(L, "difference: group '%s' has %I respondents who answered %s, under the disclosure "
                           "threshold of %I (min_base): its share is not published, so no difference is given",
                        f[3 + e], (lua_Integer)n, f[0], min_base);
    if (n < 2)
      return luaL_error(L, "difference: group '%s' has %s who answered %s: no variance, so no test is possible",
                        f[3 + e], n ? "one respondent" : "no respondent", f[0]);
  }
  lua_createtable(L, 0, 12);
  setnum(L, "share_a", r.share_a);
  setnum(L, "share_b", r.share_b);
  setnum(L, "diff", r.diff);
  setnum(L, "se", r.se);
  setnum(L, "z", r.z);
  setnum(L, "p", r.p);
  setnum(L, "lo", r.lo);
  setnum(L, "hi", r.hi);
  setint(L, "n_a", r.n_a);
  setint(L, "n_b", r.n_b);
  if (isnan(r.z)) {   /* z and p left out: say why rather than leave them silently missing */
    lua_pushliteral(L, "both shares have no design-based variance (each 0 or 1): no test is possible");
    lua_setfield(L, -2, "why");
  }
  return 1;
}

/*
** survey:import(file, {form = "wide"|"long", id =, weight =, strata =, psu =, fpc =,
**                      question =, answer =, max_errors =})
** -> {respondents, answers}. All or nothing; raises with every bad row.
*/
static int survey_import(lua_State *L) {
  static const char *const keys[] = {"form", "id", "weight", "strata", "psu", "fpc", "question", "answer",
                                     "max_errors", NULL};
  lrecord *r = mu_check_entity_record(L, 1, "survey", "import");
  const char *file = luaL_checkstring(L, 2);
  mu_microdata_opts o = {"id", NULL, NULL, NULL, NULL, 0, "question", "answer", 20, NULL};
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    mu_check_keys(L, 3, keys, "import");
    const char **slot[] = {NULL, &o.id, &o.weight, &o.strata, &o.psu, &o.fpc, &o.question, &o.answer};
    for (int k = 1; k < 8; k++)
      if (lua_getfield(L, 3, keys[k]) != LUA_TNIL) *slot[k] = luaL_checkstring(L, -1);
    if (lua_getfield(L, 3, "form") != LUA_TNIL) {
      const char *form = luaL_checkstring(L, -1);
      if (strcmp(form, "wide") && strcmp(form, "long"))
        return luaL_error(L, "import: form must be 'wide' (a row per respondent) or 'long' (a row per answer)");
      o.long_form = form[0] == 'l';
    }
    if (lua_getfield(L, 3, "max_errors") != LUA_TNIL) o.max_errors = (int)luaL_checkinteger(L, -1);
  }
  FILE *fp = fopen(file, "rb");
  if (!fp) return luaL_error(L, "import: cannot open %s: %s", file, strerror(errno));
  mu_record_store(L, 1);
  mu_microdata_result res;
  char err[1024];
  int rc = mu_import_microdata(mu_checkopen(L, -1), r->id, &o, file, fp, &res, err, sizeof err);
  fclose(fp);
  if (rc) {
    lua_pushfstring(L, "import of microdata failed, nothing was written:\n%s", res.errors ? res.errors : err);
    free(res.errors);
    return lua_error(L);
  }
  free(res.errors);
  lua_createtable(L, 0, 2);
  setint(L, "respondents", res.respondents);
  setint(L, "answers", res.answers);
  return 1;
}

const mu_method mu_microdata_methods[] = {
  {"survey", "crosstab", 0, mu_survey_crosstab_design},
  {"survey", "mean", 0, survey_mean},
  {"survey", "chisq", 0, survey_chisq},
  {"survey", "difference", 0, mu_survey_difference},
  {"survey", "import", 0, survey_import},
  {NULL, NULL, 0, NULL},
};
