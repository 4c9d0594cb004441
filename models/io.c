/*
** Import and export of any entity as CSV (libcsv) or JSON (jansson).
** An import streams its file (CSV and JSON Lines are read a line at a time;
** a JSON array is parsed whole), checks every row against the entity's
** rules, and runs in one transaction: on any bad row it reports
** "FILE:LINE: field: reason" for each (up to a limit) and writes nothing.
** Columns may name a field (parent_id) or a relation by the target's
** natural key (parent = "DWP", source = "seed002").
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dirent.h>
#include <signal.h>
#include <csv.h>
#include <jansson.h>
#include "model.h"
#include "lines.h"
#include "sealed_stream.h"

#define MAX_COLS 64

#define REF_CACHE 8

typedef struct {
  char name[64];              /* as the file names it, for messages */
  const mu_field *field;      /* the column's field */
  const mu_entity *target;    /* set when the column names a relation by key */
  sqlite3_stmt *resolve;      /* SELECT id FROM target WHERE key = ? */
  sqlite3_stmt *exists;       /* SELECT 1 FROM target WHERE id = ?, for reference fields */
  long long seen[REF_CACHE];  /* ids known to exist: files repeat the same few */
  int nseen;
} column;

typedef struct {
  mu_store *s;
  const mu_entity *e;
  const char *name;           /* file name for messages */
  column cols[MAX_COLS];
  size_t ncols;
  int header_done;
  /* the row being read (CSV) */
  mu_csv_row row;             /* the CSV row being read */
  long line;                  /* physical line of input being read */
  long row_line;              /* the line the current record began on (a quoted field may span lines) */
  long element;               /* JSON array element being read, for messages */
  /* insertion */
  sqlite3_stmt *insert;
  char signature[MAX_COLS + 1];
  long long source_id;        /* for rows without a source column; 0 until first needed */
  int may_default_source;     /* the entity has source_id: a file without it gets one */
  int has_source_col;
  long long rows;
  int cols_changed;           /* the columns differ from the prepared INSERT's */
  unsigned cols_version;      /* counts changes of the columns */
  /* responses written straight to their survey's columns while they come in order (sealed_stream.c) */
  mu_seal_stream *stream;
  int stream_off;             /* given up, or never possible: every answer is a row */
  unsigned stream_version;    /* the columns' version stream_col was made for */
  int stream_survey, stream_col[MU_SEALED_NCOLS - 1];
  /* an upsert or replace of responses: rows merged so far, and the surveys turned back into rows for it */
  long long merged;
  long long unsealed[8];
  int nunsealed;
  /* merging (upsert), and duplicates found without inserting once a row has failed */
  mu_import_mode mode;
  mu_merger *merger;
  const mu_field *fields[MAX_COLS];   /* the columns' fields, for the merger */
  int merger_stale, merger_failed;
  long long inserted, updated, unchanged;
  /* the file's columns as it orders them: each a column index, or -1 for the polymorphic reference by
     natural key (subject = "MyCSP", its entity named by subject_type), resolved into the id column */
  int raw_col[MAX_COLS];
  size_t nraw;
  int poly_key;               /* its raw position, or -1 */
  const char *map, *ignore;   /* the caller's renames and omissions (mu_import_opts) */
  char canon[512], called[200];   /* the row's key as the store has it, and as the file called it */
  mu_history history;         /* what this import changes, for `mutuals imports` and undo */
  unsigned long mapped_seen;  /* which of map's entries the file's header has (CSV), to catch a typo */
  /* the caller's transform of each record (mu_import_opts), the CSV header's names it is given under */
  int (*transform)(void *ctx, json_t *in, json_t **out, char *why, size_t whylen);
  void *transform_ctx;
  char *header[MAX_COLS];
  size_t nheader;
  long long skipped;
  /* errors */
  int nerrors, max_errors, fatal;
  char *errors;
  size_t errlen;
} importer;

static void report(importer *im, long line, const char *fmt, ...) {
  char msg[1024];
  int n = line > 0 ? snprintf(msg, sizeof msg, "%s:%ld: ", im->name, line)
        : im->element > 0 ? snprintf(msg, sizeof msg, "%s: element %ld: ", im->name, im->element)
                          : snprintf(msg, sizeof msg, "%s: ", im->name);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  im->nerrors++;
  if (im->nerrors <= im->max_errors) mu_append_line(&im->errors, &im->errlen, msg);
}

static int stopped(importer *im) {
  return im->fatal || im->nerrors >= im->max_errors;
}

/* Map a column name to a field, or to a ONE relation resolved by natural key. */
/*
** The i-th "a=b" of a "a=b,c=d" list as a and b (NUL-terminated in the buffers); 0 when there is none.
** Also the i-th name of a plain "x,y" list (then to is left empty).
*/
static int list_item(const char *list, int i, char *from, size_t flen, char *to, size_t tlen) {
  const char *p = list;
  for (int k = 0; p && k < i; k++) p = (p = strchr(p, ',')) ? p + 1 : NULL;
  if (!p || !*p) return 0;
  size_t n = strcspn(p, ","), eq = strcspn(p, "=");
  if (eq > n) eq = n;
  snprintf(from, flen, "%.*s", (int)eq, p);
  snprintf(to, tlen, "%.*s", eq < n ? (int)(n - eq - 1) : 0, eq < n ? p + eq + 1 : "");
  return 1;
}

/* The field a file's column goes to: itself, or what --map says; NULL when --ignore leaves it out. */
static const char *column_target(importer *im, const char *name, char *buf, size_t len) {
  char from[128], to[128];
  for (int i = 0; im->ignore && list_item(im->ignore, i, from, sizeof from, to, sizeof to); i++)
    if (strcmp(from, name) == 0) return NULL;
  for (int i = 0; im->map && list_item(im->map, i, from, sizeof from, to, sizeof to); i++)
    if (strcmp(from, name) == 0) {
      if (i < (int)(8 * sizeof im->mapped_seen)) im->mapped_seen |= 1ul << i;
      snprintf(buf, len, "%s", to);
      return buf;
    }
  return name;
}

/* After a CSV header: a --map or --ignore naming a column the file does not have is a typo to report. */
static int check_mapping(importer *im, long line) {
  char from[128], to[128];
  int ok = 1;
  for (int i = 0; im->map && list_item(im->map, i, from, sizeof from, to, sizeof to); i++) {
    if (!to[0]) {
      report(im, line, "--map '%s': give it as COLUMN=FIELD", from);
      ok = 0;
    } else if (i < (int)(8 * sizeof im->mapped_seen) && !(im->mapped_seen & (1ul << i))) {
      report(im, line, "--map '%s=%s': the file has no column '%s'", from, to, from);
      ok = 0;
    }
  }
  return ok ? 0 : -1;
}

/* "subject" for the reference whose id field is subject_id: the column that names its target by key. */
static int is_poly_key(const mu_entity *e, const char *name) {
  size_t n = strlen(e->poly->id_field);
  return n > 3 && strcmp(e->poly->id_field + n - 3, "_id") == 0 && strlen(name) == n - 3 &&
         strncmp(name, e->poly->id_field, n - 3) == 0;
}

static int add_column(importer *im, const char *given, long line) {
  char mapped[128];
  const char *name = column_target(im, given, mapped, sizeof mapped);
  if (!name) {   /* --ignore: read, then dropped */
    if (im->nraw == MAX_COLS) {
      report(im, line, "too many columns (at most %d)", MAX_COLS);
      return -1;
    }
    im->raw_col[im->nraw++] = -2;
    return 0;
  }
  if (im->ncols == MAX_COLS) {
    report(im, line, "too many columns (at most %d)", MAX_COLS);
    return -1;
  }
  if (im->e->poly && is_poly_key(im->e, name)) {
    if (im->poly_key >= 0) {
      report(im, line, "column '%s' is given twice", name);
      return -1;
    }
    im->poly_key = (int)im->nraw;
    im->raw_col[im->nraw++] = -1;
    return 0;
  }
  column *c = &im->cols[im->ncols];
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%.63s", given);   /* as the file names it, for messages */
  c->field = mu_field_find(im->e, name);
  if (!c->field) {
    const mu_relation *r = mu_relation_find(im->e, name);
    const mu_entity *t = r && r->kind == MU_REL_ONE ? mu_entity_find(r->target) : NULL;
    if (!t || !t->key) {
      char list[1024];
      size_t used = 0;
      list[0] = '\0';
      for (size_t i = 0; i < im->e->nfields && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", im->e->fields[i].name);
      const char *near = mu_closest_field(im->e, name);
      report(im, line, "column '%s' is not a field of %s%s%s%s (fields: %s); rename it with --map '%s=FIELD' or "
             "leave it out with --ignore %s", name, im->e->name, near ? ": did you mean '" : "", near ? near : "",
             near ? "'?" : "", list, given, given);
      return -1;
    }
    c->field = mu_field_find(im->e, r->fk);
    c->target = t;
    char *sql = sqlite3_mprintf("SELECT id FROM \"%w\" WHERE \"%w\" = ?", t->table, t->key);
    int rc = sql ? sqlite3_prepare_v2(mu_store_db(im->s), sql, -1, &c->resolve, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
      report(im, line, "%s", sqlite3_errmsg(mu_store_db(im->s)));
      return -1;
    }
  }
  for (size_t i = 0; i < im->ncols; i++)
    if (im->cols[i].field == c->field) {
      report(im, line, "column '%s' is given twice", name);
      sqlite3_finalize(c->resolve);
      return -1;
    }
  if (strcmp(c->field->name, "source_id") == 0) im->has_source_col = 1;
  im->fields[im->ncols] = c->field;
  im->raw_col[im->nraw++] = (int)im->ncols;
  im->ncols++;
  im->cols_changed = 1;
  im->cols_version++;
  im->merger_stale = 1;
  return 0;
}

static void clear_columns(importer *im) {
  mu_merger_free(im->merger);
  im->merger = NULL;
  for (size_t i = 0; i < im->ncols; i++) {
    sqlite3_finalize(im->cols[i].resolve);
    sqlite3_finalize(im->cols[i].exists);
  }
  im->ncols = 0;
  im->nraw = 0;
  im->poly_key = -1;
  im->has_source_col = 0;
  im->cols_version++;
}

/* Once the columns are known: a reference by natural key fills the id column, added if the file has none. */
static int finish_columns(importer *im, long line) {
  if (im->poly_key < 0 || mu_field_find(im->e, im->e->poly->id_field) == NULL) return 0;
  for (size_t i = 0; i < im->ncols; i++)
    if (strcmp(im->cols[i].field->name, im->e->poly->id_field) == 0) return 0;
  size_t nraw = im->nraw;
  if (add_column(im, im->e->poly->id_field, line)) return -1;
  im->nraw = nraw;   /* not one of the file's own columns */
  return 0;
}

/* Required fields without a default must have a column (source_id may come from the import). An upsert
   asks only when a row turns out to be new: updating a row needs only the columns it changes; a replace
   asks of every row, since the row becomes what the file says. */
static int check_required(importer *im, long line, int new_row) {
  if (im->mode == MU_MODE_UPSERT && !new_row) return 0;
  int ok = 1;
  for (size_t k = 0; k < im->e->nfields; k++) {
    const mu_field *f = &im->e->fields[k];
    if (!(f->flags & MU_REQUIRED) || (f->flags & MU_DEFAULTED) || f->type == MU_T_ID) continue;
    if (strcmp(f->name, "source_id") == 0 && im->may_default_source) continue;
    size_t i = 0;
    while (i < im->ncols && im->cols[i].field != f) i++;
    if (i == im->ncols) {
      report(im, line, "missing column '%s' (required for %s)", f->name, im->e->name);
      ok = 0;
    }
  }
  return ok ? 0 : -1;
}

static long long import_source(importer *im);

/* The file as the source of rows that name none (recorded once, when first needed); 0 reported as fatal. */
static long long file_source(importer *im, long line) {
  if (!im->source_id && !(im->source_id = import_source(im))) {
    report(im, line, "cannot record the file as a source: %s", sqlite3_errmsg(mu_store_db(im->s)));
    im->fatal = 1;
  }
  return im->source_id;
}

/* (Re)prepare the INSERT for the current columns, reusing it while they stay the same. */

static int prepare_insert(importer *im, long line) {
  if (im->insert && !im->cols_changed) return 0;
  im->cols_changed = 0;
  char sig[MAX_COLS + 2];
  size_t n = 0;
  for (size_t i = 0; i < im->ncols; i++) sig[n++] = (char)(1 + mu_field_index(im->e, im->cols[i].field->name));
  int add_source = im->may_default_source && !im->has_source_col;
  if (add_source) sig[n++] = 'S';
  if (add_source && !file_source(im, line)) return -1;
  sig[n] = '\0';
  if (im->insert && strcmp(sig, im->signature) == 0) return 0;
  sqlite3_finalize(im->insert);
  im->insert = NULL;
  memcpy(im->signature, sig, n + 1);
  sqlite3_str *str = sqlite3_str_new(mu_store_db(im->s));
  sqlite3_str_appendf(str, "INSERT INTO \"%w\" (", im->e->table);
  for (size_t i = 0; i < im->ncols; i++) sqlite3_str_appendf(str, "%s\"%w\"", i ? ", " : "", im->cols[i].field->name);
  if (add_source) sqlite3_str_appendf(str, "%s\"source_id\"", im->ncols ? ", " : "");
  sqlite3_str_appendall(str, ") VALUES (");
  for (size_t i = 0; i < im->ncols + (size_t)add_source; i++) sqlite3_str_appendall(str, i ? ", ?" : "?");
  sqlite3_str_appendall(str, ")");
  char *sql = sqlite3_str_finish(str);
  int rc = sql ? sqlite3_prepare_v2(mu_store_db(im->s), sql, -1, &im->insert, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  if (rc != SQLITE_OK) {
    report(im, line, "%s", sqlite3_errmsg(mu_store_db(im->s)));
    im->fatal = 1;
    return -1;
  }
  if (add_source) sqlite3_bind_int64(im->insert, (int)im->ncols + 1, im->source_id);
  return 0;
}

/*
** Does the row a reference field points at exist? Checked here, with a few
** recent ids remembered, so that the message names the column and so that
** a large import need not have SQLite look up the same parents again.
*/
static int ref_ok(importer *im, column *c, long long id) {
  for (int k = 0; k < c->nseen; k++)
    if (c->seen[k] == id) return 1;
  if (!c->exists) {
    const mu_entity *t = mu_entity_find(c->field->ref);
    char *sql = sqlite3_mprintf("SELECT 1 FROM \"%w\" WHERE id = ?", t->table);
    int rc = sql ? sqlite3_prepare_v2(mu_store_db(im->s), sql, -1, &c->exists, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK) return 0;
  }
  sqlite3_reset(c->exists);
  sqlite3_bind_int64(c->exists, 1, id);
  if (sqlite3_step(c->exists) != SQLITE_ROW) return 0;
  if (c->nseen < REF_CACHE) c->nseen++;
  memmove(c->seen + 1, c->seen, (size_t)(c->nseen - 1) * sizeof c->seen[0]);
  c->seen[0] = id;
  return 1;
}

/* The merger for the current columns, made again when they change; NULL (reported once) when it cannot be. */
static mu_merger *merger(importer *im, long line) {
  if (im->merger && !im->merger_stale) return im->merger;
  char err[300];
  mu_merger_free(im->merger);
  im->merger_stale = 0;
  im->merger = mu_merger_new(im->s, im->e, im->fields, im->ncols, im->mode == MU_MODE_REPLACE, err, sizeof err);
  if (!im->merger && !im->merger_failed) {
    im->merger_failed = 1;
    report(im, line, "%s", err);
  }
  /* a replaced row from a file without a source column: the file is its source, as for a new row */
  if (im->merger && im->mode == MU_MODE_REPLACE && im->may_default_source && !im->has_source_col)
    mu_merger_default(im->merger, "source_id", file_source(im, line));
  return im->merger;
}

/* "name 'MyCSP'" or "survey_id 3, key 'q1'": a row's identity for a message. */
static void identity_words(importer *im, const mu_value *vals, char *buf, size_t len) {
  const mu_field *ident[MU_MERGE_MAX];
  int n = mu_identity(im->s, im->e, ident, MU_MERGE_MAX);
  size_t used = 0;
  buf[0] = '\0';
  if (im->called[0]) used = (size_t)snprintf(buf, len, "'%s' as the file calls it: ", im->called);
  for (int k = 0; k < n && used < len; k++)
    for (size_t i = 0; i < im->ncols; i++)
      if (im->cols[i].field == ident[k]) {
        const mu_value *v = &vals[i];
        if (v->kind == MU_VTEXT)
          used += (size_t)snprintf(buf + used, len - used, "%s%s '%.*s'", k ? ", " : "", im->cols[i].name,
                                   (int)(v->len > 60 ? 60 : v->len), v->s);
        else if (v->kind == MU_VINT)
          used += (size_t)snprintf(buf + used, len - used, "%s%s %lld", k ? ", " : "", im->cols[i].name, v->i);
      }
}

static void report_duplicate(importer *im, const char *who, long line) {
  report(im, line, "duplicate: the store already has a %s with %s (use --mode upsert to update it)", im->e->name, who);
}

/*
** Merging into sealed answers finds each one and changes it through the virtual table, a block of a column
** or more decoded each time (tens of ms an answer at a million). Past 100 rows, the survey of each row is
** turned back into rows for the rest of the import (their UNIQUE key finds them at once), to be sealed again
** at its end. (A new answer's key is looked for among the sealed ones too, but most are told apart at once:
** responses_vtab.c's filter of sealed keys.)
*/
static void unseal_for_merge(importer *im, const mu_value *vals, long line) {
  if (strcmp(im->e->table, "responses") != 0 || ++im->merged <= 100 || im->nunsealed == 8) return;
  for (size_t i = 0; i < im->ncols; i++) {
    if (strcmp(im->cols[i].field->name, "survey_id") != 0 || vals[i].kind != MU_VINT) continue;
    for (int k = 0; k < im->nunsealed; k++)
      if (im->unsealed[k] == vals[i].i) return;
    im->unsealed[im->nunsealed++] = vals[i].i;
    if (mu_unseal_survey(mu_store_db(im->s), vals[i].i)) {
      report(im, line, "cannot turn survey %lld's sealed answers into rows: %s", vals[i].i,
             sqlite3_errmsg(mu_store_db(im->s)));
      im->fatal = 1;
    }
    return;
  }
}

/*
** Upsert: a row already in the store (merge.c) is left alone when the
** file says the same, updated when it does not; insert: it is a duplicate,
** found this way (not only by the INSERT failing) so that every one is
** reported, not just the first. Returns 1 when the row is dealt with.
*/
static int merge_row(importer *im, mu_value *vals, long line) {
  int merging = im->mode != MU_MODE_INSERT;
  if (!merging && !im->nerrors) return 0;   /* the INSERT itself finds the duplicate */
  if (merging) unseal_for_merge(im, vals, line);
  mu_merger *m = merger(im, line);
  if (!m) return merging;
  long long id = 0;
  int found = mu_merger_find(m, vals, &id);
  if (found < 0) {
    report(im, line, "%s", sqlite3_errmsg(mu_store_db(im->s)));
    return 1;
  }
  if (found == MU_MERGE_NEW) return 0;
  for (size_t i = 0; i < im->ncols; i++)   /* an id in the file must be the row's own */
    if (im->cols[i].field->type == MU_T_ID && vals[i].kind == MU_VINT && vals[i].i != id) {
      report(im, line, "%s: %lld, but this %s is row %lld here: drop the id column to merge by %s", im->cols[i].name,
             vals[i].i, im->e->name, id, im->e->key ? im->e->key : "content");
      return 1;
    }
  char who[200];
  identity_words(im, vals, who, sizeof who);
  if (!merging) {
    report_duplicate(im, who[0] ? who : "these values", line);
    return 1;
  }
  if (found == MU_MERGE_UNCHANGED) {
    im->unchanged++;
    im->rows++;
    return 1;
  }
  if (im->nerrors) return 1;   /* only checking now */
  char *before = mu_merger_snapshot(m, id);
  if (mu_merger_update(m, id, vals)) {
    free(before);
    const char *msg = sqlite3_errmsg(mu_store_db(im->s));
    char why[256];
    report(im, line, "%s", strstr(msg, "CHECK constraint failed") ? mu_check_words(im->e, msg, why, sizeof why) : msg);
    return 1;
  }
  char *after = mu_merger_snapshot(m, id);
  if (!before || !after) {
    report(im, line, "cannot record the update for the history: %s", sqlite3_errmsg(mu_store_db(im->s)));
  } else {
    mu_history_update(&im->history, im->e->table, id, before, after);
  }
  free(before);
  free(after);
  im->updated++;
  im->rows++;
  return 1;
}

/*
** The polymorphic reference by natural key (subject = "MyCSP" with
** subject_type = "mutual") as the id it names, put in the id column; 0, or
** -1 reported. Exports write it so, since ids are one store's numbering.
*/
static int resolve_poly(importer *im, mu_value *vals, const mu_value *key, long line) {
  if (key->kind == MU_VNULL) return 0;
  const mu_poly *p = im->e->poly;
  mu_value *type = NULL, *id = NULL;
  for (size_t i = 0; i < im->ncols; i++) {
    if (strcmp(im->cols[i].field->name, p->type_field) == 0) type = &vals[i];
    if (strcmp(im->cols[i].field->name, p->id_field) == 0) id = &vals[i];
  }
  char tname[64] = "";
  if (type && type->kind == MU_VTEXT) snprintf(tname, sizeof tname, "%.*s", (int)type->len, type->s);
  const mu_entity *t = tname[0] ? mu_entity_find(tname) : NULL;
  if (!t || !t->key || !id) {
    report(im, line, "%s: names its %s by key, but %s '%s' %s", p->id_field, p->type_field, p->type_field, tname,
           !t ? "is not a kind with a natural key" : "has no natural key: give the id instead");
    return -1;
  }
  if (key->kind != MU_VTEXT) {
    report(im, line, "%.*s: give the %s's %s as text", (int)strlen(p->id_field) - 3, p->id_field, t->name, t->key);
    return -1;
  }
  char why[300];
  long long found = mu_resolve_name(im->s, t, key->s, key->len, why, sizeof why);
  if (found <= 0) {
    report(im, line, "%.*s: %s", (int)strlen(p->id_field) - 3, p->id_field,
           found < 0 ? sqlite3_errmsg(mu_store_db(im->s)) : why);
    return -1;
  }
  if (id->kind != MU_VNULL && !(id->kind == MU_VINT && id->i == found) &&
      !(id->kind == MU_VTEXT && atoll(id->s) == found)) {
    report(im, line, "%s and %.*s name different rows: give one of them", p->id_field, (int)strlen(p->id_field) - 3,
           p->id_field);
    return -1;
  }
  id->kind = MU_VINT;
  id->i = found;
  return 0;
}

/*
** A row that names itself by another row's full name or alias (a mutual
** called "Hull City Health Care Partnership" is "City Health Care
** Partnership CIC") is that row: its key is put back as the store has it,
** so that an upsert merges into it and an insert reports it as there
** already, instead of a second row under another name.
*/
static void canonical_key(importer *im, mu_value *vals) {
  im->called[0] = '\0';
  if (!im->e->key) return;
  for (size_t i = 0; i < im->ncols; i++) {
    if (strcmp(im->cols[i].field->name, im->e->key) != 0 || vals[i].kind != MU_VTEXT) continue;
    long long id = mu_find_name(im->s, im->e, vals[i].s, vals[i].len);
    if (id <= 0) return;
    sqlite3_stmt *st;
    char *sql = sqlite3_mprintf("SELECT \"%w\" FROM \"%w\" WHERE id = ?", im->e->key, im->e->table);
    if (sql && sqlite3_prepare_v2(mu_store_db(im->s), sql, -1, &st, NULL) == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, id);
      const char *key = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
      if (key && (strlen(key) != vals[i].len || memcmp(key, vals[i].s, vals[i].len) != 0) &&
          strlen(key) < sizeof im->canon) {
        snprintf(im->called, sizeof im->called, "%.*s", (int)(vals[i].len < 190 ? vals[i].len : 190), vals[i].s);
        snprintf(im->canon, sizeof im->canon, "%s", key);
        vals[i].s = im->canon;
        vals[i].len = strlen(im->canon);
      }
      sqlite3_finalize(st);
    }
    sqlite3_free(sql);
    return;
  }
}

/* ------------------------------------------------- answers straight to columns */

/* The stored columns after the id, as sealed_stream.h takes them. */
enum { S_RESPONDENT, S_QUESTION, S_OPTION, S_DEPARTMENT, S_GRADE, S_WEIGHT };
static const char *const stream_field[MU_SEALED_NCOLS - 1] = {"respondent", "question_id", "option_id",
                                                              "department", "grade",      "weight"};

/* Where the survey and each stored column are among the file's (-1: not given); -1 when the columns rule the
   stream out (an id given, a required column missing: the rows' own path says what is wrong). */
static int stream_map(importer *im) {
  im->stream_survey = -1;
  for (int k = 0; k < MU_SEALED_NCOLS - 1; k++) im->stream_col[k] = -1;
  for (size_t i = 0; i < im->ncols; i++) {
    const char *f = im->cols[i].field->name;
    if (strcmp(f, "id") == 0) return -1;
    if (strcmp(f, "survey_id") == 0) im->stream_survey = (int)i;
    for (int k = 0; k < MU_SEALED_NCOLS - 1; k++)
      if (strcmp(f, stream_field[k]) == 0) im->stream_col[k] = (int)i;
  }
  im->stream_version = im->cols_version;
  return im->stream_survey < 0 || im->stream_col[S_RESPONDENT] < 0 || im->stream_col[S_QUESTION] < 0 ||
         im->stream_col[S_OPTION] < 0 ? -1 : 0;
}

/* The stream gives up for the rest of the import: what it took becomes rows. */
static void stream_stop(importer *im, long line) {
  im->stream_off = 1;
  if (im->stream && mu_seal_stream_spill(im->stream)) {
    report(im, line, "cannot write the answers read so far: %s", sqlite3_errmsg(mu_store_db(im->s)));
    im->fatal = 1;
  }
  im->stream = NULL;
}

/* A checked value as the rows would keep it (their columns' types; a file without weights: 1, the column's
   default); 0, or -1 when it is not of its column's type (the rows' path then takes it as SQLite would). */
static int stream_value(const mu_value *given, int k, mu_cval *v) {
  int text = k == S_RESPONDENT || k == S_DEPARTMENT || k == S_GRADE;
  *v = (mu_cval){.type = SQLITE_NULL};
  if (k == S_WEIGHT && (!given || given->kind == MU_VNULL)) *v = (mu_cval){.type = SQLITE_FLOAT, .r = 1};
  else if (!given || given->kind == MU_VNULL) return k == S_DEPARTMENT || k == S_GRADE ? 0 : -1;
  else if (given->kind == MU_VTEXT && given->len <= 0x7fffffff && text)
    *v = (mu_cval){.type = SQLITE_TEXT, .s = given->s, .len = (int)given->len};
  else if (given->kind == MU_VINT && (k == S_QUESTION || k == S_OPTION))
    *v = (mu_cval){.type = SQLITE_INTEGER, .i = given->i};
  else if (given->kind == MU_VREAL && k == S_WEIGHT) *v = (mu_cval){.type = SQLITE_FLOAT, .r = given->r};
  else return -1;
  return 0;
}

/* A checked answer into its survey's columns: 1 when dealt with (taken, or reported), 0 to go as a row. */
static int stream_row(importer *im, mu_value *vals, long line) {
  if (im->stream_off) return 0;
  mu_cval v[MU_SEALED_NCOLS - 1];
  int bad = im->stream_version != im->cols_version && stream_map(im);
  const mu_value *survey = bad ? NULL : &vals[im->stream_survey];
  for (int k = 0; !bad && k < MU_SEALED_NCOLS - 1; k++)
    bad = stream_value(im->stream_col[k] < 0 ? NULL : &vals[im->stream_col[k]], k, &v[k]);
  if (!bad && survey->kind == MU_VINT && !im->stream) {
    if (mu_seal_stream_open(mu_store_db(im->s), survey->i, &im->stream)) {
      report(im, line, "%s", sqlite3_errmsg(mu_store_db(im->s)));
      im->fatal = 1;
      return 1;
    }
    if (!im->stream) im->stream_off = 1;   /* the survey has answers already */
    if (!im->stream) return 0;
  }
  sqlite3_int64 id = 0;
  /* one survey at a time: another's answers would take ids the stream holds */
  int rc = bad || survey->kind != MU_VINT || mu_seal_stream_survey(im->stream) != survey->i
             ? 0 : mu_seal_stream_add(im->stream, v, &id);
  if (rc == 0) {
    stream_stop(im, line);
    return im->fatal;
  }
  if (rc == 2) {
    report(im, line, "duplicate: respondent '%.*s' answers question %lld again (the answer before is the same "
           "respondent's to the same question): keep one", v[S_RESPONDENT].len > 60 ? 60 : v[S_RESPONDENT].len,
           v[S_RESPONDENT].s, (long long)v[S_QUESTION].i);
    return 1;
  }
  if (rc < 0) {
    report(im, line, "cannot write the answers: out of memory or of temporary space");
    im->fatal = 1;
    return 1;
  }
  mu_history_insert(&im->history, im->e->table, id);
  im->rows++;
  im->inserted++;
  return 1;
}

/* At the end: the stream's answers stored as the survey's columns, unless the import fails anyway. */
static void stream_end(importer *im) {
  mu_seal_stream *stream = im->stream;
  im->stream = NULL;
  if (stream && im->nerrors) mu_seal_stream_free(stream);
  else if (stream && mu_seal_stream_finish(stream))
    report(im, 0, "cannot store the answers: %s", sqlite3_errmsg(mu_store_db(im->s)));
}

/* Check and insert one row whose values follow im->cols; key is the polymorphic reference by key, if any. */
static void import_row(importer *im, mu_value *vals, const mu_value *key, long line) {
  char why[256];
  int bad = resolve_poly(im, vals, key, line) ? 1 : 0;
  for (size_t i = 0; i < im->ncols; i++) {
    column *c = &im->cols[i];
    mu_value *v = &vals[i];
    mu_value given = *v;   /* checking may convert it; messages show it as written */
    if (c->target && v->kind != MU_VNULL && v->kind != MU_VTEXT) {
      report(im, line, "%s: give the %s's %s as text (e.g. %s = \"%s\"), or use %s for a numeric id", c->name,
             c->target->name, c->target->key, c->name, strcmp(c->target->name, "body") == 0 ? "DWP" : "...",
             c->field->name);
      bad = 1;
      continue;
    }
    if (c->target && v->kind != MU_VNULL) {
      sqlite3_reset(c->resolve);
      mu_bind_value(c->resolve, 1, v);
      long long found = sqlite3_step(c->resolve) == SQLITE_ROW ? sqlite3_column_int64(c->resolve, 0) : 0;
      if (!found) {   /* not the key: a full name or an alias, else a suggestion (names.c) */
        found = mu_resolve_name(im->s, c->target, v->s, v->len, why, sizeof why);
        if (found <= 0) {
          report(im, line, "%s: %s", c->name, found < 0 ? sqlite3_errmsg(mu_store_db(im->s)) : why);
          bad = 1;
          continue;
        }
      }
      v->kind = MU_VINT;
      v->i = found;
    }
    if (mu_field_check(c->field, v, why, sizeof why)) {
      if (given.kind == MU_VTEXT && strstr(why, "UTF-8"))
        report(im, line, "%s: %s (save the file as UTF-8)", c->name, why);
      else if (given.kind == MU_VTEXT)
        report(im, line, "%s: '%.*s' is invalid: %s", c->name, (int)(given.len > 80 ? 80 : given.len), given.s, why);
      else if (given.kind == MU_VINT)
        report(im, line, "%s: %lld is invalid: %s", c->name, given.i, why);
      else if (given.kind == MU_VREAL)
        report(im, line, "%s: %.14g is invalid: %s", c->name, given.r, why);
      else
        report(im, line, "%s: %s", c->name, why);
      bad = 1;
    } else if (c->field->type == MU_T_REF && v->kind == MU_VINT && !c->target && !ref_ok(im, c, v->i)) {
      report(im, line, "%s: no %s has id %lld", c->name, c->field->ref, v->i);
      bad = 1;
    }
  }
  if (!bad && im->e->poly) {
    /* The subject a row is about must exist, like any reference. */
    mu_value none = {MU_VNULL, 0, 0, NULL, 0}, *type = &none, *id = &none, *field = &none;
    const char *ff = im->e->poly->field_field;
    for (size_t i = 0; i < im->ncols; i++) {
      if (strcmp(im->cols[i].field->name, im->e->poly->type_field) == 0) type = &vals[i];
      if (strcmp(im->cols[i].field->name, im->e->poly->id_field) == 0) id = &vals[i];
      if (ff && strcmp(im->cols[i].field->name, ff) == 0) field = &vals[i];
    }
    if (mu_poly_check(im->s, im->e, type, id, why, sizeof why) || mu_poly_field_check(im->e, type, field, why, sizeof why)) {
      report(im, line, "%s", why);
      bad = 1;
    }
  }
  if (mu_interrupted()) {
    report(im, 0, "interrupted at line %ld", line);
    im->fatal = 1;
    return;
  }
  if (bad) return;
  canonical_key(im, vals);
  if (merge_row(im, vals, line)) return;
  if (im->mode != MU_MODE_INSERT && check_required(im, line, 1)) {   /* a new row: it needs every required column */
    char who[200];
    identity_words(im, vals, who, sizeof who);
    report(im, line, "the %s with %s is not in the store, and a new one needs the columns above", im->e->name,
           who[0] ? who : "these values");
    return;
  }
  if (im->nerrors) return;   /* after the first error, only check */
  if (stream_row(im, vals, line)) return;
  if (prepare_insert(im, line)) return;
  /* The values' text lives until the step is done: SQLite need not copy it. */
  for (size_t i = 0; i < im->ncols; i++) {
    if (vals[i].kind == MU_VTEXT)
      sqlite3_bind_text(im->insert, (int)i + 1, vals[i].s, (int)vals[i].len, SQLITE_STATIC);
    else
      mu_bind_value(im->insert, (int)i + 1, &vals[i]);
  }
  int rc = sqlite3_step(im->insert);
  sqlite3_reset(im->insert);
  if (rc == SQLITE_INTERRUPT) {
    report(im, 0, "interrupted at line %ld", line);
    im->fatal = 1;
    return;
  }
  if (rc != SQLITE_DONE) {
    const char *msg = sqlite3_errmsg(mu_store_db(im->s));
    const char *col = strstr(msg, "UNIQUE constraint failed: ");
    char who[200];
    identity_words(im, vals, who, sizeof who);
    if (col && (col = strchr(col, '.')) && who[0] && im->mode == MU_MODE_INSERT)
      report_duplicate(im, who, line);
    else if (col)
      report(im, line, "%s: duplicate: another %s already has this value%s", col + 1, im->e->name,
             im->mode != MU_MODE_INSERT ? " (an id or a second key the file gives differently?)" : "");
    else if (strstr(msg, "FOREIGN KEY"))
      report(im, line, "a reference points at a row that does not exist");
    else if (strstr(msg, "CHECK constraint failed"))
      report(im, line, "%s", mu_check_words(im->e, msg, why, sizeof why));
    else
      report(im, line, "%s", msg);
    return;
  }
  mu_history_insert(&im->history, im->e->table, sqlite3_last_insert_rowid(mu_store_db(im->s)));
  im->rows++;
  im->inserted++;
}

/* ---------------------------------------------------------------- CSV */

static void csv_field(void *data, size_t len, void *ctx) {
  importer *im = ctx;
  mu_csv_row_add(&im->row, data, len);
  if (im->row.oom) {
    report(im, im->line, "out of memory reading a field of %zu bytes", len);
    im->fatal = 1;
  }
}

static void transform_csv_row(importer *im);

static void csv_row(int term, void *ctx) {
  importer *im = ctx;
  (void)term;
  if (stopped(im)) {
    mu_csv_row_clear(&im->row);
    return;
  }
  if (!im->header_done && im->transform) {   /* the names only: the transform says what the fields are */
    im->header_done = 1;
    for (int i = 0; i < im->row.n && im->nheader < MAX_COLS; i++)
      im->header[im->nheader++] = strdup(im->row.cell[i] ? im->row.cell[i] : "");
    mu_csv_row_clear(&im->row);
    im->row_line = im->line + 1;
    return;
  }
  if (!im->header_done) {
    im->header_done = 1;
    for (int i = 0; i < im->row.n; i++)
      if (add_column(im, im->row.cell[i] ? im->row.cell[i] : "", im->row_line)) im->fatal = 1;
    if (!im->fatal && check_mapping(im, im->row_line)) im->fatal = 1;
    if (!im->fatal && finish_columns(im, im->row_line)) im->fatal = 1;
    if (!im->fatal && check_required(im, im->row_line, 0)) im->fatal = 1;
    mu_csv_row_clear(&im->row);
    im->row_line = im->line + 1;
    return;
  }
  size_t want = im->transform ? im->nheader : im->nraw;
  if (im->row.too_many || (size_t)im->row.n != want) {
    report(im, im->row_line, "expected %zu fields, found %s%d", want, im->row.too_many ? "more than " : "",
           im->row.n);
  } else if (im->transform) {
    transform_csv_row(im);
  } else {
    mu_value vals[MAX_COLS], key = {MU_VNULL, 0, 0, NULL, 0};
    for (size_t i = 0; i < im->ncols; i++) vals[i] = key;
    for (size_t i = 0; i < im->nraw; i++) {
      mu_value v = {MU_VNULL, 0, 0, NULL, 0};
      if (!im->row.null[i] && im->row.cell[i] && im->row.cell[i][0]) {
        v.kind = MU_VTEXT;
        v.s = im->row.cell[i];
        v.len = strlen(im->row.cell[i]);
      }
      if (im->raw_col[i] == -1) key = v;
      else if (im->raw_col[i] >= 0) vals[im->raw_col[i]] = v;
    }
    import_row(im, vals, &key, im->row_line);
  }
  mu_csv_row_clear(&im->row);
  im->row_line = im->line + 1;
}

static int import_stop(void *ctx) { return stopped(ctx); }

static void import_csv(importer *im, FILE *fp) {
  mu_csv_sink k = {csv_field, csv_row, import_stop, &im->line, &im->row_line};
  char why[300];
  long at = 0;
  mu_csv_row_init(&im->row, MAX_COLS);
  if (mu_csv_read(fp, &k, im, &at, why, sizeof why)) {
    report(im, at, "%s", why);
    im->fatal = 1;
  }
  mu_csv_row_free(&im->row);
  if (!im->header_done && !im->fatal) report(im, 0, "empty file: expected a header line naming the columns");
}

/* ---------------------------------------------------------------- JSON */

/* One object: its keys are the columns. */
static void import_fields(importer *im, json_t *obj, long line) {
  mu_value vals[MAX_COLS];
  const char *key;
  json_t *val;
  if (!json_is_object(obj)) {
    report(im, line, "expected an object {\"field\": value, ...}");
    return;
  }
  clear_columns(im);
  mu_value ref = {MU_VNULL, 0, 0, NULL, 0};
  for (size_t i = 0; i < MAX_COLS; i++) vals[i] = ref;   /* a column finish_columns adds stays empty */
  json_object_foreach(obj, key, val) {
    if (add_column(im, key, line)) return;
    if (im->raw_col[im->nraw - 1] == -2) continue;   /* --ignore: whatever it holds */
    mu_value v = {MU_VNULL, 0, 0, NULL, 0};
    switch (json_typeof(val)) {
      case JSON_STRING: v.kind = MU_VTEXT; v.s = json_string_value(val); v.len = json_string_length(val); break;
      case JSON_INTEGER: v.kind = MU_VINT; v.i = json_integer_value(val); break;
      case JSON_REAL: v.kind = MU_VREAL; v.r = json_real_value(val); break;
      case JSON_TRUE: v.kind = MU_VINT; v.i = 1; break;
      case JSON_FALSE: v.kind = MU_VINT; v.i = 0; break;
      case JSON_NULL: break;
      default:
        report(im, line, "%s: must be a string, number, boolean or null", key);
        return;
    }
    if (im->raw_col[im->nraw - 1] == -1) ref = v;
    else if (im->raw_col[im->nraw - 1] >= 0) vals[im->raw_col[im->nraw - 1]] = v;
  }
  if (finish_columns(im, line) || check_required(im, line, 0)) return;
  import_row(im, vals, &ref, line);
}

/* A record, through the caller's transform when there is one: what it returns is read, nil leaves it out. */
static void import_object(importer *im, json_t *obj, long line) {
  if (!im->transform) {
    import_fields(im, obj, line);
    return;
  }
  json_t *out = NULL;
  char why[600] = "";
  if (im->transform(im->transform_ctx, obj, &out, why, sizeof why)) {
    report(im, line, "transform: %s", why[0] ? why : "failed");
    return;
  }
  if (!out) {
    im->skipped++;
    return;
  }
  import_fields(im, out, line);
  json_decref(out);
}

/* A CSV row as the transform sees it: {column: text}, an empty cell null. */
static void transform_csv_row(importer *im) {
  json_t *obj = json_object();
  for (size_t i = 0; obj && i < im->nheader; i++) {
    const char *cell = im->row.cell[i];
    json_object_set_new(obj, im->header[i], !im->row.null[i] && cell && cell[0] ? json_string(cell) : json_null());
  }
  if (!obj) report(im, im->row_line, "out of memory");
  else import_object(im, obj, im->row_line);
  json_decref(obj);
}

/* jansson pulls a JSON array through the line reader, so the array too is bounded. */
typedef struct {
  mu_lines *r;
  size_t total, max;
  int too_big;
} array_src;

static size_t array_chunk(void *buf, size_t size, void *ctx) {
  array_src *a = ctx;
  size_t n = mu_lines_read(a->r, buf, size);
  if (n == (size_t)-1) return n;
  a->total += n;
  if (a->total > a->max) {
    a->too_big = 1;
    return (size_t)-1;
  }
  return n;
}

/*
** Track where a JSON record ends: the depth of { and [ outside strings.
** A record is complete when its depth is back to 0.
*/
typedef struct {
  int depth, in_string, escaped, started;
} json_scan;

static void scan_json(json_scan *j, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (j->in_string) {
      if (j->escaped) j->escaped = 0;
      else if (c == '\\') j->escaped = 1;
      else if (c == '"') j->in_string = 0;
      continue;
    }
    if (c == '"') { j->in_string = 1; j->started = 1; }
    else if (c == '{' || c == '[') { j->depth++; j->started = 1; }
    else if (c == '}' || c == ']') j->depth--;
    else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') j->started = 1;
  }
}

/* One record (an object on one line, or pretty-printed over several) beginning at line first. */
static void json_record(importer *im, const char *text, size_t n, long first) {
  json_error_t jerr;
  json_t *obj = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
  if (!obj) {
    report(im, first + jerr.line - 1, "malformed JSON: %s (column %d)", jerr.text, jerr.column);
    return;
  }
  import_object(im, obj, first);
  json_decref(obj);
}

static void import_json(importer *im, FILE *fp, int lines) {
  mu_lines r;
  mu_lines_init(&r, fp, mu_max_record());
  int c = mu_lines_peek(&r);
  if (c == EOF) {
    if (r.error) report(im, 1, "cannot read: %s", r.error);
    else if (!lines) report(im, 0, "empty file: expected a JSON array of objects or one object per line");
    im->fatal = r.error || !lines;   /* JSON Lines of nothing: no rows, as an export of none writes */
    mu_lines_free(&r);
    return;
  }
  json_error_t jerr;
  if (c == '[') {
    /* An array is parsed whole (so bounded at 16 times the record limit). */
    array_src a = {&r, 0, mu_max_record() * 16, 0};
    json_t *all = json_load_callback(array_chunk, &a, JSON_REJECT_DUPLICATES, &jerr);
    if (!all) {
      if (a.too_big)
        report(im, 0, "the JSON array is larger than %zu bytes: split it, or use JSON Lines (one object a line)",
               a.max);
      else if (r.error)
        report(im, 0, "cannot read: %s", r.error);
      else
        report(im, jerr.line, "malformed JSON: %s (column %d)", jerr.text, jerr.column);
      im->fatal = 1;
      mu_lines_free(&r);
      return;
    }
    size_t i;
    json_t *item;
    json_array_foreach(all, i, item) {
      if (stopped(im)) break;
      im->element = (long)i + 1;   /* arrays carry no line per element */
      import_object(im, item, 0);
    }
    im->element = 0;
    json_decref(all);
    mu_lines_free(&r);
    return;
  }
  /* Records: JSON Lines, or objects pretty-printed over several lines, streamed. */
  const char *line;
  size_t n, used = 0, cap = 0;
  char *rec = NULL;
  long first = 0;
  json_scan j = {0, 0, 0, 0};
  int got = 0;
  while (!stopped(im) && (got = mu_lines_next(&r, &line, &n)) > 0) {
    im->line++;
    if (!j.started) {
      size_t k = 0;
      while (k < n && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r' || line[k] == '\n')) k++;
      if (k == n) continue;   /* blank lines between records */
      first = im->line;
      used = 0;
    }
    if (used + n > r.max) {
      report(im, first, "a record longer than %zu bytes starts here (MUTUALS_MAX_RECORD)", r.max);
      im->fatal = 1;
      break;
    }
    if (used + n + 1 > cap) {
      size_t ncap = (used + n + 1) * 2;
      char *g = realloc(rec, ncap);
      if (!g) {
        report(im, first, "out of memory");
        im->fatal = 1;
        break;
      }
      rec = g;
      cap = ncap;
    }
    memcpy(rec + used, line, n);
    used += n;
    scan_json(&j, line, n);
    if (j.depth <= 0 && !j.in_string) {
      json_record(im, rec, used, first);
      memset(&j, 0, sizeof j);
    }
  }
  if (!stopped(im) && got < 0) {
    report(im, im->line + 1, "cannot read on: %s", r.error);
    im->fatal = 1;
  } else if (!stopped(im) && j.started) {
    json_record(im, rec, used, first);   /* an unfinished record: its parse error says what is missing */
  }
  free(rec);
  mu_lines_free(&r);
}

/* ---------------------------------------------------------------- import */

int mu_format_parse(const char *text, mu_format *fmt) {
  if (strcmp(text, "csv") == 0) *fmt = MU_FMT_CSV;
  else if (strcmp(text, "json") == 0) *fmt = MU_FMT_JSON;
  else if (strcmp(text, "jsonl") == 0) *fmt = MU_FMT_JSONL;
  else return -1;
  return 0;
}

int mu_format_pick(const char *given, const char *name, mu_format *fmt) {
  const char *dot = name ? strrchr(name, '.') : NULL;
  *fmt = MU_FMT_CSV;
  if (dot && strcmp(dot, ".json") == 0) *fmt = MU_FMT_JSON;
  if (dot && strcmp(dot, ".jsonl") == 0) *fmt = MU_FMT_JSONL;
  return given ? mu_format_parse(given, fmt) : 0;
}

/* The source row an import's rows point at when the file names none. */
static long long import_source(importer *im) {
  char now[32], key[600];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  snprintf(key, sizeof key, "import:%s:%s", im->name, now);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(im->s),
        "INSERT INTO sources (key, title, location, kind, fetched_at) VALUES (?1 || ':' || "
        "(SELECT count(*) FROM sources WHERE key LIKE ?1 || '%'), ?2, ?2, 'import', ?3)", -1, &st, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, im->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return 0;
  long long id = sqlite3_last_insert_rowid(mu_store_db(im->s));
  mu_history_insert(&im->history, "sources", id);   /* undone with the rows that name it */
  return id;
}

int mu_import(mu_store *s, const mu_entity *e, mu_format fmt, const char *name, void *fp,
              mu_import_opts *opts) {
  importer im;
  char err[512];
  memset(&im, 0, sizeof im);
  im.poly_key = -1;
  im.map = opts->map;
  im.ignore = opts->ignore;
  im.transform = opts->transform;
  im.transform_ctx = opts->transform_ctx;
  im.s = s;
  im.e = e;
  im.name = name;
  im.max_errors = opts->max_errors > 0 ? opts->max_errors : 20;
  im.mode = opts->mode;
  im.stream_off = strcmp(e->table, "responses") != 0 || opts->mode != MU_MODE_INSERT;
  opts->rows = opts->inserted = opts->updated = opts->unchanged = opts->skipped = 0;
  opts->errors = NULL;
  mu_interrupt_clear();
  /* Every reference is checked above; outside an enclosing transaction the
     import can spare SQLite the same check (the pragma cannot change inside one). */
  int fk_off = mu_store_depth(s) == 0 && sqlite3_get_autocommit(mu_store_db(s));
  if (fk_off) sqlite3_exec(mu_store_db(s), "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
  opts->busy = 0;
  int began = mu_store_begin(s, err, sizeof err);
  if (began) {
    if (fk_off) sqlite3_exec(mu_store_db(s), "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    /* Not the rows' fault: the message says so, and names the store's holder. */
    opts->busy = began == MU_BUSY;
    opts->errors = strdup(err);
    return -1;
  }
  im.may_default_source = mu_field_find(e, "source_id") != NULL;
  if (mu_history_begin(&im.history, s, e->plural, opts->origin ? opts->origin : name, opts->sha256,
                       opts->mode == MU_MODE_UPSERT ? "upsert" : opts->mode == MU_MODE_REPLACE ? "replace" : "insert",
                       opts->command ? opts->command : "import"))
    report(&im, 0, "cannot record the import in the history: %s", sqlite3_errmsg(mu_store_db(s)));
  mu_deferred deferred;
  mu_defer_indexes(s, e, fp, &deferred);
  /* A bigger page cache for the index inserts that remain (the UNIQUE keys,
     and every index when a small file goes into a large table): the default
     2 MiB thrashes once an index outgrows it. Restored after. */
  sqlite3_exec(mu_store_db(s), "PRAGMA cache_size = -16384", NULL, NULL, NULL);
  int own_source = opts->source_id <= 0;
  if (!own_source) im.source_id = opts->source_id;
  if (fmt == MU_FMT_CSV)
    import_csv(&im, fp);
  else
    import_json(&im, fp, fmt == MU_FMT_JSONL);
  clear_columns(&im);
  for (size_t i = 0; i < im.nheader; i++) free(im.header[i]);
  sqlite3_finalize(im.insert);
  sqlite3_exec(mu_store_db(s), "PRAGMA cache_size = -2000", NULL, NULL, NULL);
  /* The sort that rebuilds an index needs no more than the default cache. */
  if (im.nerrors) mu_deferred_free(&deferred);
  else if (mu_restore_indexes(s, &deferred, err, sizeof err)) report(&im, 0, "%s", err);
  if (own_source && im.source_id && !im.nerrors) {
    sqlite3_stmt *st;
    /* Record how many rows came from the file; drop the source if none used it. */
    if (sqlite3_prepare_v2(mu_store_db(s), "UPDATE sources SET rows = ? WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, im.rows);
      sqlite3_bind_int64(st, 2, im.source_id);
      sqlite3_step(st);
      sqlite3_finalize(st);
    }
  }
  if (im.nerrors >= im.max_errors) {
    /* Reading stops at the limit: say so, since later rows were not checked. */
    char more[160];
    int len = snprintf(more, sizeof more, "%s: stopped after %d errors; later rows were not checked\n", name,
                       im.max_errors);
    char *grown = realloc(im.errors, im.errlen + (size_t)len + 1);
    if (grown) {
      im.errors = grown;
      memcpy(im.errors + im.errlen, more, (size_t)len + 1);
      im.errlen += (size_t)len;
    }
  }
  stream_end(&im);
  if (!im.nerrors && strcmp(e->table, "responses") == 0 && mu_seal_due(mu_store_db(s), err, sizeof err))
    report(&im, 0, "%s", err);
  if (!im.nerrors && mu_history_end(&im.history, im.inserted, im.updated, im.unchanged, opts->replaced))
    report(&im, 0, "cannot record the import in the history: %s", sqlite3_errmsg(mu_store_db(s)));
  if (im.nerrors) mu_history_abort(&im.history);   /* the rollback takes its rows back */
  opts->import_id = im.history.id;
  /* A dry run did everything a real one does, counted it, and now takes it back. */
  int committed = im.nerrors || opts->dry_run ? -1 : mu_store_commit(s, err, sizeof err);
  if (committed) {
    mu_store_rollback(s);
    if (fk_off) sqlite3_exec(mu_store_db(s), "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (opts->dry_run && !im.nerrors) goto counted;
    opts->busy = committed == MU_BUSY;
    if (!im.nerrors) report(&im, 0, "%s", err);
    opts->errors = im.errors;
    return -1;
  }
  if (fk_off) sqlite3_exec(mu_store_db(s), "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
counted:
  opts->rows = im.rows;
  opts->inserted = im.inserted;
  opts->updated = im.updated;
  opts->unchanged = im.unchanged;
  opts->skipped = im.skipped;
  free(im.errors);
  return 0;
}

/* ---------------------------------------------------------------- export */

static void write_csv_value(FILE *fp, sqlite3_stmt *st, int col) {
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER: fprintf(fp, "%lld", (long long)sqlite3_column_int64(st, col)); break;
    case SQLITE_FLOAT: fprintf(fp, "%.17g", sqlite3_column_double(st, col)); break;
    case SQLITE_NULL: break;
    default: csv_fwrite(fp, sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
  }
}

static json_t *json_value(sqlite3_stmt *st, int col) {
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, col));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, col));
    case SQLITE_NULL: return json_null();
    default: return json_stringn((const char *)sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
  }
}

/* The relation a reference field is written as: its target has a natural key (parent = "DWP"); else NULL. */
static const mu_relation *keyed_relation(const mu_entity *e, const mu_field *f) {
  if (f->type != MU_T_REF) return NULL;
  for (size_t r = 0; r < e->nrels; r++) {
    const mu_relation *rel = &e->rels[r];
    const mu_entity *t = rel->kind == MU_REL_ONE && rel->fk && strcmp(rel->fk, f->name) == 0
                         ? mu_entity_find(rel->target) : NULL;
    if (t && t->key) return rel;
  }
  return NULL;
}

/*
** Is field f (written as rel, when by natural key) among the columns asked for? A figure's qualifier and
** unit come with it: "staff 500" without "approximately" would be a different number.
*/
static int wanted(const mu_entity *e, const mu_field *f, const mu_relation *rel, const char *const *only, size_t n) {
  for (size_t m = 0; m < e->nmeasures; m++) {
    const mu_measure *ms = &e->measures[m];
    if (!ms->value) continue;
    int part = (ms->qualifier && strcmp(f->name, ms->qualifier) == 0) ||
               (ms->unit_field && strcmp(f->name, ms->unit_field) == 0);
    if (part && wanted(e, mu_field_find(e, ms->value), NULL, only, n)) return 1;
  }
  for (size_t k = 0; k < n; k++) {
    if (strcmp(only[k], f->name) == 0 || (rel && strcmp(only[k], rel->name) == 0)) return 1;
    if (e->poly && strcmp(f->name, e->poly->id_field) == 0 && strlen(only[k]) + 3 == strlen(f->name) &&
        strncmp(only[k], f->name, strlen(only[k])) == 0)
      return 1;
  }
  return 0;
}

/*
** By default a file another store can take: references by the target's
** natural key (parent = "DWP", source = "seed002"), and no id column for an
** entity that has a natural key of its own, since ids are one store's
** numbering. Importing such a file with --mode upsert into the same store
** changes nothing; into another store it merges. With ids, the columns are
** the table's own (parent_id = 1). NULL is written as an empty CSV field and
** as JSON null.
*/
int mu_export(mu_store *s, const mu_query *q, const char *const *only, size_t nonly, mu_format fmt, void *out, int ids,
              char *err, size_t errlen) {
  FILE *fp = out;
  const mu_entity *e = q->e;
  const char *names[128];
  char poly_name[64];   /* "subject": the polymorphic reference's column by key */
  size_t n = 0;
  /* The columns asked for: field names, or a reference's relation name (parent); each checked. */
  for (size_t k = 0; k < nonly; k++) {
    const mu_field *f = mu_field_find(e, only[k]);
    const mu_relation *r = f ? NULL : mu_relation_find(e, only[k]);
    if (!f && !(r && r->kind == MU_REL_ONE && r->fk) &&
        !(e->poly && strncmp(only[k], e->poly->id_field, strlen(only[k])) == 0 &&
          strlen(only[k]) + 3 == strlen(e->poly->id_field))) {
      const char *near = mu_closest_field(e, only[k]);
      snprintf(err, errlen, "%s has no field '%s'%s%s%s", e->name, only[k], near ? ": did you mean '" : "",
               near ? near : "", near ? "'?" : "");
      return -1;
    }
  }
  sqlite3_str *q2 = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendall(q2, "SELECT ");
  for (size_t i = 0; i < e->nfields && n < 128; i++) {
    const mu_field *f = &e->fields[i];
    const mu_relation *rel = ids ? NULL : keyed_relation(e, f);
    if (nonly && !wanted(e, f, rel, only, nonly)) continue;
    if (!ids && f->type == MU_T_ID && e->key && !nonly) continue;
    if (!ids && e->poly && strcmp(f->name, e->poly->id_field) == 0 && n + 1 < 128) {
      /* subject = the target's natural key when it has one; subject_id only when it has not */
      sqlite3_str *k = sqlite3_str_new(mu_store_db(s));
      sqlite3_str_appendf(k, "CASE t.\"%w\"", e->poly->type_field);
      for (const mu_entity *const *t = mu_entities; *t; t++)
        if ((*t)->key)
          sqlite3_str_appendf(k, " WHEN %Q THEN (SELECT \"%w\" FROM \"%w\" WHERE id = t.\"%w\")", (*t)->name,
                              (*t)->key, (*t)->table, f->name);
      sqlite3_str_appendall(k, " END");
      char *key = sqlite3_str_finish(k);
      sqlite3_str_appendf(q2, "%s%s, CASE WHEN (%s) IS NULL THEN t.\"%w\" END", n ? ", " : "", key ? key : "NULL",
                          key ? key : "NULL", f->name);
      sqlite3_free(key);
      snprintf(poly_name, sizeof poly_name, "%.*s", (int)strlen(f->name) - 3, f->name);
      names[n++] = poly_name;
      names[n++] = f->name;
      continue;
    }
    if (rel) {
      const mu_entity *t = mu_entity_find(rel->target);
      sqlite3_str_appendf(q2, "%s(SELECT \"%w\" FROM \"%w\" WHERE id = t.\"%w\")", n ? ", " : "", t->key, t->table,
                          f->name);
      names[n++] = rel->name;
    } else {
      sqlite3_str_appendf(q2, "%st.\"%w\"", n ? ", " : "", f->name);
      names[n++] = f->name;
    }
  }
  if (n == 0) sqlite3_str_appendall(q2, "NULL");
  char *head = sqlite3_str_finish(q2);
  /* The collection's own query (its conditions, bound) as the rows, in id order. */
  sqlite3_stmt *st = head ? mu_query_wrap(s, q, head, " AS t ORDER BY t.id", err, errlen) : NULL;
  char *sql = head;
  if (!st) {
    if (!head) snprintf(err, errlen, "out of memory");
    sqlite3_free(sql);
    return -1;
  }
  sqlite3_free(sql);
  if (fmt == MU_FMT_CSV) {
    for (size_t i = 0; i < n; i++) fprintf(fp, "%s%s", i ? "," : "", names[i]);
    fputc('\n', fp);
  } else if (fmt == MU_FMT_JSON) {
    fputs("[", fp);
  }
  int rc, first = 1;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (fmt == MU_FMT_CSV) {
      for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', fp);
        write_csv_value(fp, st, (int)i);
      }
      fputc('\n', fp);
    } else {
      json_t *obj = json_object();
      for (size_t i = 0; i < n; i++) json_object_set_new(obj, names[i], json_value(st, (int)i));
      if (fmt == MU_FMT_JSON) fputs(first ? "\n" : ",\n", fp);
      json_dumpf(obj, fp, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
      if (fmt == MU_FMT_JSONL) fputc('\n', fp);
      json_decref(obj);
    }
    first = 0;
  }
  if (fmt == MU_FMT_JSON) fputs(first ? "]\n" : "\n]\n", fp);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "%s", sqlite3_errmsg(mu_store_db(s)));
    return -1;
  }
  if (ferror(fp)) {
    snprintf(err, errlen, "write error: %s", strerror(errno));
    return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------- atomic files */

/*
** Output files are written under a temporary name in the same folder and
** renamed over the target only when complete, so a reader (or a failure
** midway) never sees half a file and the previous version survives. A
** target that is a symbolic link is written through: the file it names is
** replaced and the link stays. The temporary name carries the writer's pid
** (OUT.tmp.PID.XXXXXX), so the next writer can remove what a killed one
** left behind.
*/
static void resolve_link(const char *path, char *out, size_t len) {
  struct stat st;
  char target[4096];
  snprintf(out, len, "%s", path);
  for (int hops = 0; hops < 8 && lstat(out, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
    ssize_t n = readlink(out, target, sizeof target - 1);
    if (n <= 0) return;
    target[n] = '\0';
    if (target[0] == '/') {
      snprintf(out, len, "%s", target);
    } else {
      char *slash = strrchr(out, '/');
      if (slash) {
        size_t keep = (size_t)(slash - out) + 1;   /* the link's folder, then the target's name */
        snprintf(out + keep, len - keep, "%s", target);
      } else {
        snprintf(out, len, "%s", target);
      }
    }
  }
}

/* Remove OUT.tmp.PID.* files of writers that are no longer running. */
static void sweep_debris(const char *path) {
  char dir[4096], prefix[4200];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  const char *base = slash ? slash + 1 : path;
  snprintf(prefix, sizeof prefix, "%s.tmp.", base);
  if (slash) slash[slash == dir ? 1 : 0] = '\0';
  else snprintf(dir, sizeof dir, ".");
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  size_t plen = strlen(prefix);
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, prefix, plen) != 0) continue;
    char *end;
    long pid = strtol(e->d_name + plen, &end, 10);
    if (end == e->d_name + plen || *end != '.' || pid <= 0) continue;
    if (kill((pid_t)pid, 0) == 0 || errno == EPERM) continue;   /* its writer is still at work */
    char stale[8300];
    snprintf(stale, sizeof stale, "%s/%s", dir, e->d_name);
    unlink(stale);
  }
  closedir(d);
}

FILE *mu_atomic_open(const char *path, char **tmp, char *err, size_t errlen) {
  char real[4096];
  resolve_link(path, real, sizeof real);
  size_t n = strlen(real) + 40;
  *tmp = malloc(n);
  if (!*tmp) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  sweep_debris(real);
  snprintf(*tmp, n, "%s.tmp.%ld.XXXXXX", real, (long)getpid());
  int fd = mkstemp(*tmp);
  if (fd >= 0) {
    /* mkstemp makes the file private; an output file gets the usual mode. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
  }
  if (fd < 0) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    free(*tmp);
    *tmp = NULL;
    return NULL;
  }
  FILE *fp = fdopen(fd, "w");
  if (!fp) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    unlink(*tmp);
    free(*tmp);
    *tmp = NULL;
  }
  return fp;
}

int mu_atomic_commit(FILE *fp, char *tmp, const char *path, char *err, size_t errlen) {
  int rc = 0;
  char real[4096];
  resolve_link(path, real, sizeof real);
  if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || ferror(fp)) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    rc = -1;
  }
  if (fclose(fp) != 0 && rc == 0) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    rc = -1;
  }
  if (rc == 0 && rename(tmp, real) != 0) {
    snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
    rc = -1;
  }
  if (rc != 0) unlink(tmp);
  free(tmp);
  return rc;
}

void mu_atomic_abort(FILE *fp, char *tmp) {
  if (fp) fclose(fp);
  if (tmp) unlink(tmp);
  free(tmp);
}
