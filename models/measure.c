/*
** Aggregates that keep the truth of their terms. A numeric field summed,
** averaged or compared across rows is read row by row as a qualified value
** (its qualifier, unit, date, area and source, as the entity's measure says)
** and folded with interval rules (qvalue.c). SQL's own sum() would add "at
** least 58" to 58 as 116 and count an unknown as 0.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

/* The text of a row value as a NUL-terminated string in buf, or NULL. */
static const char *text_of(const mu_value *v, char *buf, size_t len) {
  if (v->kind != MU_VTEXT) return NULL;
  snprintf(buf, len, "%.*s", (int)v->len, v->s);
  return buf;
}

static const mu_value *field_value(const mu_entity *e, const mu_value *row, const char *name) {
  int i = name ? mu_field_index(e, name) : -1;
  return i < 0 ? NULL : &row[i];
}

int mu_measure_row(const mu_entity *e, const mu_field *f, const mu_value *row, mu_qv *out, char *err,
                   size_t errlen) {
  const mu_measure *m = mu_measure_of(e, f);
  char qual[32], unit[64], date[16], geo[128];
  const mu_value *v = field_value(e, row, f->name), *x;
  const char *qualifier = NULL, *u = m ? m->unit : NULL;
  if (m && (x = field_value(e, row, m->qualifier))) qualifier = text_of(x, qual, sizeof qual);
  if (m && (x = field_value(e, row, m->unit_field))) u = text_of(x, unit, sizeof unit);
  double number = v->kind == MU_VINT ? (double)v->i : v->kind == MU_VREAL ? v->r : NAN;
  if (mu_qv_make(out, number, qualifier, u)) {
    snprintf(err, errlen, "%s %lld: %s has an unknown qualifier '%s'", e->name, row[0].i, f->name, qualifier);
    return -1;
  }
  if (f->flags & (MU_NONNEG | MU_POSITIVE | MU_SHARE)) mu_qv_set_nonneg(out);
  if (m && (x = field_value(e, row, m->date))) mu_qv_set_date(out, text_of(x, date, sizeof date));
  mu_qv_set_geography(out, m && (x = field_value(e, row, m->geography)) ? text_of(x, geo, sizeof geo) : NULL);
  if ((x = field_value(e, row, "source_id")) && x->kind == MU_VINT) mu_qv_add_source(out, x->i);
  return 0;
}

/* "observation 2 (at least 58 organisations (June 2012; source 3))" for each id in the comma list. */
static void describe_claims(mu_store *s, const mu_entity *e, const mu_field *f, const char *ids, char *buf,
                            size_t len) {
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendall(str, "SELECT ");
  for (size_t i = 0; i < e->nfields; i++) sqlite3_str_appendf(str, "%s\"%w\"", i ? ", " : "", e->fields[i].name);
  sqlite3_str_appendf(str, " FROM \"%w\" WHERE id = ?", e->table);
  char *sql = sqlite3_str_finish(str);
  sqlite3_stmt *st = NULL;
  size_t used = 0;
  int shown = 0;
  buf[0] = '\0';
  if (sql) sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL);
  sqlite3_free(sql);
  for (const char *p = ids; st && p && *p && used < len; p = strchr(p, ','), p = p ? p + 1 : NULL) {
    long long id = atoll(p);
    if (shown == 4) {
      used += (size_t)snprintf(buf + used, len - used, " and more");
      break;
    }
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) continue;
    mu_value row[64];
    for (size_t i = 0; i < e->nfields && i < 64; i++) row[i] = mu_column_value(st, (int)i);
    mu_qv q;
    char why[128], text[512];
    if (mu_measure_row(e, f, row, &q, why, sizeof why)) continue;
    mu_qv_describe(&q, text, sizeof text);
    used += (size_t)snprintf(buf + used, len - used, "%s%s %lld: %s", shown ? "; " : "", e->name, id, text);
    shown++;
  }
  sqlite3_finalize(st);
}

/*
** Is any quantity claimed twice among the rows (within one group)? Then a
** sum or mean would count it twice: say which rows and how to choose.
*/
static int refuse_double_claims(mu_store *s, const mu_query *q, const mu_measure *m, const mu_field *f,
                                const mu_field *by, const char *agg, char *err, size_t errlen) {
  if (!m || !m->claim) return 0;
  sqlite3_str *key = sqlite3_str_new(mu_store_db(s));
  if (by) sqlite3_str_appendf(key, "\"%w\"", by->name);
  for (const char *const *c = m->claim; *c; c++)
    sqlite3_str_appendf(key, "%s\"%w\"", by || c != m->claim ? ", " : "", *c);
  char *k = sqlite3_str_finish(key);
  char *tail = k ? sqlite3_mprintf(" GROUP BY %s HAVING count(*) > 1 LIMIT 1", k) : NULL;
  sqlite3_free(k);
  if (!tail) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  sqlite3_stmt *st = mu_query_wrap(s, q, "SELECT group_concat(\"id\"), count(*)", tail, err, errlen);
  sqlite3_free(tail);
  if (!st) return -1;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    char claims[1536], fields[256];
    size_t used = 0;
    fields[0] = '\0';
    for (const char *const *c = m->claim; *c && used < sizeof fields; c++)
      used += (size_t)snprintf(fields + used, sizeof fields - used, "%s%s", c == m->claim ? "" : ", ", *c);
    describe_claims(s, q->e, f, (const char *)sqlite3_column_text(st, 0), claims, sizeof claims);
    snprintf(err, errlen,
             "%s: %d rows are claims about the same quantity (same %s), so adding them would count it %d times: "
             "%s. Pick one claim (e.g. where{source_id = ...}), or use max or min",
             agg, sqlite3_column_int(st, 1), fields, sqlite3_column_int(st, 1), claims);
    sqlite3_finalize(st);
    return -1;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    return -1;
  }
  return 0;
}

/* The group's result, handed to the caller. */
static int finish(mu_agg agg, mu_qv *acc, const mu_value *group, mu_measure_cb cb, void *ctx) {
  mu_qv out = *acc;
  if (agg == MU_AGG_AVG) mu_qv_mean(acc, &out);
  if ((agg == MU_AGG_MIN || agg == MU_AGG_MAX) && acc->nterms == 0) mu_qv_unknown(&out, acc->unit);
  return cb(ctx, group, &out);
}

static int same_value(const mu_value *a, const mu_value *b) {
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
    case MU_VNULL: return 1;
    case MU_VINT: return a->i == b->i;
    case MU_VREAL: return a->r == b->r;
    default: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
  }
}

int mu_query_measure(mu_store *s, const mu_query *q, mu_agg agg, const mu_field *f, const mu_field *by,
                     mu_measure_cb cb, void *ctx, char *err, size_t errlen) {
  static const char *const names[] = {"count", "sum", "avg", "min", "max"};
  const mu_entity *e = q->e;
  const mu_measure *m = mu_measure_of(e, f);
  mu_fold how = agg == MU_AGG_MIN ? MU_FOLD_MIN : agg == MU_AGG_MAX ? MU_FOLD_MAX : MU_FOLD_SUM;
  int nonneg = (f->flags & (MU_NONNEG | MU_POSITIVE | MU_SHARE)) != 0;
  if (!mu_field_numeric(f)) {
    snprintf(err, errlen, "%s: %s.%s is not a number field", names[agg], e->name, f->name);
    return -1;
  }
  if ((agg == MU_AGG_SUM || agg == MU_AGG_AVG) &&
      refuse_double_claims(s, q, m, f, by, names[agg], err, errlen))
    return -1;
  sqlite3_str *head = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendall(head, "SELECT ");
  for (size_t i = 0; i < e->nfields; i++) sqlite3_str_appendf(head, "%s\"%w\"", i ? ", " : "", e->fields[i].name);
  char *h = sqlite3_str_finish(head);
  char *tail = by ? sqlite3_mprintf(" ORDER BY \"%w\"", by->name) : NULL;
  sqlite3_stmt *st = h && (tail || !by) ? mu_query_wrap(s, q, h, tail, err, errlen) : NULL;
  if (!h || (by && !tail)) snprintf(err, errlen, "out of memory");
  sqlite3_free(h);
  sqlite3_free(tail);
  if (!st) return -1;
  int byi = by ? mu_field_index(e, by->name) : -1;
  mu_qv acc;
  mu_value group = {MU_VNULL, 0, 0, NULL, 0};
  char *gtext = NULL;
  int rc = SQLITE_DONE, fail = 0, started = 0;
  mu_qv_fold_init(&acc, m ? m->unit : NULL, nonneg);
  while (!fail && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    mu_value row[64];
    for (size_t i = 0; i < e->nfields && i < 64; i++) row[i] = mu_column_value(st, (int)i);
    if (byi >= 0 && (!started || !same_value(&row[byi], &group))) {
      if (started && finish(agg, &acc, &group, cb, ctx)) {
        snprintf(err, errlen, "out of memory");
        fail = 1;
        break;
      }
      free(gtext);
      gtext = NULL;
      group = row[byi];
      if (group.kind == MU_VTEXT) {
        gtext = malloc(group.len + 1);
        if (!gtext) { snprintf(err, errlen, "out of memory"); fail = 1; break; }
        memcpy(gtext, group.s, group.len);
        gtext[group.len] = '\0';
        group.s = gtext;
      }
      mu_qv_fold_init(&acc, m ? m->unit : NULL, nonneg);
    }
    started = 1;
    mu_qv term;
    if (mu_measure_row(e, f, row, &term, err, errlen) || mu_qv_fold(&acc, how, &term, err, errlen)) {
      char why[256];
      snprintf(why, sizeof why, "%s", err);
      snprintf(err, errlen, "%s: %s.%s: %s%s", names[agg], e->name, f->name, why,
               m && m->unit_field && strstr(why, "units differ") ? "; or keep to one unit, e.g. where{unit = ...}" : "");
      fail = 1;
    }
  }
  if (!fail && rc != SQLITE_DONE) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    fail = 1;
  }
  sqlite3_finalize(st);
  /* Without `by` there is always one result, even over no rows (a sum of nothing is 0). */
  if (!fail && (started || byi < 0) && finish(agg, &acc, &group, cb, ctx)) {
    snprintf(err, errlen, "out of memory");
    fail = 1;
  }
  free(gtext);
  return fail ? -1 : 0;
}
