/*
** The consistency check (`mutuals check`, db:check()): what in the store
** contradicts itself. Claims about one quantity whose values cannot both be
** true; rival figures of the same thing a few months apart that disagree
** beyond their precision; dates of one event that sources give differently;
** derived figures that no longer follow from their inputs; facts held
** twice; a field the sources dispute that still holds a value; rows
** without a source. Each problem has a stable key, so the data
** can explain the ones it keeps on purpose (known_issues).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

#define RIVAL_DAYS 92      /* figures this close in time describe the same state of affairs */
#define APPROX_SLACK 0.10  /* "around 45,000" allows 10% either way */

typedef struct {
  mu_store *s;
  mu_check_cb cb;
  void *ctx;
  sqlite3_stmt *known;    /* SELECT explanation FROM known_issues WHERE check_key = ? */
  int n, unknown;
} checker;

static int emit(checker *c, const char *kind, const char *key, const char *message) {
  const char *why = NULL;
  if (c->known) {
    sqlite3_reset(c->known);
    sqlite3_bind_text(c->known, 1, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(c->known) == SQLITE_ROW) why = (const char *)sqlite3_column_text(c->known, 0);
  }
  c->n++;
  if (!why) c->unknown++;
  return c->cb(c->ctx, kind, key, message, why);
}

/* The interval a figure allows, widened where it is approximate. */
static void allowed(const mu_qv *q, double *lo, double *hi) {
  *lo = q->lo;
  *hi = q->hi;
  if (q->approx) {
    *lo -= fabs(*lo) * APPROX_SLACK;
    *hi += fabs(*hi) * APPROX_SLACK;
  }
}

/* Can both figures be true of one number? */
static int compatible(const mu_qv *a, const mu_qv *b) {
  double alo, ahi, blo, bhi;
  if (!a->known || !b->known) return 1;
  allowed(a, &alo, &ahi);
  allowed(b, &blo, &bhi);
  if (ahi < blo || bhi < alo) return 0;
  if (ahi == blo && (a->hi_open || b->lo_open) && !a->approx && !b->approx) return 0;
  if (bhi == alo && (b->hi_open || a->lo_open) && !a->approx && !b->approx) return 0;
  return 1;
}

/* Every observation, in claim order, with its figure: a callback per consecutive pair of one group. */
typedef struct {
  long long id, source;
  mu_qv q;
  char key[512];    /* metric, subject, unit, geography, level or change */
  char date[16];
} figure;

static int load_figures(mu_store *s, figure **out, int *n, char *err, size_t errlen) {
  const mu_entity *e = mu_entity_find("observation");
  const mu_field *value = mu_field_find(e, "value");
  mu_query q;
  mu_query_init(&q, e);
  q.order[0] = &e->fields[0];
  q.norder = 1;
  sqlite3_stmt *st = mu_query_rows(s, &q, err, errlen);
  mu_query_free(&q);
  if (!st) return -1;
  int cap = 64;
  figure *f = malloc((size_t)cap * sizeof *f);
  *n = 0;
  int rc;
  while (f && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    mu_value row[64];
    for (size_t i = 0; i < e->nfields && i < 64; i++) row[i] = mu_column_value(st, (int)i);
    if (*n == cap) {
      figure *g = realloc(f, (size_t)(cap *= 2) * sizeof *f);
      if (!g) { free(f); f = NULL; break; }
      f = g;
    }
    figure *x = &f[*n];
    char why[128];
    if (mu_measure_row(e, value, row, &x->q, why, sizeof why)) continue;
    x->id = row[0].i;
    x->source = row[mu_field_index(e, "source_id")].i;
    const mu_value *m = &row[mu_field_index(e, "metric")], *st_ = &row[mu_field_index(e, "subject_type")],
                   *sid = &row[mu_field_index(e, "subject_id")], *u = &row[mu_field_index(e, "unit")],
                   *g = &row[mu_field_index(e, "geography")], *ch = &row[mu_field_index(e, "is_change")],
                   *d = &row[mu_field_index(e, "as_of")];
    snprintf(x->key, sizeof x->key, "%.*s|%.*s|%lld|%.*s|%.*s|%lld", (int)m->len, m->s, (int)st_->len, st_->s,
             sid->kind == MU_VINT ? sid->i : 0, (int)u->len, u->s, g->kind == MU_VTEXT ? (int)g->len : 0,
             g->kind == MU_VTEXT ? g->s : "", ch->i);
    snprintf(x->date, sizeof x->date, "%.*s", d->kind == MU_VTEXT ? (int)d->len : 0, d->kind == MU_VTEXT ? d->s : "");
    (*n)++;
  }
  sqlite3_finalize(st);
  if (!f) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  *out = f;
  return 0;
}

static void describe(const figure *x, char *buf, size_t len) {
  char text[512];
  mu_qv_describe(&x->q, text, sizeof text);
  snprintf(buf, len, "observation %lld: %s", x->id, text);
}

static int by_key(const void *a, const void *b) {
  const figure *x = a, *y = b;
  int k = strcmp(x->key, y->key);
  return k ? k : x->id < y->id ? -1 : x->id > y->id;
}

/* Claims of one quantity that cannot both hold, and rival figures close in time that disagree. */
static int check_figures(checker *c, char *err, size_t errlen) {
  figure *f = NULL;
  int n = 0, stop = 0;
  if (load_figures(c->s, &f, &n, err, errlen)) return -1;
  qsort(f, (size_t)n, sizeof *f, by_key);   /* then pairs are looked for within a key only */
  for (int i = 0; i < n && !stop; i++)
    for (int j = i + 1; j < n && !stop && strcmp(f[i].key, f[j].key) == 0; j++) {
      char a[600], b[600], key[96], msg[1400];
      const figure *x = &f[i], *y = &f[j];
      if (strcmp(x->date, y->date) == 0) {
        if (!compatible(&x->q, &y->q)) {
          describe(x, a, sizeof a);
          describe(y, b, sizeof b);
          snprintf(key, sizeof key, "contradiction:observation:%lld,%lld", x->id, y->id);
          snprintf(msg, sizeof msg, "two claims about the same quantity cannot both be true: %s; %s", a, b);
          stop = emit(c, "contradiction", key, msg);
        } else if (x->source == y->source && x->q.lo == y->q.lo && x->q.hi == y->q.hi && x->q.approx == y->q.approx) {
          describe(x, a, sizeof a);
          snprintf(key, sizeof key, "duplicate:observation:%lld,%lld", x->id, y->id);
          snprintf(msg, sizeof msg, "the same figure from the same source is held twice: %s (and observation %lld)", a,
                   y->id);
          stop = emit(c, "duplicate", key, msg);
        }
        continue;
      }
      long xf, xl, yf, yl;
      if (mu_date_span(x->date, &xf, &xl) || mu_date_span(y->date, &yf, &yl)) continue;
      long gap = xf > yl ? xf - yl : yf > xl ? yf - xl : 0;
      if (gap > RIVAL_DAYS || compatible(&x->q, &y->q)) continue;
      describe(x, a, sizeof a);
      describe(y, b, sizeof b);
      snprintf(key, sizeof key, "rival:observation:%lld,%lld", x->id, y->id);
      snprintf(msg, sizeof msg, "figures of the same thing %ld days apart disagree beyond their precision: %s; %s", gap,
               a, b);
      stop = emit(c, "rival", key, msg);
    }
  free(f);
  return 0;
}

/* One statement's rows, each handed to fn. */
static int each_row(checker *c, const char *sql, int (*fn)(checker *, sqlite3_stmt *), char *err, size_t errlen) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(c->s), sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(c->s)));
    return -1;
  }
  int rc, stop = 0;
  while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) stop = fn(c, st);
  sqlite3_finalize(st);
  return 0;
}

/* Dates of one status change that sources give differently (2009 against 2010). */
static int rival_dates(checker *c, sqlite3_stmt *st) {
  const char *da = (const char *)sqlite3_column_text(st, 3), *db = (const char *)sqlite3_column_text(st, 5);
  long af, al, bf, bl;
  if (mu_date_span(da, &af, &al) || mu_date_span(db, &bf, &bl) || !(al < bf || bl < af)) return 0;
  char key[96], msg[600];
  snprintf(key, sizeof key, "rival:status_change:%lld,%lld", (long long)sqlite3_column_int64(st, 2),
           (long long)sqlite3_column_int64(st, 4));
  snprintf(msg, sizeof msg, "sources date the same change of %s (to %s) differently: %s (source %lld) and %s (source %lld)",
           sqlite3_column_text(st, 0), sqlite3_column_text(st, 1), da, (long long)sqlite3_column_int64(st, 6), db,
           (long long)sqlite3_column_int64(st, 7));
  return emit(c, "rival", key, msg);
}

/* A derived figure recomputed from its inputs. */
static int derived_figure(checker *c, sqlite3_stmt *st) {
  const mu_entity *e = mu_entity_find("observation");
  const mu_field *value = mu_field_find(e, "value");
  mu_qv q[3];
  char err[256];
  for (int k = 0; k < 3; k++) {
    sqlite3_stmt *r;
    char *sql = sqlite3_mprintf("SELECT * FROM observations WHERE id = ?");
    int ok = sql && sqlite3_prepare_v2(mu_store_db(c->s), sql, -1, &r, NULL) == SQLITE_OK;
    sqlite3_free(sql);
    if (!ok) return 0;
    sqlite3_bind_int64(r, 1, sqlite3_column_int64(st, 2 + k));
    mu_value row[64];
    int found = sqlite3_step(r) == SQLITE_ROW;
    for (size_t i = 0; found && i < e->nfields && i < 64; i++) row[i] = mu_column_value(r, (int)i);
    int bad = !found || mu_measure_row(e, value, row, &q[k], err, sizeof err);
    sqlite3_finalize(r);
    if (bad) return 0;
  }
  const char *op = (const char *)sqlite3_column_text(st, 1);
  mu_qv got;
  if (!strcmp(op, "ratio")) mu_qv_div(&q[1], &q[2], &got, err, sizeof err);
  else if (!strcmp(op, "sum")) { if (mu_qv_add(&q[1], &q[2], &got, err, sizeof err)) return 0; }
  else { if (mu_qv_sub(&q[1], &q[2], &got, err, sizeof err)) return 0; }
  if (compatible(&q[0], &got)) return 0;
  char stated[256], computed[256], key[96], msg[800];
  mu_qv_text(&q[0], stated, sizeof stated);
  mu_qv_text(&got, computed, sizeof computed);
  snprintf(key, sizeof key, "derived:observation:%lld", (long long)sqlite3_column_int64(st, 2));
  snprintf(msg, sizeof msg, "observation %lld states %s, but its inputs (observations %lld and %lld, %s) give %s",
           (long long)sqlite3_column_int64(st, 2), stated, (long long)sqlite3_column_int64(st, 3),
           (long long)sqlite3_column_int64(st, 4), op, computed);
  return emit(c, "derived", key, msg);
}

/* A count derived from a rounded share must be a count that share could round from. */
static int derived_count(checker *c, sqlite3_stmt *st) {
  double share = sqlite3_column_double(st, 1), base = sqlite3_column_double(st, 2), count = sqlite3_column_double(st, 3);
  if (count >= floor((share - 0.005) * base) && count <= ceil((share + 0.005) * base)) return 0;
  char key[96], msg[400];
  snprintf(key, sizeof key, "derived:result:%lld", (long long)sqlite3_column_int64(st, 0));
  snprintf(msg, sizeof msg, "result %lld: the derived count %g is not %g%% of %g (to the rounding of the share)",
           (long long)sqlite3_column_int64(st, 0), count, share * 100, base);
  return emit(c, "derived", key, msg);
}

/* Derived group sizes must add up with the published ones to the whole. */
static int derived_groups(checker *c, sqlite3_stmt *st) {
  char key[96], msg[400];
  snprintf(key, sizeof key, "derived:survey_group:%lld", (long long)sqlite3_column_int64(st, 0));
  snprintf(msg, sizeof msg, "survey %lld: the %s groups add up to %lld, but the survey has %lld respondents overall",
           (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1), (long long)sqlite3_column_int64(st, 2),
           (long long)sqlite3_column_int64(st, 3));
  return emit(c, "derived", key, msg);
}

/* Two programmes with the same amount, unit and body: one fund held twice? */
static int duplicate_programme(checker *c, sqlite3_stmt *st) {
  char key[96], msg[600];
  snprintf(key, sizeof key, "duplicate:programme:%lld,%lld", (long long)sqlite3_column_int64(st, 0),
           (long long)sqlite3_column_int64(st, 1));
  snprintf(msg, sizeof msg, "programmes '%s' and '%s' have the same amount (%g %s) and body: one fact held twice?",
           sqlite3_column_text(st, 2), sqlite3_column_text(st, 3), sqlite3_column_double(st, 4),
           sqlite3_column_text(st, 5));
  return emit(c, "duplicate", key, msg);
}

/* A row's field in the form its claims give it: a reference as the natural key it names, else the value. */
static int stored_value(checker *c, const mu_entity *e, const mu_field *f, long long id, char *out, size_t len) {
  const mu_entity *target = f->type == MU_T_REF ? mu_entity_find(f->ref) : NULL;
  char *sql = target && target->key
    ? sqlite3_mprintf("SELECT t.\"%w\" FROM \"%w\" r JOIN \"%w\" t ON t.id = r.\"%w\" WHERE r.id = ?", target->key,
                      e->table, target->table, f->name)
    : sqlite3_mprintf("SELECT \"%w\" FROM \"%w\" WHERE id = ?", f->name, e->table);
  sqlite3_stmt *st;
  int found = 0;
  if (sql && sqlite3_prepare_v2(mu_store_db(c->s), sql, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
      snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
      found = 1;
    }
    sqlite3_finalize(st);
  }
  sqlite3_free(sql);
  return found;
}

/*
** A field the sources dispute (claims that cannot both hold: 2009 against
** 2010, DWP against the Cabinet Office; 2012-04 and 2012-04-30 agree) whose
** row nevertheless holds a value: unknown is the honest value, unless the
** store says why it keeps one.
*/
static int disputed(checker *c, sqlite3_stmt *st) {
  const char *type = (const char *)sqlite3_column_text(st, 0), *field = (const char *)sqlite3_column_text(st, 2);
  long long id = sqlite3_column_int64(st, 1);
  const mu_entity *e = type ? mu_entity_find(type) : NULL;
  const mu_field *f = e && field ? mu_field_find(e, field) : NULL;   /* identifiers only from the model */
  char value[200], key[160], msg[800];
  if (!f || !stored_value(c, e, f, id, value, sizeof value)) return 0;
  snprintf(key, sizeof key, "disputed:%s:%lld:%s", e->name, id, f->name);
  snprintf(msg, sizeof msg, "%s %lld: %s is %s, but the sources disagree: %s; leave it unknown, or explain why the "
           "store keeps one", e->name, id, f->name, value, (const char *)sqlite3_column_text(st, 3));
  return emit(c, "disputed", key, msg);
}

/* Rows that cite no source, or a source that is not there. */
static int check_sources(checker *c, char *err, size_t errlen) {
  for (const mu_entity *const *e = mu_entities; *e; e++) {
    const mu_field *f = mu_field_find(*e, "source_id");
    if (!f || strcmp((*e)->name, "known_issue") == 0) continue;
    char *sql = sqlite3_mprintf("SELECT t.id FROM \"%w\" t LEFT JOIN sources s ON s.id = t.source_id "
                                "WHERE s.id IS NULL", (*e)->table);
    sqlite3_stmt *st;
    int ok = sql && sqlite3_prepare_v2(mu_store_db(c->s), sql, -1, &st, NULL) == SQLITE_OK;
    sqlite3_free(sql);
    if (!ok) {
      snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(c->s)));
      return -1;
    }
    int stop = 0;
    while (!stop && sqlite3_step(st) == SQLITE_ROW) {
      char key[96], msg[200];
      long long id = sqlite3_column_int64(st, 0);
      snprintf(key, sizeof key, "unsourced:%s:%lld", (*e)->name, id);
      snprintf(msg, sizeof msg, "%s %lld cites no source (or one that is not in the store)", (*e)->name, id);
      stop = emit(c, "unsourced", key, msg);
    }
    sqlite3_finalize(st);
  }
  return 0;
}

int mu_check(mu_store *s, mu_check_cb cb, void *ctx, int *unknown, char *err, size_t errlen) {
  checker c = {s, cb, ctx, NULL, 0, 0};
  sqlite3_prepare_v2(mu_store_db(s), "SELECT explanation FROM known_issues WHERE check_key = ?", -1, &c.known, NULL);
  int rc = check_figures(&c, err, errlen) ||
    each_row(&c,
      "SELECT m.name, a.status, a.id, a.date, b.id, b.date, a.source_id, b.source_id FROM status_changes a "
      "JOIN status_changes b ON b.mutual_id = a.mutual_id AND b.status = a.status AND b.id > a.id "
      "AND b.source_id <> a.source_id JOIN mutuals m ON m.id = a.mutual_id "
      "WHERE a.date IS NOT NULL AND b.date IS NOT NULL ORDER BY a.id, b.id", rival_dates, err, errlen) ||
    each_row(&c, "SELECT id, op, result_id, a_id, b_id FROM derivations ORDER BY id", derived_figure, err, errlen) ||
    each_row(&c, "SELECT id, share, base_n, count FROM results WHERE count_derived = 1 AND base_n IS NOT NULL "
                 "AND count IS NOT NULL ORDER BY id", derived_count, err, errlen) ||
    each_row(&c,
      "SELECT g.survey_id, g.breakdown, sum(g.n), s.respondents FROM survey_groups g JOIN surveys s ON s.id = g.survey_id "
      "WHERE g.breakdown <> 'overall' AND s.respondents IS NOT NULL GROUP BY g.survey_id, g.breakdown, g.source_id "
      "HAVING max(g.derived) = 1 AND sum(g.n) <> s.respondents", derived_groups, err, errlen) ||
    each_row(&c,
      "SELECT a.id, b.id, a.key, b.key, a.amount, coalesce(a.unit, '') FROM programmes a JOIN programmes b "
      "ON b.id > a.id AND b.amount = a.amount AND b.unit IS a.unit AND b.body_id IS a.body_id "
      "WHERE a.amount IS NOT NULL ORDER BY a.id, b.id", duplicate_programme, err, errlen) ||
    each_row(&c,
      "SELECT a.subject_type, a.subject_id, a.field, (SELECT group_concat(coalesce(x.value, 'unknown') || ' (' || "
      "coalesce(s.key, 'source ' || x.source_id) || ')', ', ') FROM claims x LEFT JOIN sources s ON s.id = x.source_id "
      "WHERE x.subject_type = a.subject_type AND x.subject_id = a.subject_id AND x.field = a.field) "
      "FROM claims a JOIN claims b ON b.subject_type = a.subject_type AND b.subject_id = a.subject_id "
      "AND b.field = a.field AND b.id > a.id "
      "WHERE a.value IS NOT NULL AND b.value IS NOT NULL AND a.value <> b.value "
      "AND substr(a.value, 1, length(b.value) + 1) <> b.value || '-' "   /* 2012-04-30 within 2012-04 */
      "AND substr(b.value, 1, length(a.value) + 1) <> a.value || '-' "
      "GROUP BY a.subject_type, a.subject_id, a.field ORDER BY 1, 2, 3", disputed, err, errlen) ||
    check_sources(&c, err, errlen);
  sqlite3_finalize(c.known);
  if (unknown) *unknown = c.unknown;
  return rc ? -1 : 0;
}
