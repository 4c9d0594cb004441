/*
** Survey microdata from a supplier's file, in one transaction: respondents
** with their design and attributes, and their answers. Two forms:
**   wide: one row per respondent, one column per question (as suppliers
**         deliver it); a column named by a question key holds the answer (an
**         option key or label; empty when not answered);
**   long: one row per answer, with columns for the respondent, the question
**         and the answer; respondent columns repeat on each of its rows and
**         must agree.
** The columns named as id, weight, strata, psu and fpc carry the design;
** every other column that is not a question is an attribute (department,
** grade, region, ...). Every bad row is reported, up to a limit, and then
** nothing is written.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <csv.h>
#include <jansson.h>
#include "model.h"
#include "lines.h"
#include "sealed_stream.h"

#define MAX_COLS 512

/* What one row says of its respondent: the design and the attributes. */
typedef struct {
  double weight, fpc;
  char *stratum, *psu;   /* malloc'd, or NULL */
  json_t *attrs;
} respondent_cols;

typedef struct {
  mu_store *s;
  const mu_microdata_opts *o;
  const char *name;
  long long survey;
  /* the header */
  int ncols, header_done;
  char *col[MAX_COLS];
  int role[MAX_COLS];          /* ROLE_* or a question index (>= 0) */
  /* questions of the survey and their options */
  int nq;
  char **qkey;
  long long *qid;
  int *nopt;
  char ***okey, ***olabel;
  long long **oid;
  /* the row being read */
  mu_csv_row row;
  long line, row_line;
  /* statements */
  sqlite3_stmt *ins_respondent, *ins_response;
  mu_seal_stream *stream;     /* the answers straight to the survey's columns while in order (sealed_stream.c) */
  int stream_off;
  mu_history history;   /* the respondents and answers added, for `mutuals imports` and undo */
  /* long form: the respondent of the last row, and what its row said, to check a later row agrees */
  char last_key[512];
  respondent_cols last;
  sqlite3_stmt *find_respondent;
  long long respondents_before;   /* the largest respondents id before this import */
  /* errors */
  int nerrors, max_errors, fatal;
  char *errors;
  size_t errlen;
  long long respondents, answers;
} loader;

enum { ROLE_ID = -1, ROLE_WEIGHT = -2, ROLE_STRATA = -3, ROLE_PSU = -4, ROLE_FPC = -5, ROLE_ATTR = -6,
       ROLE_QUESTION = -7, ROLE_ANSWER = -8 };

static void report(loader *l, long line, const char *fmt, ...) {
  char msg[1024];
  int n = line > 0 ? snprintf(msg, sizeof msg, "%s:%ld: ", l->name, line) : snprintf(msg, sizeof msg, "%s: ", l->name);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  if (++l->nerrors <= l->max_errors) mu_append_line(&l->errors, &l->errlen, msg);
}

static int stopped(loader *l) { return l->fatal || l->nerrors >= l->max_errors; }

/* Asked before each line: stop at Ctrl-C (saying so, once), or when the errors are enough. */
static int read_stop(void *ctx) {
  loader *l = ctx;
  if (!l->fatal && mu_interrupted()) {
    report(l, l->line + 1, "interrupted");
    l->fatal = 1;
  }
  return stopped(l);
}

static int load_questions(loader *l, char *err, size_t errlen) {
  sqlite3_stmt *q, *o;
  if (sqlite3_prepare_v2(mu_store_db(l->s), "SELECT id, key FROM questions WHERE survey_id = ? ORDER BY id", -1, &q,
                         NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(mu_store_db(l->s), "SELECT id, key, label FROM options WHERE question_id = ? ORDER BY ordinal",
                         -1, &o, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(l->s)));
    return -1;
  }
  sqlite3_bind_int64(q, 1, l->survey);
  while (sqlite3_step(q) == SQLITE_ROW) {
    int k = l->nq++;
    l->qkey = realloc(l->qkey, (size_t)l->nq * sizeof *l->qkey);
    l->qid = realloc(l->qid, (size_t)l->nq * sizeof *l->qid);
    l->nopt = realloc(l->nopt, (size_t)l->nq * sizeof *l->nopt);
    l->okey = realloc(l->okey, (size_t)l->nq * sizeof *l->okey);
    l->olabel = realloc(l->olabel, (size_t)l->nq * sizeof *l->olabel);
    l->oid = realloc(l->oid, (size_t)l->nq * sizeof *l->oid);
    if (!l->qkey || !l->qid || !l->nopt || !l->okey || !l->olabel || !l->oid) abort();   /* tiny: out of memory here */
    l->qkey[k] = strdup((const char *)sqlite3_column_text(q, 1));
    l->qid[k] = sqlite3_column_int64(q, 0);
    l->nopt[k] = 0;
    l->okey[k] = l->olabel[k] = NULL;
    l->oid[k] = NULL;
    sqlite3_reset(o);
    sqlite3_bind_int64(o, 1, l->qid[k]);
    while (sqlite3_step(o) == SQLITE_ROW) {
      int n = l->nopt[k]++;
      l->okey[k] = realloc(l->okey[k], (size_t)(n + 1) * sizeof *l->okey[k]);
      l->olabel[k] = realloc(l->olabel[k], (size_t)(n + 1) * sizeof *l->olabel[k]);
      l->oid[k] = realloc(l->oid[k], (size_t)(n + 1) * sizeof *l->oid[k]);
      if (!l->okey[k] || !l->olabel[k] || !l->oid[k]) abort();
      l->oid[k][n] = sqlite3_column_int64(o, 0);
      l->okey[k][n] = strdup((const char *)sqlite3_column_text(o, 1));
      l->olabel[k][n] = strdup((const char *)sqlite3_column_text(o, 2));
    }
  }
  sqlite3_finalize(q);
  sqlite3_finalize(o);
  if (l->nq == 0) {
    snprintf(err, errlen, "the survey has no questions: import its questions and options first");
    return -1;
  }
  return 0;
}

static void free_questions(loader *l) {
  for (int k = 0; k < l->nq; k++) {
    free(l->qkey[k]);
    for (int j = 0; j < l->nopt[k]; j++) {
      free(l->okey[k][j]);
      free(l->olabel[k][j]);
    }
    free(l->okey[k]);
    free(l->olabel[k]);
    free(l->oid[k]);
  }
  free(l->qkey); free(l->qid); free(l->nopt); free(l->okey); free(l->olabel); free(l->oid);
}

static int question_index(loader *l, const char *key) {
  for (int k = 0; k < l->nq; k++)
    if (strcmp(l->qkey[k], key) == 0) return k;
  return -1;
}

static int same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* The roles of the header's columns. */
static void read_header(loader *l) {
  const mu_microdata_opts *o = l->o;
  int has_id = 0, has_q = 0, has_a = 0;
  for (int c = 0; c < l->ncols; c++) {
    const char *name = l->col[c];
    int role = ROLE_ATTR;
    /* as the entity importer: a second column of one name would silently win over the first */
    for (int e = 0; e < c; e++)
      if (same(l->col[e], name)) {
        report(l, 1, "column '%s' is given twice (columns %d and %d)", name, e + 1, c + 1);
        break;
      }
    if (same(name, o->id)) role = ROLE_ID;
    else if (same(name, o->weight)) role = ROLE_WEIGHT;
    else if (same(name, o->strata)) role = ROLE_STRATA;
    else if (same(name, o->psu)) role = ROLE_PSU;
    else if (same(name, o->fpc)) role = ROLE_FPC;
    else if (o->long_form && same(name, o->question)) role = ROLE_QUESTION;
    else if (o->long_form && same(name, o->answer)) role = ROLE_ANSWER;
    else if (!o->long_form && question_index(l, name) >= 0) role = question_index(l, name);
    if (role == ROLE_ATTR && !o->long_form)
      for (int k = 0; k < l->nq; k++)
        if (strcasecmp(l->qkey[k], name) == 0) {
          /* 'Q2' for question q2: its answers would have become an attribute, and q2 stayed unanswered */
          report(l, 1, "column '%s' is not a question of the survey, but question %s is (keys are matched "
                       "exactly): rename the column", name, l->qkey[k]);
          break;
        }
    l->role[c] = role;
    has_id |= role == ROLE_ID;
    has_q |= role == ROLE_QUESTION || role >= 0;
    has_a |= role == ROLE_ANSWER;
  }
  const char *given[] = {o->weight, o->strata, o->psu, o->fpc};
  const char *what[] = {"weight", "strata", "psu", "fpc"};
  for (int k = 0; k < 4; k++) {
    int found = 0;
    for (int c = 0; c < l->ncols; c++) found |= same(l->col[c], given[k]);
    if (given[k] && !found) report(l, 1, "no column '%s' (named as the %s)", given[k], what[k]);
  }
  if (!has_id) report(l, 1, "no column '%s' for the respondent id (name it with --id)", o->id);
  if (o->long_form && (!has_q || !has_a))
    report(l, 1, "a long file needs a '%s' column and an '%s' column", o->question, o->answer);
  if (!o->long_form && !has_q) {
    char list[600] = "";
    size_t used = 0;
    for (int k = 0; k < l->nq && used < sizeof list; k++)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", l->qkey[k]);
    report(l, 1, "no column is a question of the survey (its questions: %s)", list);
  }
  if (l->nerrors) l->fatal = 1;
}

static int option_of(loader *l, int q, const char *v, long line, const char *column) {
  /* a key first, then a label: with keys 1..5 and labels such as "5" for key 1, "5" is key 5 */
  for (int k = 0; k < l->nopt[q]; k++)
    if (strcmp(l->okey[q][k], v) == 0) return k;
  for (int k = 0; k < l->nopt[q]; k++)
    if (strcmp(l->olabel[q][k], v) == 0) return k;
  const char *near = mu_closest(v, (const char *const *)l->okey[q], (size_t)l->nopt[q]);
  char list[500] = "";
  size_t used = 0;
  for (int k = 0; k < l->nopt[q] && used < sizeof list; k++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", l->okey[q][k]);
  report(l, line, "%s: '%s' is not an answer to question %s%s%s%s (answers: %s)", column, v, l->qkey[q],
         near ? ": did you mean '" : "", near ? near : "", near ? "'?" : "", list);
  return -1;
}

static int number(const char *s, double *out) {
  char *end;
  errno = 0;
  *out = strtod(s, &end);
  return *s && !*end && !errno;
}

static void cols_free(respondent_cols *r) {
  free(r->stratum);
  free(r->psu);
  json_decref(r->attrs);
  memset(r, 0, sizeof *r);
}

static int same_text(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

/*
** Where two rows of one respondent disagree: the column's name into what, or 0 when they agree. A long file
** repeats a respondent's design and attributes on each of its answers; a row that says otherwise is an
** error, not a value to drop.
*/
static int disagree(const loader *l, const respondent_cols *a, const respondent_cols *b, char *what, size_t len) {
  const char *col = NULL;
  if (a->weight != b->weight) col = l->o->weight;
  else if (!same_text(a->stratum, b->stratum)) col = l->o->strata;
  else if (!same_text(a->psu, b->psu)) col = l->o->psu;
  else if (a->fpc != b->fpc) col = l->o->fpc;
  if (col) {
    snprintf(what, len, "%s", col);
    return 1;
  }
  const char *key;
  json_t *v;
  json_object_foreach(a->attrs, key, v) if (!json_equal(v, json_object_get(b->attrs, key))) col = key;
  json_object_foreach(b->attrs, key, v) if (!json_object_get(a->attrs, key)) col = key;
  if (col) snprintf(what, len, "%s", col);
  return col != NULL;
}

/* The respondent of an earlier import, or of an earlier row of this one (long form), by key. 1 found, 0 not. */
static int find_respondent(loader *l, const char *key, long long *id, respondent_cols *r) {
  sqlite3_stmt *st = l->find_respondent;
  memset(r, 0, sizeof *r);
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, l->survey);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_ROW) return 0;
  *id = sqlite3_column_int64(st, 0);
  r->weight = sqlite3_column_double(st, 1);
  if (sqlite3_column_type(st, 2) != SQLITE_NULL) r->stratum = strdup((const char *)sqlite3_column_text(st, 2));
  if (sqlite3_column_type(st, 3) != SQLITE_NULL) r->psu = strdup((const char *)sqlite3_column_text(st, 3));
  r->fpc = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_double(st, 4);
  r->attrs = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
  return 1;
}

/*
** Insert the respondent of this row. In a long file a respondent has a row per answer, in any order: a
** later row of one already inserted by this import must agree with it (checked against the previous row
** without a query when it is the same respondent, the usual order).
*/
static int add_respondent(loader *l, long line, const char *key) {
  respondent_cols r = {1, 0, NULL, NULL, json_object()};
  int bad = !r.attrs;
  for (int c = 0; c < l->ncols; c++) {
    const char *v = l->row.null[c] || !l->row.cell[c][0] ? NULL : l->row.cell[c];
    switch (l->role[c]) {
      case ROLE_WEIGHT:
        if (!v || !number(v, &r.weight) || !(r.weight > 0)) {
          report(l, line, "%s: '%s' is not a weight: it must be a number greater than 0", l->col[c], v ? v : "");
          bad = 1;
        }
        break;
      case ROLE_FPC:
        if (v && (!number(v, &r.fpc) || !(r.fpc > 0))) {
          report(l, line, "%s: '%s' is not a finite population correction (a number above 0)", l->col[c], v);
          bad = 1;
        }
        break;
      case ROLE_STRATA: if (v) r.stratum = strdup(v); break;
      case ROLE_PSU: if (v) r.psu = strdup(v); break;
      case ROLE_ATTR:
        if (v && r.attrs && json_object_set_new(r.attrs, l->col[c], json_string(v))) {
          report(l, line, "%s: cannot be stored as an attribute (out of memory)", l->col[c]);
          bad = 1;
        }
        break;
      default: break;
    }
  }
  if (l->o->strata && !r.stratum) { report(l, line, "%s: the stratum is missing", l->o->strata); bad = 1; }
  if (l->o->psu && !r.psu) { report(l, line, "%s: the PSU is missing", l->o->psu); bad = 1; }
  char what[300];
  if (bad || l->nerrors) {
    cols_free(&r);
    return bad ? -1 : 0;
  }
  if (l->o->long_form && strcmp(key, l->last_key) == 0) {   /* the same respondent as the row before */
    int differs = disagree(l, &r, &l->last, what, sizeof what);
    cols_free(&r);
    if (!differs) return 0;
    report(l, line, "%s: respondent '%s' has another value here than on its earlier rows", what, key);
    return -1;
  }
  char *json = json_dumps(r.attrs, JSON_COMPACT | JSON_SORT_KEYS);
  if (!json) {
    cols_free(&r);
    report(l, line, "out of memory");
    return -1;
  }
  sqlite3_stmt *st = l->ins_respondent;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, l->survey);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(st, 3, r.weight);
  if (r.stratum) sqlite3_bind_text(st, 4, r.stratum, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 4);
  if (r.psu) sqlite3_bind_text(st, 5, r.psu, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 5);
  if (r.fpc > 0) sqlite3_bind_double(st, 6, r.fpc); else sqlite3_bind_null(st, 6);
  sqlite3_bind_text(st, 7, json, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  free(json);
  if (rc != SQLITE_DONE) {
    long long id = 0;
    respondent_cols had;
    int found = (rc & 0xff) == SQLITE_CONSTRAINT && find_respondent(l, key, &id, &had);
    if (found && l->o->long_form && id > l->respondents_before) {
      /* a long file in another order (by question, say): an earlier row of this import, which must agree */
      int differs = disagree(l, &r, &had, what, sizeof what);
      cols_free(&had);
      if (differs) {
        report(l, line, "%s: respondent '%s' has another value here than on its earlier rows", what, key);
        cols_free(&r);
        return -1;
      }
    } else {
      if (found) cols_free(&had);
      cols_free(&r);
      if (found && id <= l->respondents_before)
        report(l, line, "%s: respondent '%s' is already in the survey (imported before)", l->o->id, key);
      else if (found)
        report(l, line, "%s: respondent '%s' is already in the survey (a second row for it?)", l->o->id, key);
      else
        report(l, line, "%s", sqlite3_errmsg(mu_store_db(l->s)));
      return -1;
    }
  } else {
    mu_history_insert(&l->history, "respondents", sqlite3_last_insert_rowid(mu_store_db(l->s)));
    l->respondents++;
  }
  snprintf(l->last_key, sizeof l->last_key, "%s", key);
  cols_free(&l->last);
  l->last = r;
  return 0;
}

/*
** An answer into the survey's columns while they come in (respondent, question) order, as a supplier's file
** does when its question columns follow the questions' order: 1 taken, -1 reported, 0 to go as a row (the
** stream gave up: what it took is rows now).
*/
static int stream_answer(loader *l, long line, const char *key, int q, int opt, const char *dept,
                         const char *grade, double weight) {
  sqlite3 *db = mu_store_db(l->s);
  if (l->stream_off) return 0;
  if (!l->stream && (mu_seal_stream_open(db, l->survey, &l->stream) || !l->stream)) {
    l->stream_off = 1;   /* the survey holds answers already (or cannot tell: the rows' path will say) */
    sqlite3_exec(db, "PRAGMA cache_size = -32768", NULL, NULL, NULL);
    return 0;
  }
  size_t klen = strlen(key);
  mu_cval v[MU_SEALED_NCOLS - 1] = {
    {.type = SQLITE_TEXT, .s = key, .len = klen > 0x7fffffff ? 0x7fffffff : (int)klen},
    {.type = SQLITE_INTEGER, .i = l->qid[q]},
    {.type = SQLITE_INTEGER, .i = l->oid[q][opt]},
    {.type = dept ? SQLITE_TEXT : SQLITE_NULL, .s = dept, .len = dept ? (int)strlen(dept) : 0},
    {.type = grade ? SQLITE_TEXT : SQLITE_NULL, .s = grade, .len = grade ? (int)strlen(grade) : 0},
    {.type = SQLITE_FLOAT, .r = weight},
  };
  sqlite3_int64 id = 0;
  int rc = mu_seal_stream_add(l->stream, v, &id);
  if (rc == 1) {
    mu_history_insert(&l->history, "responses", id);
    l->answers++;
    return 1;
  }
  if (rc == 2) {
    report(l, line, "respondent '%s' answers question %s twice", key, l->qkey[q]);
    return -1;
  }
  if (rc < 0) {
    report(l, line, "cannot write the answers: out of memory or of temporary space");
    return -1;
  }
  l->stream_off = 1;
  sqlite3_exec(db, "PRAGMA cache_size = -32768", NULL, NULL, NULL);   /* rows now: see mu_import_microdata */
  mu_seal_stream *s = l->stream;
  l->stream = NULL;
  if (mu_seal_stream_spill(s)) {
    report(l, line, "cannot write the answers read so far: %s", sqlite3_errmsg(db));
    return -1;
  }
  return 0;
}

static int add_answer(loader *l, long line, const char *key, int q, int opt) {
  sqlite3_stmt *st = l->ins_response;
  const char *dept = NULL, *grade = NULL;
  for (int c = 0; c < l->ncols; c++)
    if (l->role[c] == ROLE_ATTR && !l->row.null[c] && l->row.cell[c][0]) {
      if (strcmp(l->col[c], "department") == 0) dept = l->row.cell[c];
      if (strcmp(l->col[c], "grade") == 0) grade = l->row.cell[c];
    }
  double weight = 1;
  for (int c = 0; c < l->ncols; c++)
    if (l->role[c] == ROLE_WEIGHT && !l->row.null[c]) number(l->row.cell[c], &weight);
  int taken = stream_answer(l, line, key, q, opt, dept, grade, weight);
  if (taken) return taken > 0 ? 0 : -1;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, l->survey);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, l->qid[q]);
  sqlite3_bind_int64(st, 4, l->oid[q][opt]);
  if (dept) sqlite3_bind_text(st, 5, dept, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 5);
  if (grade) sqlite3_bind_text(st, 6, grade, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 6);
  sqlite3_bind_double(st, 7, weight);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) {
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
      report(l, line, "respondent '%s' answers question %s twice", key, l->qkey[q]);
    else
      report(l, line, "%s", sqlite3_errmsg(mu_store_db(l->s)));
    return -1;
  }
  mu_history_insert(&l->history, "responses", sqlite3_last_insert_rowid(mu_store_db(l->s)));
  l->answers++;
  return 0;
}

static void read_row(loader *l) {
  long line = l->row_line;
  if (l->row.n != l->ncols || l->row.too_many) {
    report(l, line, "expected %d fields, found %s%d", l->ncols, l->row.too_many ? "more than " : "", l->row.n);
    return;
  }
  /* Text as the entity importer takes it: an attribute that is not UTF-8 (a file saved as Latin-1 by a
     spreadsheet) cannot be stored as JSON, and was left out of its respondent without a word. */
  int bad_text = 0;
  for (int c = 0; c < l->ncols; c++)
    if (!l->row.null[c] && !mu_valid_utf8(l->row.cell[c], strlen(l->row.cell[c]))) {
      report(l, line, "%s: is not valid UTF-8 (save the file as UTF-8)", l->col[c]);
      bad_text = 1;
    }
  if (bad_text) return;
  const char *key = NULL;
  for (int c = 0; c < l->ncols; c++)
    if (l->role[c] == ROLE_ID && !l->row.null[c] && l->row.cell[c][0]) key = l->row.cell[c];
  if (!key) {
    report(l, line, "%s: the respondent id is missing", l->o->id);
    return;
  }
  int bad = add_respondent(l, line, key) != 0;   /* the answers are still checked, to report them too */
  if (l->o->long_form) {
    const char *qk = NULL, *ans = NULL;
    for (int c = 0; c < l->ncols; c++) {
      if (l->role[c] == ROLE_QUESTION && !l->row.null[c]) qk = l->row.cell[c];
      if (l->role[c] == ROLE_ANSWER && !l->row.null[c] && l->row.cell[c][0]) ans = l->row.cell[c];
    }
    int q = qk ? question_index(l, qk) : -1;
    if (q < 0) {
      const char *near = qk ? mu_closest(qk, (const char *const *)l->qkey, (size_t)l->nq) : NULL;
      report(l, line, "%s: '%s' is not a question of the survey%s%s%s", l->o->question, qk ? qk : "",
             near ? ": did you mean '" : "", near ? near : "", near ? "'?" : "");
      return;
    }
    if (!ans) return;   /* not answered */
    int opt = option_of(l, q, ans, line, l->o->answer);
    if (opt >= 0 && !bad && !l->nerrors) add_answer(l, line, key, q, opt);
    return;
  }
  for (int c = 0; c < l->ncols; c++) {
    if (l->role[c] < 0 || l->row.null[c] || !l->row.cell[c][0]) continue;
    int opt = option_of(l, l->role[c], l->row.cell[c], line, l->col[c]);
    if (opt >= 0 && !bad && !l->nerrors) add_answer(l, line, key, l->role[c], opt);
  }
}

/*
** A stratum has one finite population correction: R's svydesign refuses one that varies, and the estimate
** would otherwise take whichever it met last. Checked over the survey's respondents once the rows are in.
*/
static void check_strata_fpc(loader *l) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(l->s), "SELECT stratum, replace(group_concat(DISTINCT coalesce(printf('%g', fpc), 'none')), ',', ', ') "
                         "FROM respondents WHERE survey_id = ? GROUP BY stratum "
                         "HAVING count(DISTINCT coalesce(fpc, -1)) > 1 LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
    report(l, 0, "%s", sqlite3_errmsg(mu_store_db(l->s)));
    return;
  }
  sqlite3_bind_int64(st, 1, l->survey);
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *h = (const char *)sqlite3_column_text(st, 0);
    report(l, 0, "%s: stratum '%s' is given different finite population corrections (%s): a stratum has one",
           l->o->fpc, h ? h : "(the only one)", (const char *)sqlite3_column_text(st, 1));
  }
  sqlite3_finalize(st);
}

static void on_field(void *data, size_t len, void *ctx) {
  loader *l = ctx;
  mu_csv_row_add(&l->row, data, len);
  if (l->row.oom) l->fatal = 1;
}

static void on_row(int term, void *ctx) {
  loader *l = ctx;
  (void)term;
  if (!stopped(l)) {
    if (!l->header_done) {
      l->header_done = 1;
      l->ncols = l->row.n;
      for (int c = 0; c < l->ncols; c++) {
        l->col[c] = strdup(l->row.cell[c] ? l->row.cell[c] : "");
        if (l->col[c] && !mu_valid_utf8(l->col[c], strlen(l->col[c]))) {
          report(l, 1, "column %d's name is not valid UTF-8 (save the file as UTF-8)", c + 1);
          l->fatal = 1;
        }
      }
      if (!l->fatal) read_header(l);
    } else {
      read_row(l);
    }
  }
  mu_csv_row_clear(&l->row);
  l->row_line = l->line + 1;
}

int mu_import_microdata(mu_store *s, long long survey, const mu_microdata_opts *o, const char *name, void *fp,
                        mu_microdata_result *res, char *err, size_t errlen) {
  loader l;
  memset(&l, 0, sizeof l);
  memset(res, 0, sizeof *res);
  l.s = s;
  l.o = o;
  l.name = name;
  l.survey = survey;
  l.max_errors = o->max_errors > 0 ? o->max_errors : 20;
  if (load_questions(&l, err, errlen)) goto cleanup_early;
  int began = mu_store_begin(s, err, errlen);
  if (began) {
    res->busy = began == MU_BUSY;
    goto cleanup_early;
  }
  sqlite3 *db = mu_store_db(s);
  /* As a large import of responses does (bulk.c): plain indexes set aside and built once at the end, the
     change-counting triggers set aside, and a page cache large enough for the UNIQUE keys' inserts. The
     answers mostly go straight to their columns (stream_answer), leaving two b-trees (respondents and
     their key): 16 MiB, 7.2 s and 40 MiB for a million respondents of two answers, where 32 MiB took the
     same time and 58 MiB. When the answers go in as rows, four b-trees grow at once (respondents, answers
     and their keys): 32 MiB, for with 16 a respondent cost 24% more at 4M than at 1M. */
  if (mu_history_begin(&l.history, s, "microdata", name, o->sha256, "insert", "import-microdata")) {
    snprintf(err, errlen, "cannot record the import in the history: %s", sqlite3_errmsg(db));
    l.fatal = 1;
  }
  sqlite3_stmt *mx;
  if (sqlite3_prepare_v2(db, "SELECT max(id) FROM respondents", -1, &mx, NULL) == SQLITE_OK) {
    if (sqlite3_step(mx) == SQLITE_ROW) l.respondents_before = sqlite3_column_int64(mx, 0);
    sqlite3_finalize(mx);
  }
  mu_deferred counted[2];
  mu_defer_indexes(s, mu_entity_find("respondents"), fp, &counted[0]);
  mu_defer_indexes(s, mu_entity_find("responses"), fp, &counted[1]);
  sqlite3_exec(db, "PRAGMA cache_size = -16384", NULL, NULL, NULL);
  if (sqlite3_prepare_v2(db, "INSERT INTO respondents (survey_id, key, weight, stratum, psu, fpc, attributes) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &l.ins_respondent, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO responses (survey_id, respondent, question_id, option_id, department, grade, "
                         "weight) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &l.ins_response, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT id, weight, stratum, psu, fpc, attributes FROM respondents "
                         "WHERE survey_id = ? AND key = ?", -1, &l.find_respondent, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    l.fatal = 1;
  }
  mu_csv_sink k = {on_field, on_row, read_stop, &l.line, &l.row_line};
  char why[300];
  long at = 0;
  mu_csv_row_init(&l.row, MAX_COLS);
  if (mu_csv_read(fp, &k, &l, &at, why, sizeof why)) {
    report(&l, at, "%s", why);
    l.fatal = 1;
  }
  if (!l.header_done && !l.nerrors && !l.fatal) report(&l, 0, "empty file: expected a header naming the columns");
  sqlite3_finalize(l.ins_respondent);
  sqlite3_finalize(l.ins_response);
  sqlite3_finalize(l.find_respondent);
  cols_free(&l.last);
  sqlite3_exec(db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
  if (l.stream && !l.nerrors && !l.fatal && mu_seal_stream_finish(l.stream)) {
    report(&l, 0, "cannot store the answers: %s", sqlite3_errmsg(db));
    l.fatal = 1;
  } else if (l.stream && (l.nerrors || l.fatal))
    mu_seal_stream_free(l.stream);
  l.stream = NULL;
  if (o->fpc && !l.nerrors && !l.fatal) check_strata_fpc(&l);
  for (int t = 0; t < 2; t++) {
    if (l.nerrors || l.fatal) mu_deferred_free(&counted[t]);   /* the rollback brings them back */
    else if (mu_restore_indexes(s, &counted[t], err, errlen)) l.fatal = 1;
  }
  if (!l.nerrors && !l.fatal && mu_seal_due(db, err, errlen)) {
    report(&l, 0, "%s", err);
    l.fatal = 1;
  }
  if (!l.nerrors && !l.fatal && mu_history_end(&l.history, l.respondents + l.answers, 0, 0, 0)) {
    report(&l, 0, "cannot record the import in the history: %s", sqlite3_errmsg(db));
    l.fatal = 1;
  }
  mu_history_abort(&l.history);   /* (after end: only lets go of its statement) */
  int committed = l.nerrors || l.fatal ? -1 : mu_store_commit(s, err, errlen);
  if (committed) {
    mu_store_rollback(s);
    res->busy = committed == MU_BUSY;
    if (!l.nerrors && !l.fatal) report(&l, 0, "%s", err);
    else if (l.nerrors > l.max_errors) report(&l, 0, "stopped after %d errors; later rows were not checked",
                                              l.max_errors);
  } else {
    res->respondents = l.respondents;
    res->answers = l.answers;
  }
  res->errors = l.errors;
  l.errors = NULL;
  for (int c = 0; c < MAX_COLS; c++) free(l.col[c]);
  mu_csv_row_free(&l.row);
  free_questions(&l);
  return committed ? -1 : 0;
cleanup_early:
  free_questions(&l);
  return -1;
}
