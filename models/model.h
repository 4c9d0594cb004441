/*
** models: the mutuals domain over SQLite. Plain C, no Lua.
** This header is the layer's whole public face: the store, the entity
** descriptions (the only source of identifiers that reach SQL), validation,
** queries built from those descriptions, and import/export.
*/
#ifndef MUTUALS_MODEL_H
#define MUTUALS_MODEL_H

#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

#define MU_VERSION "0.1.0"

/* ---------------------------------------------------------------- values */

typedef enum { MU_VNULL, MU_VINT, MU_VREAL, MU_VTEXT } mu_vkind;

/* A value on its way to or from SQL. Text is borrowed, not owned. */
typedef struct {
  mu_vkind kind;
  long long i;
  double r;
  const char *s;
  size_t len;
} mu_value;

/* ---------------------------------------------------------------- entities */

typedef enum {
  MU_T_ID,    /* integer primary key, read-only */
  MU_T_TEXT,
  MU_T_INT,
  MU_T_REAL,
  MU_T_DATE,  /* 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' */
  MU_T_ENUM,  /* text from a fixed list */
  MU_T_REF,   /* integer id of another entity */
  MU_T_BOOL   /* 0 or 1 */
} mu_type;

#define MU_REQUIRED  1u  /* NOT NULL */
#define MU_NONNEG    2u  /* >= 0 */
#define MU_POSITIVE  4u  /* > 0 */
#define MU_SHARE     8u  /* 0 <= x <= 1 */
#define MU_DEFAULTED 16u /* the column has a default: may be left out on insert */

typedef struct {
  const char *name;
  mu_type type;
  unsigned flags;
  const char *const *choices; /* MU_T_ENUM: NULL-terminated */
  const char *ref;            /* MU_T_REF: entity name it points at */
  const char *doc;
} mu_field;

typedef enum { MU_REL_ONE, MU_REL_MANY, MU_REL_JOIN } mu_relkind;

/*
** A relation from one entity to another. ONE: this row's `fk` field holds the
** other's id. MANY: the other's `fk` field holds this row's id (optionally
** restricted by `where_field` = `where_value`). JOIN: through `join_table`,
** whose `join_self` column holds this id and `join_other` the other's.
*/
typedef struct {
  const char *name;
  mu_relkind kind;
  const char *target;
  const char *fk;
  const char *join_table, *join_self, *join_other;
  const char *where_field, *where_value;
  const char *doc;
} mu_relation;

typedef struct mu_entity {
  const char *name;     /* singular, as in messages: "mutual" */
  const char *plural;   /* collection name: "mutuals" */
  const char *table;
  const char *key;      /* natural key used by get(), e.g. "abbrev" */
  const char *label;    /* field shown by tostring */
  const mu_field *fields;
  size_t nfields;
  const mu_relation *rels;
  size_t nrels;
  const char *doc;
} mu_entity;

extern const mu_entity *const mu_entities[];   /* NULL-terminated */

const mu_entity *mu_entity_find(const char *name);        /* singular or plural */
const mu_field *mu_field_find(const mu_entity *e, const char *name);
int mu_field_index(const mu_entity *e, const char *name);
const mu_relation *mu_relation_find(const mu_entity *e, const char *name);

/*
** Check a value against a field's type and rules. Returns 0 when valid;
** otherwise writes the broken rule ("must be one of: a, b") into why.
** Integers given as whole reals and reals given as integers are normalised.
*/
int mu_field_check(const mu_field *f, mu_value *v, char *why, size_t whylen);
/* 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' naming a real month and day. */
int mu_date_valid(const char *s, size_t n);

/* ---------------------------------------------------------------- store */

typedef struct mu_store mu_store;

#define MU_OPEN_READONLY 1  /* no writes, no dataset load */
#define MU_OPEN_NOLOAD   2  /* create schema but do not load the bundled dataset */

int mu_store_open(const char *path, int flags, mu_store **out, char *err, size_t errlen);
void mu_store_close(mu_store *s);
sqlite3 *mu_store_db(mu_store *s);
const char *mu_store_path(mu_store *s);
int mu_store_reset(mu_store *s, char *err, size_t errlen);   /* drop all, reload dataset */
int mu_store_schema_version(void);

/* Nestable transactions (savepoints). 0 on success; message in err. */
int mu_store_begin(mu_store *s, char *err, size_t errlen);
int mu_store_commit(mu_store *s, char *err, size_t errlen);
void mu_store_rollback(mu_store *s);
int mu_store_depth(mu_store *s);

int mu_bind_value(sqlite3_stmt *st, int idx, const mu_value *v);
mu_value mu_column_value(sqlite3_stmt *st, int col);

/* ---------------------------------------------------------------- queries */

typedef enum { MU_OP_EQ, MU_OP_NE, MU_OP_LT, MU_OP_LE, MU_OP_GT, MU_OP_GE,
               MU_OP_LIKE, MU_OP_NULL, MU_OP_NOTNULL, MU_OP_RELATED,
               MU_OP_ENDS_BEFORE /* a date whose whole period ends before v */ } mu_op;

typedef struct {
  const mu_field *field;           /* NULL for MU_OP_RELATED */
  mu_op op;
  mu_value v;                      /* text owned by the query */
  const mu_relation *rel;          /* MU_OP_RELATED: rows related to id v.i */
  const mu_entity *rel_owner;
} mu_cond;

#define MU_MAX_ORDER 4

typedef struct {
  const mu_entity *e;
  mu_cond *conds;
  size_t nconds, cap;
  const mu_field *order[MU_MAX_ORDER];
  int desc[MU_MAX_ORDER];
  size_t norder;
  long long limit, offset;         /* -1: none */
} mu_query;

typedef enum { MU_AGG_COUNT, MU_AGG_SUM, MU_AGG_AVG, MU_AGG_MIN, MU_AGG_MAX } mu_agg;

void mu_query_init(mu_query *q, const mu_entity *e);
void mu_query_free(mu_query *q);
int mu_query_copy(mu_query *dst, const mu_query *src);
int mu_query_add(mu_query *q, const mu_field *f, mu_op op, const mu_value *v);
int mu_query_related(mu_query *q, const mu_entity *owner, const mu_relation *rel, long long id);
int mu_query_op(const char *text, mu_op *op);

/*
** Prepare the statement for a query. rows: all fields in declared order.
** aggregate: one row, one column (agg of field; field NULL for COUNT(*)).
** group: rows of (group field value, COUNT(*), agg of field if given).
** The caller finalizes the statement. NULL on error, message in err.
*/
sqlite3_stmt *mu_query_rows(mu_store *s, const mu_query *q, char *err, size_t errlen);
/* Only the given fields, in that order (for fast iteration over a few columns). */
sqlite3_stmt *mu_query_columns(mu_store *s, const mu_query *q, const mu_field *const *cols, size_t ncols,
                               char *err, size_t errlen);
sqlite3_stmt *mu_query_aggregate(mu_store *s, const mu_query *q, mu_agg agg,
                                 const mu_field *f, char *err, size_t errlen);
sqlite3_stmt *mu_query_group(mu_store *s, const mu_query *q, const mu_field *by,
                             mu_agg agg, const mu_field *f, char *err, size_t errlen);

/* ---------------------------------------------------------------- writes */

/*
** Insert or update one row. names/vals are parallel arrays of n fields.
** Every value is checked; on a broken rule err reads
** "mutual.staff: -5 is invalid: must be >= 0". Returns the row id, or -1.
*/
long long mu_insert(mu_store *s, const mu_entity *e, const char *const *names,
                    mu_value *vals, size_t n, char *err, size_t errlen);
int mu_update(mu_store *s, const mu_entity *e, long long id, const char *const *names,
              mu_value *vals, size_t n, char *err, size_t errlen);
int mu_delete(mu_store *s, const mu_entity *e, long long id, char *err, size_t errlen);

/* ---------------------------------------------------------------- statistics */

typedef struct { double lo, hi; } mu_interval;

mu_interval mu_wilson(double share, double n, double z);
/* Two-proportion z-test; returns z and writes the two-sided p-value. */
double mu_two_prop(double p1, double n1, double p2, double n2, double *pvalue);
/* Compound annual growth rate between two values `years` apart. */
double mu_cagr(double from, double to, double years);
/* Years between two ISO dates of any precision (missing parts are mid-period). */
int mu_date_years(const char *from, const char *to, double *years);

/* ---------------------------------------------------------------- surveys */

/*
** Published shares of one question of a survey for one breakdown, optionally
** from one source: columns option key, option label, group, share,
** qualifier, base_n, count, count_derived, source key.
*/
sqlite3_stmt *mu_survey_shares(mu_store *s, long long survey_id, const char *question,
                               const char *breakdown, const char *source, char *err, size_t errlen);
/*
** Weighted tabulation of microdata: columns group (NULL when by is NULL),
** option key, option label, respondents, weighted count, weighted group total.
** by is "department", "grade" or NULL.
*/
sqlite3_stmt *mu_survey_crosstab(mu_store *s, long long survey_id, const char *question,
                                 const char *by, char *err, size_t errlen);

/* ---------------------------------------------------------------- import/export */

typedef enum { MU_FMT_CSV, MU_FMT_JSON } mu_format;

typedef struct {
  int max_errors;            /* report at most this many bad rows */
  long long rows;            /* out: rows imported */
  char *errors;              /* out: malloc'd "FILE:LINE: field: reason\n"... */
  long long source_id;       /* rows without a source column point here; 0: record the file as a source */
} mu_import_opts;

int mu_format_parse(const char *text, mu_format *fmt);
/*
** A scan read ahead on a second thread once it has returned `after` rows
** (readahead.c; after < 0: never). The reader owns st. Rows stay valid until
** the next call; mu_reader_next returns 1 with a row, 0 at the end, -1 with
** a message (a failed step, or the store closed under the scan). Any use of the store through mu_store_db() first parks its
** readers' workers, which then finish on the caller's thread.
*/
typedef struct mu_reader mu_reader;
mu_reader *mu_reader_new(mu_store *s, sqlite3_stmt *st, int ncols, long long after);
int mu_reader_next(mu_reader *r, const mu_value **row, char *err, size_t errlen);
void mu_reader_free(mu_reader *r);
/* For the store: its list of readers, parking them, and letting go of them when it closes. */
mu_reader **mu_store_readers(mu_store *s);
void mu_readers_park(mu_reader *list, const mu_reader *except);
void mu_readers_detach(mu_reader **list);

/* Secondary indexes set aside during a large import (bulk.c). */
#define MU_MAX_DEFERRED 8
typedef struct {
  int n;
  char *name[MU_MAX_DEFERRED], *sql[MU_MAX_DEFERRED];
} mu_deferred;
/* Inside an open transaction: drop e's plain indexes if the file fp (a FILE *)
   is large for the table; mu_restore_indexes builds them again. */
void mu_defer_indexes(mu_store *s, const mu_entity *e, void *fp, mu_deferred *d);
int mu_restore_indexes(mu_store *s, mu_deferred *d, char *err, size_t errlen);
void mu_deferred_free(mu_deferred *d);

/* The format given ("csv", "json"), else from name's extension (.json, .jsonl), else CSV; -1 if given is unknown. */
int mu_format_pick(const char *given, const char *name, mu_format *fmt);
/* Stream rows of an entity from fp into the store in one transaction. */
int mu_import(mu_store *s, const mu_entity *e, mu_format fmt, const char *name,
              void *fp, mu_import_opts *opts);
int mu_export(mu_store *s, const mu_entity *e, mu_format fmt, void *fp, char *err, size_t errlen);

/* ---------------------------------------------------------------- remote data */

typedef struct {
  long connect_timeout_ms, timeout_ms;
  long low_speed_limit, low_speed_time;   /* slower than limit bytes/s for time s: stalled */
  long long max_bytes;
  int max_redirects;
  int retries;                            /* further attempts after the first */
  long backoff_ms, max_retry_ms;
  int progress;                           /* 1 on, 0 off, -1 when stderr is a terminal */
  const char *etag, *last_modified;       /* validators for a conditional request */
  const char *ca_file;                    /* extra CA bundle (tests) */
} mu_fetch_opts;

typedef struct {
  long status;
  int not_modified, attempts;
  long long bytes;
  long retry_after;                       /* seconds, -1 if none */
  char *etag, *last_modified, *content_type;
  char sha256[65];
  char effective_url[2048];
} mu_fetch_result;

/* Reads the body from fp; returns 0, or -1 with a message in err. */
typedef int (*mu_fetch_body)(FILE *fp, void *ctx, char *err, size_t errlen);

typedef struct mu_transfer mu_transfer;

void mu_fetch_defaults(mu_fetch_opts *o);
/* GET url, streaming the body to `body`; retries as the options say. */
int mu_fetch(const char *url, const mu_fetch_opts *o, mu_fetch_body body, void *ctx, mu_fetch_result *res,
             char *err, size_t errlen);
void mu_fetch_result_free(mu_fetch_result *r);

typedef struct {
  long long rows;
  int not_modified, offline, attempts;
  long long source_id;
  char fetched_at[32];
  char *errors;                           /* malloc'd row errors when the data was bad */
} mu_sync_result;

/*
** Fetch url and replace the rows of e that came from it, in one transaction,
** recording the URL as a source with its validators, SHA-256 and row count.
** A 304 keeps the stored rows. offline: use what is stored, fetch nothing.
*/
int mu_sync(mu_store *s, const mu_entity *e, const char *url, mu_format fmt, const mu_fetch_opts *o,
            int offline, mu_sync_result *res, char *err, size_t errlen);

/* ---------------------------------------------------------------- report runs */

void mu_now_utc(char *buf, size_t len);   /* 2026-11-23T10:00:00.123Z */
long long mu_run_start(mu_store *s, const char *script, const char *sha256, const char *args_json,
                       char *err, size_t errlen);
int mu_run_finish(mu_store *s, long long id, int status, const char *outputs_json, const char *error);

/* Write to a temporary file beside path; commit renames it over path. */
FILE *mu_atomic_open(const char *path, char **tmp, char *err, size_t errlen);
int mu_atomic_commit(FILE *fp, char *tmp, const char *path, char *err, size_t errlen);
void mu_atomic_abort(FILE *fp, char *tmp);

#endif
