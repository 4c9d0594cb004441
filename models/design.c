/*
** The survey design over a survey's microdata: respondents with their
** weights, strata, primary sampling units and finite population correction,
** and the answers and attributes an estimate needs, as categorical
** variables (a level index per respondent, -1 when missing). Loaded once per
** estimate from SQL into arrays; the estimation (estimate.c) is a tight loop
** over them, and nothing passes through Lua.
**
** A variable is a question of the survey (its options, in their order) or a
** respondent attribute (its values, sorted as R sorts a factor's levels in
** the C locale). Respondents without a respondents row (microdata imported
** as answers only) are derived from their answers, as migration 5 does.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "design_cache.h"

/* ---------------------------------------------------------------- interned strings */

typedef struct {
  char **keys;
  int *ids;
  size_t cap, n;
} strmap;

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* The index of s in the map, adding it if new; -1 when out of memory. */
static int intern(strmap *m, const char *s) {
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **keys = calloc(cap, sizeof *keys);
    int *ids = calloc(cap, sizeof *ids);
    if (!keys || !ids) {
      free(keys);
      free(ids);
      return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
      if (m->keys[i]) {
        size_t j = hash(m->keys[i]) & (cap - 1);
        while (keys[j]) j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        ids[j] = m->ids[i];
      }
    free(m->keys);
    free(m->ids);
    m->keys = keys;
    m->ids = ids;
    m->cap = cap;
  }
  size_t j = hash(s) & (m->cap - 1);
  while (m->keys[j]) {
    if (strcmp(m->keys[j], s) == 0) return m->ids[j];
    j = (j + 1) & (m->cap - 1);
  }
  if (!(m->keys[j] = strdup(s))) return -1;
  m->ids[j] = (int)m->n++;
  return m->ids[j];
}

static void strmap_free(strmap *m) {
  for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
  free(m->keys);
  free(m->ids);
  memset(m, 0, sizeof *m);
}

/* The map's strings in index order (borrowed from the map). */
static char **strmap_list(const strmap *m) {
  char **list = calloc(m->n ? m->n : 1, sizeof *list);
  if (!list) return NULL;
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) list[m->ids[i]] = m->keys[i];
  return list;
}

/* ---------------------------------------------------------------- loading */

void mu_design_free(mu_design *d) {
  if (!d) return;
  free(d->w);
  free(d->stratum);
  free(d->psu);
  free(d->psu_stratum);
  free(d->fpc);
  free(d->psus_in_stratum);
  mu_design_source_close(d->src);
  for (int v = 0; v < d->nvars; v++) {
    free(d->var[v].code);
    for (int k = 0; k < d->var[v].nlevels; k++) {
      free(d->var[v].keys[k]);
      free(d->var[v].labels[k]);
    }
    free(d->var[v].keys);
    free(d->var[v].labels);
    free(d->var[v].option_ids);
    free(d->var[v].name);
  }
  free(d->var);
  memset(d, 0, sizeof *d);
}

static char *dupn(const char *s) {
  return strdup(s ? s : "");
}

/* Resolve a name: a question of the survey (its id and options), else an attribute. */
static int resolve_var(mu_store *s, long long survey, const char *name, mu_design_var *v, char *err, size_t errlen) {
  sqlite3_stmt *st;
  memset(v, 0, sizeof *v);
  if (!(v->name = strdup(name))) goto oom;
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT id FROM questions WHERE survey_id = ? AND key = ?", -1, &st, NULL))
    goto sql;
  sqlite3_bind_int64(st, 1, survey);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) v->question_id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (!v->question_id) return 0;   /* an attribute: levels come from the data */
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT id, key, label FROM options WHERE question_id = ? ORDER BY ordinal, id",
                         -1, &st, NULL))
    goto sql;
  sqlite3_bind_int64(st, 1, v->question_id);
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (v->nlevels % 16 == 0) {
      int cap = v->nlevels + 16;
      char **k = realloc(v->keys, (size_t)cap * sizeof *k), **l = k ? realloc(v->labels, (size_t)cap * sizeof *l) : NULL;
      long long *ids = l ? realloc(v->option_ids, (size_t)cap * sizeof *ids) : NULL;
      if (k) v->keys = k;
      if (l) v->labels = l;
      if (ids) v->option_ids = ids;
      if (!k || !l || !ids) {
        sqlite3_finalize(st);
        goto oom;
      }
    }
    v->option_ids[v->nlevels] = sqlite3_column_int64(st, 0);
    v->keys[v->nlevels] = dupn((const char *)sqlite3_column_text(st, 1));
    v->labels[v->nlevels] = dupn((const char *)sqlite3_column_text(st, 2));
    v->nlevels++;
  }
  sqlite3_finalize(st);
  if (v->nlevels == 0) {
    snprintf(err, errlen, "question '%s' has no answer options", name);
    return -1;
  }
  return 0;
sql:
  snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
  return -1;
oom:
  snprintf(err, errlen, "out of memory");
  return -1;
}

static int by_c_locale(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int mu_design_resolve_var(mu_store *s, long long survey, const char *name, mu_design_var *v, char *err,
                          size_t errlen) {
  return resolve_var(s, survey, name, v, err, errlen);
}

/*
** The scan of a survey's rows, shared by the whole load below and by the
** cache built in two passes (design_build.c): respondents in key order, each
** handed to a callback with its strata, PSU and attribute levels as indexes
** in the scan's maps (first appearance order, stable across passes), an own
** PSU as -1 - k for the k-th respondent without a cluster.
*/
struct mu_scan {
  strmap strata, psus, *levels;
  int nvars, own_psus;
  double *fpc;               /* per stratum: the fpc its first respondent gave (0: none), NAN before any */
  size_t fpc_cap;
};

mu_scan *mu_scan_new(int nvars) {
  mu_scan *sc = calloc(1, sizeof *sc);
  if (sc && !(sc->levels = calloc((size_t)(nvars ? nvars : 1), sizeof *sc->levels))) {
    free(sc);
    return NULL;
  }
  if (sc) sc->nvars = nvars;
  return sc;
}

void mu_scan_free(mu_scan *sc) {
  if (!sc) return;
  for (int v = 0; v < sc->nvars; v++) strmap_free(&sc->levels[v]);
  free(sc->levels);
  strmap_free(&sc->strata);
  strmap_free(&sc->psus);
  free(sc->fpc);
  free(sc);
}

/*
** A stratum has one finite population correction (R's svydesign refuses one that varies): a respondent
** giving another than the stratum's first, or none where it gave one, is an error, not a value to
** overwrite. 0, or -1 with the reason.
*/
static int check_fpc(mu_scan *sc, int h, double fpc, const char *stratum, const char *key, char *err,
                     size_t errlen) {
  if ((size_t)h >= sc->fpc_cap) {
    size_t cap = sc->fpc_cap ? sc->fpc_cap * 2 : 64;
    while (cap <= (size_t)h) cap *= 2;
    double *g = realloc(sc->fpc, cap * sizeof *g);
    if (!g) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    for (size_t k = sc->fpc_cap; k < cap; k++) g[k] = NAN;
    sc->fpc = g;
    sc->fpc_cap = cap;
  }
  if (isnan(sc->fpc[h])) sc->fpc[h] = fpc;
  else if (sc->fpc[h] != fpc) {
    char given[40] = "none", earlier[40] = "none";
    if (fpc > 0) snprintf(given, sizeof given, "%g", fpc);
    if (sc->fpc[h] > 0) snprintf(earlier, sizeof earlier, "%g", sc->fpc[h]);
    snprintf(err, errlen, "respondent '%s' gives stratum '%s' the finite population correction %s where an earlier "
             "respondent gave %s: a stratum has one (R's svydesign refuses this too); correct the respondents' fpc",
             key, stratum && *stratum ? stratum : "(the only one)", given, earlier);
    return -1;
  }
  return 0;
}

int mu_scan_nstrata(const mu_scan *sc) { return (int)sc->strata.n; }
int mu_scan_named_psus(const mu_scan *sc) { return (int)sc->psus.n; }
int mu_scan_own_psus(const mu_scan *sc) { return sc->own_psus; }

/*
** Attribute v's levels in sorted order, as R's factor() gives them (C locale): keys[k] (malloc'd strings in a
** malloc'd array) and remap[i], the sorted position of the level interned i-th. n levels; -1 out of memory.
*/
int mu_scan_levels(const mu_scan *sc, int v, char ***keys, int **remap, int *n) {
  char **list = strmap_list(&sc->levels[v]);
  *n = (int)sc->levels[v].n;
  char **sorted = malloc((size_t)(*n ? *n : 1) * sizeof *sorted);
  *remap = malloc((size_t)(*n ? *n : 1) * sizeof **remap);
  *keys = calloc((size_t)(*n ? *n : 1), sizeof **keys);
  int fail = !list || !sorted || !*remap || !*keys;
  if (!fail) {
    memcpy(sorted, list, (size_t)*n * sizeof *sorted);
    qsort(sorted, (size_t)*n, sizeof *sorted, by_c_locale);
    for (int k = 0; k < *n && !fail; k++) {
      fail = !((*keys)[k] = strdup(sorted[k]));
      for (int j = 0; j < *n; j++)
        if (list[j] == sorted[k]) (*remap)[j] = k;
    }
  }
  free(list);
  free(sorted);
  return fail ? -1 : 0;
}

int mu_scan_rows(mu_store *s, long long survey, const char *const *names, int nnames, const mu_design_var *var,
                 mu_scan *sc, int (*row)(void *ctx, const mu_scan_row *r), void *ctx, char *err, size_t errlen) {
  /*
  ** Two scans in respondent order, merged: the respondents (design and
  ** attributes) and their answers, both read along their unique indexes
  ** (survey_id, key) and (survey_id, respondent, question_id), so nothing
  ** is sorted and no query runs per respondent. A respondent with answers
  ** but no respondents row is derived from its answers (weight, department
  ** and grade), as migration 5 derives them.
  */
  sqlite3_stmt *rs = NULL, *as = NULL;
  mu_store_map(s, 0);   /* a scan of every row: not through a map, where each page read would stay resident */
  if (nnames > MU_MAX_VARS) {
    snprintf(err, errlen, "at most %d variables in one estimate", MU_MAX_VARS);
    return -1;
  }
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT key, weight, stratum, psu, fpc, attributes FROM respondents "
                         "WHERE survey_id = ? ORDER BY key", -1, &rs, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(mu_store_db(s), "SELECT respondent, question_id, option_id, weight, department, grade "
                         "FROM responses WHERE survey_id = ? ORDER BY respondent, question_id", -1, &as, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    sqlite3_finalize(rs);
    return -1;
  }
  sqlite3_bind_int64(rs, 1, survey);
  sqlite3_bind_int64(as, 1, survey);
  sc->own_psus = 0;   /* numbered afresh each pass, in the same order */
  int fail = 0, rrc = sqlite3_step(rs), arc = sqlite3_step(as);
  while (!fail && (rrc == SQLITE_ROW || arc == SQLITE_ROW)) {
    const char *rkey = rrc == SQLITE_ROW ? (const char *)sqlite3_column_text(rs, 0) : NULL;
    const char *akey = arc == SQLITE_ROW ? (const char *)sqlite3_column_text(as, 0) : NULL;
    int cmp = !rkey ? 1 : !akey ? -1 : strcmp(rkey, akey);
    const char *key = cmp <= 0 ? rkey : akey;
    char keybuf[512];
    size_t klen = strlen(key);
    if (klen >= sizeof keybuf) klen = sizeof keybuf - 1;   /* keys are compared to this copy: long ones are cut alike */
    memcpy(keybuf, key, klen);
    keybuf[klen] = '\0';
    const char *h = NULL, *p = NULL;
    json_t *attrs = NULL;
    mu_scan_row r;
    r.fpc = 0;
    for (int v = 0; v < nnames; v++) r.code[v] = -1;
    if (cmp <= 0) {   /* a respondents row: its design and attributes */
      r.w = sqlite3_column_double(rs, 1);
      h = (const char *)sqlite3_column_text(rs, 2);
      p = (const char *)sqlite3_column_text(rs, 3);
      r.fpc = sqlite3_column_type(rs, 4) == SQLITE_NULL ? 0 : sqlite3_column_double(rs, 4);
      attrs = json_loads((const char *)sqlite3_column_text(rs, 5), 0, NULL);
    } else {
      r.w = sqlite3_column_double(as, 3);
    }
    char psukey[600];
    r.stratum = h ? intern(&sc->strata, h) : intern(&sc->strata, "");
    if (!p) {
      r.psu = -1 - sc->own_psus++;   /* no cluster: its own PSU, numbered after the named ones */
    } else {
      snprintf(psukey, sizeof psukey, "%s\x02%s", h ? h : "", p);   /* a PSU is named within its stratum */
      if ((r.psu = intern(&sc->psus, psukey)) < 0) fail = 1;
    }
    if (r.stratum < 0) fail = 1;
    else if (check_fpc(sc, r.stratum, r.fpc, h, keybuf, err, errlen)) {
      json_decref(attrs);
      fail = 1;
      break;   /* the reason is in err */
    }
    /* Attributes: from the respondents row, or for a derived respondent its answers' department and grade. */
    for (int v = 0; v < nnames && !fail; v++) {
      if (var[v].question_id) continue;
      const char *text = NULL;
      if (attrs) text = json_string_value(json_object_get(attrs, names[v]));
      else if (cmp > 0 && strcmp(names[v], "department") == 0) text = (const char *)sqlite3_column_text(as, 4);
      else if (cmp > 0 && strcmp(names[v], "grade") == 0) text = (const char *)sqlite3_column_text(as, 5);
      if (text && (r.code[v] = intern(&sc->levels[v], text)) < 0) fail = 1;
    }
    json_decref(attrs);
    if (cmp <= 0) rrc = sqlite3_step(rs);
    /* Its answers: every row of the answers scan with this key. */
    while (!fail && arc == SQLITE_ROW && strncmp((const char *)sqlite3_column_text(as, 0), keybuf, sizeof keybuf - 1) == 0) {
      long long qid = sqlite3_column_int64(as, 1), opt = sqlite3_column_int64(as, 2);
      for (int v = 0; v < nnames; v++) {
        if (var[v].question_id != qid) continue;
        for (int k = 0; k < var[v].nlevels; k++)
          if (var[v].option_ids[k] == opt) r.code[v] = k;
      }
      arc = sqlite3_step(as);
    }
    if (fail) snprintf(err, errlen, "out of memory");
    else if (row(ctx, &r)) fail = 1;   /* the callback says why */
  }
  if (!fail && ((rrc != SQLITE_DONE && rrc != SQLITE_ROW) || (arc != SQLITE_DONE && arc != SQLITE_ROW))) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    fail = 1;
  }
  sqlite3_finalize(rs);
  sqlite3_finalize(as);
  return fail ? -1 : 0;
}

/* Grow every per-respondent array to hold cap respondents. */
static int grow(mu_design *d, size_t cap) {
  double *w = realloc(d->w, cap * sizeof *w);
  if (w) d->w = w;
  double *fpc = w ? realloc(d->fpc, cap * sizeof *fpc) : NULL;
  if (fpc) d->fpc = fpc;
  int *st = fpc ? realloc(d->stratum, cap * sizeof *st) : NULL;
  if (st) d->stratum = st;
  int *psu = st ? realloc(d->psu, cap * sizeof *psu) : NULL;
  if (psu) d->psu = psu;
  if (!psu) return -1;
  for (int v = 0; v < d->nvars; v++) {
    int *c = realloc(d->var[v].code, cap * sizeof *c);
    if (!c) return -1;
    d->var[v].code = c;
  }
  return 0;
}

/* load_rows' callback: each respondent appended to the design's arrays. */
typedef struct {
  mu_design *d;
  size_t cap;
  char *err;
  size_t errlen;
} appender;

static int append(void *ctx, const mu_scan_row *r) {
  appender *a = ctx;
  mu_design *d = a->d;
  if ((size_t)d->n == a->cap && grow(d, a->cap = a->cap ? a->cap * 2 : 1024)) {
    snprintf(a->err, a->errlen, "out of memory");
    return -1;
  }
  size_t i = (size_t)d->n++;
  d->w[i] = r->w;
  d->fpc[i] = r->fpc;
  d->stratum[i] = r->stratum;
  d->psu[i] = r->psu;
  for (int v = 0; v < d->nvars; v++) d->var[v].code[i] = r->code[v];
  return 0;
}

/* The design and variables from the rows themselves (mu_design_load falls back to this). */
static int load_rows(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d, char *err,
                     size_t errlen) {
  memset(d, 0, sizeof *d);
  d->var = calloc((size_t)(nnames ? nnames : 1), sizeof *d->var);
  if (!d->var) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (int i = 0; i < nnames; i++) {
    if (resolve_var(s, survey, names[i], &d->var[i], err, errlen)) {
      d->nvars = i + 1;
      mu_design_free(d);
      return -1;
    }
    d->nvars = i + 1;
  }
  mu_scan *sc = mu_scan_new(nnames);
  appender a = {d, 0, err, errlen};
  if (!sc || mu_scan_rows(s, survey, names, nnames, d->var, sc, append, &a, err, errlen)) {
    if (!sc) snprintf(err, errlen, "out of memory");
    mu_scan_free(sc);
    mu_design_free(d);
    return -1;
  }
  int fail = 0;
  /* Strata and PSUs: how many, which stratum each PSU is in, each stratum's fpc. */
  int named = mu_scan_named_psus(sc), own_psus = mu_scan_own_psus(sc);
  d->nstrata = mu_scan_nstrata(sc);
  d->npsu = named + own_psus;
  d->own_psus = own_psus;
  for (int i = 0; i < d->n; i++)
    if (d->psu[i] < 0) d->psu[i] = named + (-1 - d->psu[i]);
  d->psu_stratum = calloc((size_t)(d->npsu ? d->npsu : 1), sizeof *d->psu_stratum);
  double *fpc_h = calloc((size_t)(d->nstrata ? d->nstrata : 1), sizeof *fpc_h);
  if (!d->psu_stratum || !fpc_h) {
    free(fpc_h);
    fail = 1;
  } else {
    for (int i = 0; i < d->n; i++) {
      d->psu_stratum[d->psu[i]] = d->stratum[i];
      if (d->fpc[i] > 0) fpc_h[d->stratum[i]] = d->fpc[i];
    }
    free(d->fpc);
    d->fpc = fpc_h;   /* from now on: per stratum */
  }
  /* Attribute levels in sorted order, as R's factor() gives them. */
  for (int v = 0; v < nnames && !fail; v++) {
    mu_design_var *var = &d->var[v];
    if (var->question_id) continue;
    int n, *remap;
    char **keys;
    if (mu_scan_levels(sc, v, &keys, &remap, &n)) {
      if (keys)
        for (int k = 0; k < n; k++) free(keys[k]);
      free(keys);
      free(remap);
      fail = 1;
      break;
    }
    char **labels = calloc((size_t)(n ? n : 1), sizeof *labels);
    if (!labels) {
      for (int k = 0; k < n; k++) free(keys[k]);
      free(keys);
      free(remap);
      fail = 1;
      break;
    }
    var->keys = keys;
    var->labels = labels;
    var->nlevels = n;
    for (int k = 0; k < n; k++) fail |= !(labels[k] = strdup(keys[k]));   /* NULL entries free harmlessly */
    for (int i = 0; i < d->n; i++)
      if (var->code[i] >= 0) var->code[i] = remap[var->code[i]];
    free(remap);
  }
  mu_scan_free(sc);
  if (fail) {
    snprintf(err, errlen, "out of memory");
    mu_design_free(d);
    return -1;
  }
  if (d->n == 0) {
    snprintf(err, errlen, "the survey has no respondents (import microdata first)");
    mu_design_free(d);
    return -1;
  }
  return 0;
}

/* From the columnar cache when it is current (design_cache.c); else from the rows, caching them. */
int mu_design_load(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d, char *err,
                   size_t errlen) {
  if (mu_design_cached(s, survey, names, nnames, d) == 0) return 0;
  if (load_rows(s, survey, names, nnames, d, err, errlen)) return -1;
  mu_design_cache(s, survey, d);
  return 0;
}

int mu_design_var_index(const mu_design *d, const char *name) {
  for (int v = 0; v < d->nvars; v++)
    if (strcmp(d->var[v].name, name) == 0) return v;
  return -1;
}

int mu_design_level(const mu_design_var *v, const char *key) {
  for (int k = 0; k < v->nlevels; k++)   /* a key first, then a label (as the importer: option_of) */
    if (strcmp(v->keys[k], key) == 0) return k;
  for (int k = 0; k < v->nlevels; k++)
    if (strcmp(v->labels[k], key) == 0) return k;
  return -1;
}

/* ---------------------------------------------------------------- helpers for the estimators */

/* Respondents in PSU order: order[start[j] .. start[j + 1] - 1] are PSU j's. */
int mu_design_order(const mu_design *d, int **order, int **start) {
  *order = malloc((size_t)d->n * sizeof **order);
  *start = calloc((size_t)d->npsu + 1, sizeof **start);
  if (!*order || !*start) return -1;
  for (int i = 0; i < d->n; i++) (*start)[mu_psu(d, i) + 1]++;
  for (int j = 0; j < d->npsu; j++) (*start)[j + 1] += (*start)[j];
  int *fill = malloc((size_t)d->npsu * sizeof *fill);
  if (!fill) return -1;
  memcpy(fill, *start, (size_t)d->npsu * sizeof *fill);
  for (int i = 0; i < d->n; i++) (*order)[fill[mu_psu(d, i)]++] = i;
  free(fill);
  return 0;
}

/* PSUs per stratum, and the factor (1 - f_h) n_h / (n_h - 1); a stratum with one PSU cannot be estimated. */
int mu_design_strata(const mu_design *d, double *factor, int *npsu_h, char *err, size_t errlen) {
  memset(npsu_h, 0, (size_t)d->nstrata * sizeof *npsu_h);
  if (d->psus_in_stratum) memcpy(npsu_h, d->psus_in_stratum, (size_t)d->nstrata * sizeof *npsu_h);
  else
    for (int j = 0; j < d->npsu; j++) npsu_h[mu_psu_stratum(d, j)]++;
  for (int h = 0; h < d->nstrata; h++) {
    int n = npsu_h[h];
    if (n < 2) {
      snprintf(err, errlen, "a stratum has only one PSU: its variance cannot be estimated (as R's survey with "
                            "lonely.psu \"fail\"); merge it with a neighbouring stratum");
      return -1;
    }
    double f = d->fpc[h] <= 0 ? 0 : d->fpc[h] <= 1 ? d->fpc[h] : n / d->fpc[h];
    if (f > 1) {   /* a negative variance, shown as 0 */
      snprintf(err, errlen, "a stratum's finite population correction (%g) is smaller than the %d PSUs sampled in it: "
               "a sampling fraction above 1 (R's svydesign refuses it too); the fpc is the population's number of "
               "PSUs in the stratum, or the fraction sampled", d->fpc[h], n);
      return -1;
    }
    factor[h] = (1 - f) * n / (n - 1.0);
  }
  return 0;
}

