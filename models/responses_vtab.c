/*
** The responses table as a virtual table (migration 11, columns branch).
** Its rows live in responses_rows (the table responses was, with its keys,
** foreign keys and triggers); the virtual table is the name every query and
** write uses, so that a survey's answers can later also live as columns
** (columns.c) behind the same name, the rows holding only what was written
** since. For now it passes every read and write through to the rows:
** constraints and ORDER BY become the inner query's (its indexes serve
** them), and an insert's id is the row's.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sealed.h"

#define NCOLS 8
#define ORDERED (1 << 16)   /* in a plan's number: the scan gives (respondent, question_id) order */
/* In a plan's number, from bit 17, 4 bits each: the parameters (1-based) equal to the id, and to the respondent
   and the question (with the survey's, bits 0-7): a sealed answer then found by seeking, not by a scan. */
#define ARG_ID(idx) (((idx) >> 17) & 15)
#define ARG_RESPONDENT(idx) (((idx) >> 21) & 15)
#define ARG_QUESTION(idx) (((idx) >> 25) & 15)
static const char *const col_name[NCOLS] = {"id",         "survey_id", "respondent", "question_id",
                                            "option_id",  "department", "grade",     "weight"};
static const char *const schema =
  "CREATE TABLE x(id INTEGER, survey_id INTEGER, respondent TEXT, question_id INTEGER, option_id INTEGER, "
  "department TEXT, grade TEXT, weight REAL)";

/*
** Statements are kept prepared, as SQLite's own modules keep theirs: a million-row import is a million
** inserts, and preparing each one was four fifths of its time. A read's statement is lent to one cursor at
** a time (a query may open two on the same plan: a self-join).
*/
#define KEPT 16
typedef struct {
  char *sql;
  sqlite3_stmt *st;
  int lent;
} kept;

typedef struct {
  sqlite3_vtab base;
  sqlite3 *db;
  sqlite3_stmt *write[2][6];   /* insert, update; by conflict mode */
  sqlite3_stmt *del, *max_id, *has_sealed;
  mu_sealed_keys *keys;          /* a survey's sealed keys (sealed_conflict), as of a nonce */
  sqlite3_int64 keys_survey, keys_nonce;
  kept read[KEPT];
  int next_evict;
} vtab;

/* A scan: the sealed answers of each survey in turn (those the constraints allow), then the rows. */
typedef struct {
  sqlite3_vtab_cursor base;
  sqlite3_stmt *st;
  kept *from;                  /* the kept statement it borrowed, or NULL: its own */
  int eof;
  sqlite3_int64 *surveys;      /* surveys with sealed answers to read */
  int nsurveys, next_survey;
  unsigned columns;            /* the columns the query reads (bit k: column k) */
  mu_sealed *sealed;           /* the one being read; NULL once on the rows */
  /* ordered: one survey's sealed answers and rows merged in (respondent, question_id) order */
  int ordered, sealed_ok, row_ok, on_sealed;
  /* the answer sought, when the constraints name one: by id, or by (respondent, question) */
  sqlite3_value *seek_id, *seek_respondent, *seek_question;
} cursor;

static int connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err) {
  (void)aux, (void)argc, (void)argv, (void)err;
  int rc = sqlite3_declare_vtab(db, schema);
  if (rc != SQLITE_OK) return rc;
  /* the conflict clauses are the virtual table's to honour: an OR IGNORE answered SQLITE_CONSTRAINT is
     skipped by SQLite (not counted as a change), an OR ABORT rolls the statement back */
  sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
  vtab *t = sqlite3_malloc(sizeof *t);
  if (!t) return SQLITE_NOMEM;
  memset(t, 0, sizeof *t);
  t->db = db;
  *out = &t->base;
  return SQLITE_OK;
}

static int disconnect(sqlite3_vtab *tab) {
  vtab *t = (vtab *)tab;
  for (int k = 0; k < 2; k++)
    for (int m = 0; m < 6; m++) sqlite3_finalize(t->write[k][m]);
  sqlite3_finalize(t->del);
  sqlite3_finalize(t->max_id);
  sqlite3_finalize(t->has_sealed);
  mu_sealed_keys_free(t->keys);
  for (int k = 0; k < KEPT; k++) {
    sqlite3_finalize(t->read[k].st);
    sqlite3_free(t->read[k].sql);
  }
  sqlite3_free(t);
  return SQLITE_OK;
}

/* The operators passed to the rows' query, by SQLite's constraint codes. */
static const char *op_sql(unsigned char op) {
  switch (op) {
  case SQLITE_INDEX_CONSTRAINT_EQ: return "=";
  case SQLITE_INDEX_CONSTRAINT_GT: return ">";
  case SQLITE_INDEX_CONSTRAINT_LE: return "<=";
  case SQLITE_INDEX_CONSTRAINT_LT: return "<";
  case SQLITE_INDEX_CONSTRAINT_GE: return ">=";
  case SQLITE_INDEX_CONSTRAINT_IS: return "IS";
  default: return NULL;
  }
}

/*
** The plan is the inner query itself, in idxStr: its WHERE from the usable constraints (each a parameter,
** in order), its ORDER BY from the one asked for. Cost: an id is one row, a survey's answers a part of them.
*/
static int best_index(sqlite3_vtab *t, sqlite3_index_info *info) {
  sqlite3_str *q = sqlite3_str_new(NULL);
  int n = 0, by_id = 0, by_survey = 0;
  sqlite3_str_appendall(q, "SELECT id, survey_id, respondent, question_id, option_id, department, grade, weight "
                           "FROM responses_rows");
  info->idxNum = 0;
  for (int k = 0; k < info->nConstraint; k++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[k];
    int col = c->iColumn < 0 ? 0 : c->iColumn;   /* the rowid is the id */
    const char *op = op_sql(c->op);
    if (!c->usable || !op || col >= NCOLS) continue;
    sqlite3_str_appendf(q, " %s \"%w\" %s ?", n ? "AND" : "WHERE", col_name[col], op);
    info->aConstraintUsage[k].argvIndex = ++n;
    /* SQLite checks each row again: sealed answers are only narrowed by survey, not filtered here */
    info->aConstraintUsage[k].omit = 0;
    int eq = c->op == SQLITE_INDEX_CONSTRAINT_EQ || c->op == SQLITE_INDEX_CONSTRAINT_IS;
    by_id |= col == 0 && c->op == SQLITE_INDEX_CONSTRAINT_EQ;
    if (eq && n < 16 && col == 0 && !ARG_ID(info->idxNum)) info->idxNum |= n << 17;
    if (eq && n < 16 && col == 2 && !ARG_RESPONDENT(info->idxNum)) info->idxNum |= n << 21;
    if (eq && n < 16 && col == 3 && !ARG_QUESTION(info->idxNum)) info->idxNum |= n << 25;
    if (col == 1 && c->op == SQLITE_INDEX_CONSTRAINT_EQ && !by_survey) {
      by_survey = 1;
      info->idxNum = n;   /* which parameter is the survey */
    }
  }
  /* the columns the query reads, for the sealed answers (bits 8 and up of the plan's number) */
  unsigned used = 0;
  for (int k = 0; k < NCOLS; k++)
    if (info->colUsed & ((sqlite3_uint64)1 << k)) used |= 1u << k;
  if (info->colUsed >> 63) used = (1u << NCOLS) - 1;
  /* One survey's answers in (respondent, question_id) order, as a design is read: given in that order, its
     sealed answers and its rows (along their UNIQUE key) merged, rather than a million sorted by SQLite. */
  if (by_survey && info->nOrderBy == 2 && info->aOrderBy[0].iColumn == 2 && !info->aOrderBy[0].desc &&
      info->aOrderBy[1].iColumn == 3 && !info->aOrderBy[1].desc) {
    sqlite3_str_appendall(q, " ORDER BY respondent, question_id");
    info->orderByConsumed = 1;
    info->idxNum |= ORDERED;
    used |= 1u << 2 | 1u << 3;
  }
  info->idxNum |= (int)(used << 8);
  char *sql = sqlite3_str_finish(q);
  if (!sql) return SQLITE_NOMEM;
  info->idxStr = sql;
  info->needToFreeIdxStr = 1;
  info->estimatedCost = by_id ? 10 : by_survey ? 1e5 : 1e6;
  info->estimatedRows = by_id ? 1 : by_survey ? 100000 : 1000000;
  (void)t;
  return SQLITE_OK;
}

static int open_cursor(sqlite3_vtab *t, sqlite3_vtab_cursor **out) {
  (void)t;
  cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *out = &c->base;
  return SQLITE_OK;
}

/* Give the cursor's statement back (reset, its parameters cleared), or finalize its own. */
static void let_go(cursor *c) {
  if (c->from) {
    sqlite3_reset(c->st);
    sqlite3_clear_bindings(c->st);
    c->from->lent = 0;
  } else
    sqlite3_finalize(c->st);
  c->st = NULL;
  c->from = NULL;
}

static void forget_seek(cursor *c) {
  sqlite3_value_free(c->seek_id);
  sqlite3_value_free(c->seek_respondent);
  sqlite3_value_free(c->seek_question);
  c->seek_id = c->seek_respondent = c->seek_question = NULL;
}

static int close_cursor(sqlite3_vtab_cursor *cur) {
  cursor *c = (cursor *)cur;
  let_go(c);
  mu_sealed_close(c->sealed);
  forget_seek(c);
  sqlite3_free(c->surveys);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* The plan's statement: a kept one not lent out, else a new one kept in place of another, else its own. */
static int borrow(vtab *t, cursor *c, const char *sql) {
  kept *free_slot = NULL;
  for (int k = 0; k < KEPT; k++) {
    kept *e = &t->read[k];
    if (e->sql && !e->lent && strcmp(e->sql, sql) == 0) {
      e->lent = 1;
      c->st = e->st;
      c->from = e;
      return SQLITE_OK;
    }
    if (!free_slot && !e->sql) free_slot = e;
  }
  for (int k = 0; !free_slot && k < KEPT; k++) {   /* evict one not lent out, in turn */
    kept *e = &t->read[(t->next_evict + k) % KEPT];
    if (!e->lent) free_slot = e;
  }
  t->next_evict = (t->next_evict + 1) % KEPT;
  int rc = sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st, NULL);
  if (rc != SQLITE_OK || !free_slot) return rc;
  char *copy = sqlite3_mprintf("%s", sql);
  if (!copy) return SQLITE_OK;   /* its own, then */
  sqlite3_finalize(free_slot->st);
  sqlite3_free(free_slot->sql);
  *free_slot = (kept){copy, c->st, 1};
  c->from = free_slot;
  return SQLITE_OK;
}

/* The inner statement's error as the virtual table's, under the name analysts know. */
static int fail(sqlite3_vtab *t, sqlite3 *db, int rc) {
  sqlite3_free(t->zErrMsg);
  const char *msg = sqlite3_errmsg(db), *at = strstr(msg, "responses_rows");
  t->zErrMsg = at ? sqlite3_mprintf("%.*sresponses%s", (int)(at - msg), msg, at + strlen("responses_rows"))
                  : sqlite3_mprintf("%s", msg);
  return rc;
}

/* The sealed answers of a survey found damaged, as the scan's error. */
static int damaged(vtab *t, sqlite3_int64 survey) {
  sqlite3_free(t->base.zErrMsg);
  t->base.zErrMsg = sqlite3_mprintf("the sealed answers of survey %lld are damaged", (long long)survey);
  return SQLITE_CORRUPT;
}

/* The rows' next answer (row_ok), or their error. */
static int step_row(cursor *c, vtab *t) {
  int rc = sqlite3_step(c->st);
  c->row_ok = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : fail(&t->base, t->db, rc);
}

/* Ordered: the one of the sealed answer and the row that comes first (an answer is in one or the other). */
static int pick(cursor *c) {
  c->on_sealed = c->sealed_ok > 0;
  if (c->sealed_ok > 0 && c->row_ok) {
    mu_cval r, q;
    mu_cval_column(c->st, 2, &r);
    mu_cval_column(c->st, 3, &q);
    c->on_sealed = mu_sealed_order(mu_sealed_value(c->sealed, 2), mu_sealed_value(c->sealed, 3), &r, &q) <= 0;
  }
  c->eof = c->sealed_ok <= 0 && !c->row_ok;
  return SQLITE_OK;
}

/* A survey's sealed answers just opened, narrowed to the one the constraints name (if they name one with values
   of the stored types: else every answer, which SQLite checks against them); 0, or -1 if damaged. */
static int seek(cursor *c) {
  if (c->seek_id && sqlite3_value_type(c->seek_id) == SQLITE_INTEGER)
    return mu_sealed_seek_id(c->sealed, sqlite3_value_int64(c->seek_id)) < 0 ? -1 : 0;
  if (c->seek_respondent && c->seek_question && sqlite3_value_type(c->seek_respondent) == SQLITE_TEXT &&
      sqlite3_value_type(c->seek_question) == SQLITE_INTEGER) {
    const unsigned char *text = sqlite3_value_text(c->seek_respondent);
    mu_cval r = {.type = SQLITE_TEXT, .s = (const char *)text, .len = sqlite3_value_bytes(c->seek_respondent)};
    return !text || mu_sealed_seek(c->sealed, &r, sqlite3_value_int64(c->seek_question)) < 0 ? -1 : 0;
  }
  return 0;
}

static int next(sqlite3_vtab_cursor *cur) {
  cursor *c = (cursor *)cur;
  vtab *t = (vtab *)cur->pVtab;
  if (c->ordered) {   /* the source of the answer just given steps on */
    int rc = SQLITE_OK;
    if (!c->on_sealed) rc = step_row(c, t);
    else if ((c->sealed_ok = mu_sealed_next(c->sealed)) < 0) rc = damaged(t, c->surveys[0]);
    return rc ? rc : pick(c);
  }
  while (c->sealed || c->next_survey < c->nsurveys) {
    if (!c->sealed) {   /* the next survey's, narrowed to one answer if the constraints name one */
      if (mu_sealed_open_cols(t->db, c->surveys[c->next_survey++], c->columns, &c->sealed)) break;
      if (!c->sealed) continue;
      if (seek(c) < 0) break;
    }
    int got = mu_sealed_next(c->sealed);
    if (got > 0) return SQLITE_OK;
    mu_sealed_close(c->sealed);
    c->sealed = NULL;
    if (got < 0) break;
  }
  if (c->sealed || c->next_survey < c->nsurveys) return damaged(t, c->surveys[c->next_survey - 1]);
  int rc = sqlite3_step(c->st);
  c->eof = rc != SQLITE_ROW;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return SQLITE_OK;
  return fail(&t->base, t->db, rc);
}

/* The surveys whose sealed answers the scan reads: the one the constraints name, else every one. */
static int sealed_surveys(vtab *t, cursor *c, sqlite3_value *survey) {
  sqlite3_stmt *st;
  c->nsurveys = c->next_survey = 0;
  int rc = sqlite3_prepare_v2(t->db, survey ? "SELECT DISTINCT survey_id FROM response_columns WHERE survey_id = ?"
                                            : "SELECT DISTINCT survey_id FROM response_columns", -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  if (survey) sqlite3_bind_value(st, 1, survey);
  int cap = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (c->nsurveys == cap) {
      cap = cap ? cap * 2 : 8;
      sqlite3_int64 *g = sqlite3_realloc(c->surveys, (int)(cap * sizeof *g));
      if (!g) break;
      c->surveys = g;
    }
    c->surveys[c->nsurveys++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc == SQLITE_ROW ? SQLITE_NOMEM : rc;
}

static int filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc, sqlite3_value **argv) {
  cursor *c = (cursor *)cur;
  vtab *t = (vtab *)cur->pVtab;
  let_go(c);
  mu_sealed_close(c->sealed);
  c->sealed = NULL;
  int rc = borrow(t, c, idx_str);
  int survey_arg = idx & 0xff;
  c->columns = ((unsigned)idx >> 8) & 0xff;
  c->ordered = (idx & ORDERED) != 0;
  forget_seek(c);
  if (!c->ordered && ARG_ID(idx) && ARG_ID(idx) <= argc && !(c->seek_id = sqlite3_value_dup(argv[ARG_ID(idx) - 1])))
    rc = SQLITE_NOMEM;
  if (!c->ordered && !c->seek_id && ARG_RESPONDENT(idx) && ARG_QUESTION(idx) && ARG_RESPONDENT(idx) <= argc &&
      ARG_QUESTION(idx) <= argc &&
      (!(c->seek_respondent = sqlite3_value_dup(argv[ARG_RESPONDENT(idx) - 1])) ||
       !(c->seek_question = sqlite3_value_dup(argv[ARG_QUESTION(idx) - 1]))))
    rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK) rc = sealed_surveys(t, c, survey_arg > 0 && survey_arg <= argc ? argv[survey_arg - 1] : NULL);
  if (rc != SQLITE_OK) return fail(&t->base, t->db, rc);
  for (int k = 0; k < argc; k++) sqlite3_bind_value(c->st, k + 1, argv[k]);
  if (!c->ordered) return next(cur);
  /* (the plan names one survey: at most one has sealed answers to merge) */
  if (c->nsurveys > 0 && mu_sealed_open_cols(t->db, c->surveys[0], c->columns, &c->sealed)) return damaged(t, c->surveys[0]);
  c->sealed_ok = c->sealed ? mu_sealed_next(c->sealed) : 0;
  if (c->sealed_ok < 0) return damaged(t, c->surveys[0]);
  rc = step_row(c, t);
  return rc ? rc : pick(c);
}

static int eof(sqlite3_vtab_cursor *cur) { return ((cursor *)cur)->eof; }

/* Is the cursor on a sealed answer (else on a row)? */
static int on_sealed(const cursor *c) { return c->ordered ? c->on_sealed : c->sealed != NULL; }

static int column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  cursor *c = (cursor *)cur;
  if (!on_sealed(c)) {
    sqlite3_result_value(ctx, sqlite3_column_value(c->st, i));
    return SQLITE_OK;
  }
  const mu_cval *v = mu_sealed_value(c->sealed, i);
  switch (v->type) {
  case SQLITE_INTEGER: sqlite3_result_int64(ctx, v->i); break;
  case SQLITE_FLOAT: sqlite3_result_double(ctx, v->r); break;
  /* given with its terminator (columns.h) when no text of its block holds a NUL: sqlite3_column_text would
     otherwise grow the value by a byte for one, a realloc a row */
  case SQLITE_TEXT:
    sqlite3_result_text(ctx, v->s, mu_sealed_nul_free(c->sealed, i) ? -1 : v->len, SQLITE_TRANSIENT);
    break;
  default: sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}

static int rowid(sqlite3_vtab_cursor *cur, sqlite_int64 *id) {
  cursor *c = (cursor *)cur;
  if (!on_sealed(c)) {
    *id = sqlite3_column_int64(c->st, 0);
    return SQLITE_OK;
  }
  const mu_cval *v = mu_sealed_value(c->sealed, 0);   /* decoded now if the scan did not read the ids */
  *id = v->i;
  return v->type == SQLITE_INTEGER ? SQLITE_OK : SQLITE_CORRUPT;
}

/*
** A write goes to the rows: a delete by id, an insert with the id given (as rowid or as id) or a new one, an
** update in place (its id too). An INSERT OR IGNORE/REPLACE keeps its meaning (sqlite3_vtab_on_conflict).
*/
/* Above the rows' largest id and every sealed one: a deleted row's id is never given again while sealed. */
static int new_id(vtab *t, sqlite3_int64 *id) {
  int rc = SQLITE_OK;
  if (!t->max_id)
    rc = sqlite3_prepare_v3(t->db, "SELECT max(coalesce((SELECT max(id) FROM responses_rows), 0), "
                            "(SELECT max_id FROM responses_high)) + 1", -1,
                            SQLITE_PREPARE_PERSISTENT, &t->max_id, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(t->max_id) == SQLITE_ROW ? SQLITE_OK : sqlite3_extended_errcode(t->db);
  if (rc == SQLITE_OK) *id = sqlite3_column_int64(t->max_id, 0);
  sqlite3_reset(t->max_id);
  return rc;
}

static int unseal(vtab *t, int argc, sqlite3_value **argv) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(t->db, "INSERT OR IGNORE INTO responses_gone (id) VALUES (?)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_value(st, 1, argv[0]);
    rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(t->db);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK || argc == 1) return rc;
  rc = sqlite3_prepare_v2(t->db, "INSERT INTO responses_rows (id, survey_id, respondent, question_id, option_id, "
                          "department, grade, weight) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_value(st, 1, sqlite3_value_type(argv[1]) != SQLITE_NULL ? argv[1] : argv[2]);
    for (int k = 1; k < NCOLS; k++) sqlite3_bind_value(st, k + 1, argv[2 + k]);
    rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(t->db);
  }
  sqlite3_finalize(st);
  return rc;
}

/*
** The key (survey, respondent, question) is one answer's across the rows and the sealed answers: the rows'
** UNIQUE index sees only the rows, so a write is checked against the sealed ones first. The conflict is
** SQLite's own (its message, its code); OR IGNORE skips the write (*skip), OR REPLACE marks the sealed
** answer gone.
*/
static int sealed_conflict(vtab *t, sqlite3_value **argv, int mode, int *skip) {
  *skip = 0;
  sqlite3_value *survey = argv[3], *resp = argv[4], *question = argv[5];
  if (sqlite3_value_type(survey) != SQLITE_INTEGER || sqlite3_value_type(resp) == SQLITE_NULL ||
      sqlite3_value_type(question) != SQLITE_INTEGER)
    return SQLITE_OK;   /* the rows' own constraints refuse these */
  /* most writes go to surveys with nothing sealed: one look at an index says so */
  if (!t->has_sealed &&
      sqlite3_prepare_v3(t->db, "SELECT (SELECT nonce FROM responses_high) FROM response_columns WHERE survey_id = ? "
                         "LIMIT 1", -1, SQLITE_PREPARE_PERSISTENT, &t->has_sealed, NULL) != SQLITE_OK)
    return sqlite3_extended_errcode(t->db);
  sqlite3_bind_value(t->has_sealed, 1, survey);
  int any = sqlite3_step(t->has_sealed) == SQLITE_ROW;
  sqlite3_int64 nonce = any ? sqlite3_column_int64(t->has_sealed, 0) : 0, s = sqlite3_value_int64(survey);
  sqlite3_reset(t->has_sealed);
  if (!any) return SQLITE_OK;
  const unsigned char *text = sqlite3_value_text(resp);
  mu_cval r = {.type = SQLITE_TEXT, .s = (const char *)text, .len = sqlite3_value_bytes(resp)};
  /* most new keys are not sealed, which the survey's filter of sealed keys says at once (kept while the
     columns stay as they were: the nonce) */
  if (!t->keys || t->keys_survey != s || t->keys_nonce != nonce) {
    mu_sealed_keys_free(t->keys);
    t->keys = mu_sealed_keys_build(t->db, s);
    t->keys_survey = s;
    t->keys_nonce = nonce;
  }
  if (text && t->keys && !mu_sealed_keys_maybe(t->keys, &r, sqlite3_value_int64(question))) return SQLITE_OK;
  sqlite3_int64 id = 0, self = sqlite3_value_type(argv[0]) == SQLITE_INTEGER ? sqlite3_value_int64(argv[0]) : -1;
  int found = text ? mu_sealed_find(t->db, s, &r, sqlite3_value_int64(question), &id) : -1;
  if (found < 0) {
    sqlite3_free(t->base.zErrMsg);
    t->base.zErrMsg = sqlite3_mprintf("the sealed answers of survey %lld are damaged",
                                      (long long)sqlite3_value_int64(survey));
    return SQLITE_CORRUPT;
  }
  if (!found || id == self) return SQLITE_OK;
  if (mode == SQLITE_IGNORE) {
    *skip = 1;
    return SQLITE_CONSTRAINT;   /* skipped by SQLite (SQLITE_VTAB_CONSTRAINT_SUPPORT) */
  }
  if (mode == SQLITE_REPLACE) {
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(t->db, "INSERT OR IGNORE INTO responses_gone (id) VALUES (?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, id);
      rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(t->db);
    }
    sqlite3_finalize(st);
    return rc;
  }
  sqlite3_free(t->base.zErrMsg);
  t->base.zErrMsg = sqlite3_mprintf("UNIQUE constraint failed: responses.survey_id, responses.respondent, "
                                    "responses.question_id");
  return SQLITE_CONSTRAINT_UNIQUE;
}

static int update(sqlite3_vtab *tab, int argc, sqlite3_value **argv, sqlite_int64 *out_id) {
  vtab *t = (vtab *)tab;
  sqlite3_stmt *st = NULL;
  int rc = SQLITE_OK, insert = argc > 1 && sqlite3_value_type(argv[0]) == SQLITE_NULL;
  if (argc > 1) {
    int skip = 0;
    rc = sealed_conflict(t, argv, sqlite3_vtab_on_conflict(t->db), &skip);
    if (rc != SQLITE_OK || skip) return rc;
  }
  if (argc == 1) {
    if (!t->del) rc = sqlite3_prepare_v3(t->db, "DELETE FROM responses_rows WHERE id = ?", -1,
                                         SQLITE_PREPARE_PERSISTENT, &t->del, NULL);
    st = t->del;
    if (rc == SQLITE_OK) sqlite3_bind_value(st, 1, argv[0]);
  } else {
    static const char *const mode[] = {"", " OR ROLLBACK", " OR IGNORE", " OR FAIL", " OR ABORT", " OR REPLACE"};
    int conflict = sqlite3_vtab_on_conflict(t->db);
    int m = conflict >= SQLITE_ROLLBACK && conflict <= SQLITE_REPLACE ? conflict : 0;
    sqlite3_stmt **slot = &t->write[insert ? 0 : 1][m];
    if (!*slot) {
      char *sql = insert ? sqlite3_mprintf("INSERT%s INTO responses_rows (id, survey_id, respondent, question_id, "
                                           "option_id, department, grade, weight) VALUES (?, ?, ?, ?, ?, ?, ?, "
                                           "coalesce(?, 1))", mode[m])
                         : sqlite3_mprintf("UPDATE%s responses_rows SET id = ?, survey_id = ?, respondent = ?, "
                                           "question_id = ?, option_id = ?, department = ?, grade = ?, "
                                           "weight = ? WHERE id = ?9", mode[m]);
      rc = sql ? sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) : SQLITE_NOMEM;
      sqlite3_free(sql);
    }
    st = *slot;
    /* the id: the row's new rowid if one was given, else its id column, else one above every id there is */
    sqlite3_value *id = sqlite3_value_type(argv[1]) != SQLITE_NULL ? argv[1] : argv[2];
    if (rc == SQLITE_OK && sqlite3_value_type(id) == SQLITE_NULL) {
      sqlite3_int64 next_id = 0;
      rc = new_id(t, &next_id);
      sqlite3_bind_int64(st, 1, next_id);
    } else if (rc == SQLITE_OK)
      sqlite3_bind_value(st, 1, id);
    if (rc == SQLITE_OK) {
      for (int k = 1; k < NCOLS; k++) sqlite3_bind_value(st, k + 1, argv[2 + k]);
      if (!insert) sqlite3_bind_value(st, 9, argv[0]);
    }
  }
  if (rc == SQLITE_OK) rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(t->db);
  if (rc == SQLITE_OK && insert && sqlite3_changes(t->db) == 0) {   /* the rows' OR IGNORE skipped it */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return SQLITE_CONSTRAINT;
  }
  if (rc == SQLITE_OK && insert) *out_id = sqlite3_last_insert_rowid(t->db);
  /* no row changed: the answer is sealed (SQLite deletes and updates only what the scan gave). It is marked
     gone, and an update's new version becomes a row. */
  if (rc == SQLITE_OK && !insert && sqlite3_changes(t->db) == 0) rc = unseal(t, argc, argv);
  if (rc != SQLITE_OK) rc = fail(tab, t->db, rc);
  if (st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
  return rc;
}

static int rename_table(sqlite3_vtab *t, const char *name) {
  (void)name;
  sqlite3_free(t->zErrMsg);
  t->zErrMsg = sqlite3_mprintf("responses cannot be renamed");
  return SQLITE_ERROR;
}

static const sqlite3_module module = {
  .iVersion = 1,
  .xCreate = connect,
  .xConnect = connect,
  .xBestIndex = best_index,
  .xDisconnect = disconnect,
  .xDestroy = disconnect,
  .xOpen = open_cursor,
  .xClose = close_cursor,
  .xFilter = filter,
  .xNext = next,
  .xEof = eof,
  .xColumn = column,
  .xRowid = rowid,
  .xUpdate = update,
  .xRename = rename_table,
};

const char *mu_rows_table(const char *table) {
  return strcmp(table, "responses") == 0 ? "responses_rows" : table;
}

int mu_responses_vtab_register(sqlite3 *db) {
  return sqlite3_create_module_v2(db, "mutuals_responses", &module, NULL, NULL);
}

/*
** The store as an SQLite extension: `sqlite3 -cmd '.load mutuals' STORE` (the shell looks for
** sqlite3_mutuals_init in mutuals.so) registers the module, so that the shell can read responses and change
** the schema (ALTER TABLE reads every entry of it, this virtual table's too). The module calls the SQLite the
** shell itself uses (Debian's shell links the shared library), so the routines table is not needed.
*/
int sqlite3_mutuals_init(sqlite3 *db, char **err, const void *routines);
int sqlite3_mutuals_init(sqlite3 *db, char **err, const void *routines) {
  (void)err, (void)routines;
  return mu_responses_vtab_register(db);
}
