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

/* ---------------------------------------------------------------- qualified values */

/*
** A qualified value: a number as the sources state it ("at least 58",
** "around 45,000", "up to £120,000", unknown) with its unit, dates,
** geography and sources. It is held as what is known of the true value:
** it lies in [lo, hi] (open at a strict bound, infinite where unbounded),
** or, when approx is set, near lo..hi with no hard bound. Every layer passes
** this one type along; arithmetic and aggregates follow interval rules so a
** bound stays a bound and an unknown never becomes 0 (qvalue.c).
*/
#define MU_QV_MAXSRC 16

typedef struct {
  int known;                /* 0: nothing is known of the value */
  double lo, hi;            /* the true value lies in [lo, hi]; +-INFINITY when unbounded */
  int lo_open, hi_open;     /* "more than lo" / "less than hi" */
  int approx;               /* the figure is approximate: lo..hi are not hard bounds */
  int nonneg;               /* the quantity cannot be negative (counts, money) */
  int nterms, nknown;       /* an aggregate: how many terms, how many of them known */
  char word[16];            /* the qualifier as the source worded it, for a single figure */
  char unit[48];
  char date_from[11], date_to[11];  /* the date it holds at, or the span of its terms' dates */
  int undated;              /* terms without a date */
  char geography[64];       /* "" when not stated */
  int geo_mixed;            /* terms from different geographies */
  long long sources[MU_QV_MAXSRC];
  int nsources, more_sources;
} mu_qv;

/* A stated figure: qualifier exact, at_least, more_than, at_most, up_to,
   less_than, approximately, around or unknown (NULL: exact). -1 if unknown word. */
int mu_qv_make(mu_qv *q, double value, const char *qualifier, const char *unit);
void mu_qv_unknown(mu_qv *q, const char *unit);
void mu_qv_set_nonneg(mu_qv *q);         /* a count or an amount: never below 0 */
void mu_qv_set_date(mu_qv *q, const char *date);
void mu_qv_set_geography(mu_qv *q, const char *geography);
void mu_qv_add_source(mu_qv *q, long long source_id);
/* The qualifier of what is known: exact, at_least, more_than, up_to,
   less_than, approximately (or the source's word), between, unknown. */
const char *mu_qv_qualifier(const mu_qv *q);
/* The stated number: the value, or the bound of a one-sided figure; NAN for between and unknown. */
double mu_qv_value(const mu_qv *q);
/* Arithmetic. 0, or -1 with the reason in err (units that differ). */
int mu_qv_add(const mu_qv *a, const mu_qv *b, mu_qv *out, char *err, size_t errlen);
int mu_qv_sub(const mu_qv *a, const mu_qv *b, mu_qv *out, char *err, size_t errlen);
int mu_qv_mul(const mu_qv *a, const mu_qv *b, mu_qv *out, char *err, size_t errlen);
int mu_qv_div(const mu_qv *a, const mu_qv *b, mu_qv *out, char *err, size_t errlen);
void mu_qv_neg(const mu_qv *a, mu_qv *out);
/* -1: a < b for certain, 1: a > b, 0: both exactly equal, 2: not known. */
int mu_qv_compare(const mu_qv *a, const mu_qv *b);
/* a < b, a <= b: 1 certainly, 0 certainly not, -1 when the figures allow either. */
int mu_qv_lt(const mu_qv *a, const mu_qv *b);
int mu_qv_le(const mu_qv *a, const mu_qv *b);
/* Folds for aggregates: acc starts with mu_qv_fold_init; each term may be unknown. */
typedef enum { MU_FOLD_SUM, MU_FOLD_MIN, MU_FOLD_MAX } mu_fold;
void mu_qv_fold_init(mu_qv *acc, const char *unit, int nonneg);
int mu_qv_fold(mu_qv *acc, mu_fold how, const mu_qv *term, char *err, size_t errlen);
/* The mean of a sum folded over acc->nterms terms. */
void mu_qv_mean(const mu_qv *sum, mu_qv *out);
/*
** Growth from a to b dated from..to, at the dates' precision (a year-only
** date spans the year): the ratio b/a and the compound annual rate, each the
** range that every possible pair of days allows. -1 with a reason.
*/
int mu_qv_growth(const mu_qv *a, const mu_qv *b, mu_qv *ratio, mu_qv *cagr, double *years_min,
                 double *years_max, char *err, size_t errlen);
/* "at least 58 organisations" (value and unit); bounds rounded outward. */
void mu_qv_text(const mu_qv *q, char *buf, size_t len);
/* "at least 58 organisations (June 2012; England; source 3)". */
void mu_qv_describe(const mu_qv *q, char *buf, size_t len);
/* "25 June 2012", "June 2012", "2012". */
void mu_date_words(const char *date, char *buf, size_t len);
/* A date at any precision as the days it covers, counted from 1970-01-01. */
int mu_date_span(const char *date, long *first, long *last);

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

/*
** A measure: a numeric field read as a qualified value, with the fields
** (or fixed unit) that qualify, date and place it. `claim` names the
** fields that together say which quantity a row is a claim about (two rows
** equal on all of them are two claims about one number); NULL when every
** row is a quantity of its own.
*/
typedef struct {
  const char *value, *qualifier, *unit_field, *unit, *date, *geography;
  const char *const *claim;
} mu_measure;

/*
** A polymorphic reference: the `type_field` names the entity (singular)
** whose row `id_field` points at; the type `none` (e.g. 'sector') takes no id.
*/
typedef struct {
  const char *type_field, *id_field, *none;
  const char *field_field;   /* a column naming a field of the row referred to (a claim's field), or NULL */
} mu_poly;

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
  const mu_measure *measures;   /* qualified numeric fields */
  size_t nmeasures;
  const mu_poly *poly;          /* a reference whose target entity a field names, or NULL */
} mu_entity;

extern const mu_entity *const mu_entities[];   /* NULL-terminated */

const mu_entity *mu_entity_find(const char *name);        /* singular or plural */
const mu_field *mu_field_find(const mu_entity *e, const char *name);
int mu_field_index(const mu_entity *e, const char *name);
const mu_relation *mu_relation_find(const mu_entity *e, const char *name);
/* The measure whose value is field f, or NULL. */
const mu_measure *mu_measure_of(const mu_entity *e, const mu_field *f);
/* The name in names[0..n-1] (NULL-terminated lists too) closest to given, if close enough (suggest.c). */
const char *mu_closest(const char *given, const char *const *names, size_t n);
const char *mu_closest_field(const mu_entity *e, const char *given);   /* fields and relations */
/* Is f a number (INT, REAL; not an id, reference or flag)? */
int mu_field_numeric(const mu_field *f);

/*
** Check a value against a field's type and rules. Returns 0 when valid;
** otherwise writes the broken rule ("must be one of: a, b") into why.
** Integers given as whole reals and reals given as integers are normalised.
*/
/* Whether n bytes are well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
int mu_valid_utf8(const char *s, size_t n);
int mu_field_check(const mu_field *f, mu_value *v, char *why, size_t whylen);
/* SQLite's "CHECK constraint failed: ..." in the entity's words, naming the field; returns buf. */
const char *mu_check_words(const mu_entity *e, const char *msg, char *buf, size_t len);
/* 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' naming a real month and day. */
int mu_date_valid(const char *s, size_t n);

/* ---------------------------------------------------------------- store */

typedef struct mu_store mu_store;

#define MU_OPEN_READONLY 1  /* no writes, no dataset load */
#define MU_OPEN_NOLOAD   2  /* create schema but do not load the bundled dataset */

int mu_store_open(const char *path, int flags, mu_store **out, char *err, size_t errlen);
void mu_store_close(mu_store *s);
sqlite3 *mu_store_db(mu_store *s);
/* Map the store into memory (on) for reading the survey cache, or stop (off) before scanning rows. */
void mu_store_map(mu_store *s, int on);
/* The responses virtual table's module, on a new connection (responses_vtab.c). */
int mu_responses_vtab_register(sqlite3 *db);
/* The table holding a table's rows with its keys and defaults: responses_rows for responses (a virtual table
   since migration 11, which declares neither), else the table itself. */
const char *mu_rows_table(const char *table);
/* Seal the survey's answers: its rows and what is sealed already into columns, the rows deleted, inside the
   caller's transaction; *sealed: the answers now sealed. */
int mu_seal_survey(sqlite3 *db, long long survey, long long *sealed, char *err, size_t errlen);
/* After an import, in its transaction: seal the surveys whose rows have grown enough (sealed.c). */
int mu_seal_due(sqlite3 *db, char *err, size_t errlen);
const char *mu_store_path(mu_store *s);
int mu_store_reset(mu_store *s, char *err, size_t errlen);   /* drop all, reload dataset */
int mu_store_schema_version(void);

/*
** Nestable transactions. The outermost takes the write lock up front (BEGIN
** IMMEDIATE), waiting mu_busy_timeout_ms() for another writer; begin_read
** is a snapshot for reading. 0 on success; MU_BUSY when the wait ran out
** (err names the holder if it can); -1 otherwise; message in err.
*/
#define MU_BUSY (-2)
int mu_store_begin(mu_store *s, char *err, size_t errlen);
int mu_store_begin_read(mu_store *s, char *err, size_t errlen);
int mu_busy_timeout_ms(void);                       /* MUTUALS_BUSY_TIMEOUT seconds, default 30 */
/* Stop whatever every open store is running (a signal handler may call it): it fails and rolls back. */
void mu_interrupt_all(void);
int mu_interrupted(void);         /* has mu_interrupt_all been called since mu_interrupt_clear? */
void mu_interrupt_clear(void);
void mu_store_busy_message(mu_store *s, char *err, size_t errlen);
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

/*
** "<head> FROM (<the query's rows>) <tail>", with the query's values bound:
** head and tail are built by the caller from entity field names only.
*/
sqlite3_stmt *mu_query_wrap(mu_store *s, const mu_query *q, const char *head, const char *tail, char *err,
                            size_t errlen);

/*
** Aggregates of a numeric field as qualified values (measure.c): the sum,
** mean, min or max of f over the query's rows, for each value of `by` in
** order when by is given (else once), passed to cb with the group's value.
** A sum or mean over two claims about the same quantity is refused, naming
** them. Returns 0, or -1 with a message in err (also when cb returns non-zero).
*/
typedef int (*mu_measure_cb)(void *ctx, const mu_value *group, const mu_qv *result);
int mu_query_measure(mu_store *s, const mu_query *q, mu_agg agg, const mu_field *f, const mu_field *by,
                     mu_measure_cb cb, void *ctx, char *err, size_t errlen);
/* The qualified value of field f in a row of e (values in field order). */
int mu_measure_row(const mu_entity *e, const mu_field *f, const mu_value *row, mu_qv *out, char *err,
                   size_t errlen);

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
/* Does a polymorphic reference's pair (type, id) name an existing row? 0, or -1 with why. */
int mu_poly_check(mu_store *s, const mu_entity *e, const mu_value *type, const mu_value *id, char *why,
                  size_t len);
/* The field a claim names must be one of its subject's (type): 0, or -1 with the reason and a suggestion. */
int mu_poly_field_check(const mu_entity *e, const mu_value *type, const mu_value *field, char *why, size_t len);

/* ---------------------------------------------------------------- statistics */

typedef struct { double lo, hi; } mu_interval;

mu_interval mu_wilson(double share, double n, double z);
/* Argument rules of the statistics: 0, or -1 with the rule `what` broke in why. */
int mu_check_share(double p, const char *what, char *why, size_t len);
int mu_check_n(double n, const char *what, char *why, size_t len);
int mu_check_count(double x, double n, const char *what, char *why, size_t len);
int mu_check_z(double z, char *why, size_t len);
/* Two-proportion z-test; returns z and writes the two-sided p-value. */
double mu_two_prop(double p1, double n1, double p2, double n2, double *pvalue);

/* ---------------------------------------------------------------- surveys */

/*
** Published shares of one question of a survey for one breakdown, optionally
** from one source: columns option key, option label, group, share,
** qualifier, base_n, count, count_derived, source key.
*/
sqlite3_stmt *mu_survey_shares(mu_store *s, long long survey_id, const char *question,
                               const char *breakdown, const char *source, char *err, size_t errlen);

/* ---------------------------------------------------------------- consistency */

/*
** The consistency check (check.c): each problem found is passed to cb with
** its kind (contradiction, rival, derived, duplicate, unsourced), a stable
** key, a message, and the data's explanation when known_issues holds one
** (else NULL). cb returns non-zero to stop. *unknown counts the problems
** without an explanation. 0, or -1 with a message in err.
*/
typedef int (*mu_check_cb)(void *ctx, const char *kind, const char *key, const char *message,
                           const char *explanation);
int mu_check(mu_store *s, mu_check_cb cb, void *ctx, int *unknown, char *err, size_t errlen);

/* ---------------------------------------------------------------- survey design and estimation */

/* distributions.c: what design-based inference needs, to R's precision. */
double mu_qnorm(double p);
double mu_pt(double t, double df);
double mu_qt(double p, double df);
double mu_pbeta(double x, double a, double b);
double mu_qbeta(double p, double a, double b);
double mu_pf_upper(double f, double d1, double d2);

/* A categorical variable of the design: a question (its options) or a respondent attribute (its values). */
typedef struct {
  char *name;
  long long question_id;     /* 0 for an attribute */
  int nlevels;
  char **keys, **labels;     /* option key and label; for an attribute both are the value */
  long long *option_ids;     /* a question's options, in order */
  int *code;                 /* per respondent: level index, or -1 when missing */
} mu_design_var;

/*
** A survey's design and the variables an estimate needs (design.c):
** respondents with weight, stratum and PSU (PSUs numbered across strata),
** each stratum's finite population correction (0: none; at most 1: a
** sampling fraction; above 1: the stratum's population of PSUs).
*/
typedef struct {
  int n, nstrata, npsu, nvars;
  int own_psus;              /* respondents without a named PSU (each its own); n when there are no clusters */
  double *w;
  int *stratum, *psu, *psu_stratum;   /* read psu and psu_stratum through mu_psu and mu_psu_stratum */
  double *fpc;               /* per stratum */
  int *psus_in_stratum;      /* per stratum, when read from the cache (else counted from psu_stratum) */
  mu_design_var *var;
  struct mu_design_source *src;   /* set when the per-respondent arrays are read in chunks (design_stream.c) */
} mu_design;
/* psu and psu_stratum are NULL when every respondent is their own PSU, numbered in order (design_cache.c). */
static inline int mu_psu(const mu_design *d, int i) { return d->psu ? d->psu[i] : i; }
static inline int mu_psu_stratum(const mu_design *d, int j) { return d->psu_stratum ? d->psu_stratum[j] : d->stratum[j]; }

int mu_design_load(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d, char *err,
                   size_t errlen);
void mu_design_free(mu_design *d);
/* The columnar cache (design_cache.c): 0 with d filled when every entry is current; storing never fails a caller. */
int mu_design_cached(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d);
void mu_design_cache(mu_store *s, long long survey, const mu_design *d);
/*
** A design for a crosstab (design_stream.c): from the cache when it is
** current, its per-respondent arrays (w, stratum, psu, codes) left NULL
** and read in chunks as the estimate goes, so memory does not grow with the
** respondents; else mu_design_load. An estimate that needs the arrays whole
** returns MU_DESIGN_RELOAD: free the design, mu_design_load it, ask again.
*/
#define MU_MAX_VARS 16
#define MU_DESIGN_RELOAD (-5)
int mu_design_open(mu_store *s, long long survey, const char *const *names, int nnames, mu_design *d, char *err,
                   size_t errlen);
void mu_design_source_close(struct mu_design_source *src);
/* Respondents first.. of a design, as many as a chunk holds (all of them when the arrays are in memory):
   stratum NULL means all 0, psu NULL everyone their own; code[v] for each variable. 0, or -1 if damaged. */
typedef struct {
  int n;
  const double *w;
  const int *stratum, *psu;
  const int *code[MU_MAX_VARS];
} mu_chunk;
int mu_design_chunk(const mu_design *d, int first, mu_chunk *c);
/* The same for an estimator's loop: MU_DESIGN_RELOAD with the reason when the chunk is damaged. */
int mu_design_next(const mu_design *d, int first, mu_chunk *c, char *err, size_t errlen);
int mu_design_var_index(const mu_design *d, const char *name);
int mu_design_level(const mu_design_var *v, const char *key);   /* by key or label; -1 if none */
/* Respondents in PSU order: order[start[j] .. start[j + 1] - 1] are PSU j's (malloc'd). */
int mu_design_order(const mu_design *d, int **order, int **start);
/* Per stratum: its PSUs and (1 - f_h) n_h / (n_h - 1); -1 with a reason for a stratum of one PSU. */
int mu_design_strata(const mu_design *d, double *factor, int *npsu_h, char *err, size_t errlen);

/*
** One estimated share (estimate.c): a cell of a table, for its domain (a
** group, among respondents who answered, within any filter). The variance
** is by Taylor linearisation for the design (with-replacement PSUs within
** strata, as R's svydesign(ids, strata, weights, fpc)); df is the domain's
** degrees of freedom as R's degf() of the subset design gives them.
*/
typedef struct {
  long long n;               /* respondents in the cell (unweighted) */
  long long base_n;          /* respondents in the domain (the cell's group, answering) */
  double weighted, base_weighted;
  double share, se, deff, n_eff, df;
  double lo_logit, hi_logit, lo_beta, hi_beta, lo_wilson, hi_wilson;
  int suppressed;            /* 0; 1: its base is below the threshold; 2: hidden so the others cannot reveal it */
  const char *why;           /* why the share or its interval is missing (static text), else NULL */
} mu_cell;

/*
** A crosstab of variable `row` (the question whose options are the
** columns) by the group variables `by` (nested; -1-terminated), within the
** domain where every filter variable has its level. cells has
** (ngroups + 1) x (nlevels + 1) entries, row-major: group g = ngroups is
** the overall margin, option k = nlevels the group's total. Groups are the
** combinations of the by variables' levels, first variable slowest.
*/
/*
** A mean of scores given to a question's options (the People Survey's
** engagement index scores its five answers 0, 25, 50, 75, 100), for a row's
** domain: a ratio estimator, as R's svymean of the scored variable with
** na.rm = TRUE (an option without a score leaves its respondents out of the
** base). The interval is normal, as confint() of it in R.
*/
typedef struct {
  long long n;               /* respondents scored in the domain */
  double weighted, mean, se, deff, df, lo, hi;
  int suppressed;            /* as a cell's */
  const char *why;           /* why the mean is missing (static text), else NULL */
} mu_mean;

typedef struct {
  int ngroups, nopts, nby;
  int *group_levels;         /* ngroups x nby: each group's level of each by variable */
  mu_cell *cells;
  mu_mean *means;            /* ngroups + 1 (the last: everyone), when the spec has scores; else NULL */
  double level;
} mu_table;

typedef struct {
  int var;                   /* the tabulated variable (index into the design) */
  int by[4], nby;
  int filter_var[8], filter_level[8], nfilters;
  double level;              /* confidence level, 0.95 */
  int min_base;              /* suppress cells whose base is below this (0: none) */
  int method;                /* 0: the faster that fits in memory; 1: one pass; 2: streaming (tests compare them) */
  const double *scores;      /* a score per option of var (NAN: unscored), for means; NULL: shares only */
} mu_table_spec;

int mu_estimate_table(const mu_design *d, const mu_table_spec *spec, mu_table *t, char *err, size_t errlen);
void mu_table_free(mu_table *t);
/* Complementary suppression of the table's cells (suppress.c); 0, or -1 when no safe pattern exists. */
int mu_suppress(mu_table *t, int min_base);
/* The same for a table's means: a group under the threshold, and another so that neither follows from the whole. */
void mu_suppress_means(mu_table *t, int min_base);

/* The Rao-Scott corrected chi-square of a two-way table (as R's svychisq, statistic "F"). */
typedef struct {
  double chisq;              /* Pearson's X^2 of the weighted table scaled to the sample size */
  double f, ndf, ddf, p;     /* the second-order Rao-Scott F, its degrees of freedom and p-value */
  int nr, nc;
} mu_chisq;
int mu_estimate_chisq(const mu_design *d, int a, int b, const int *filter_var, const int *filter_level, int nfilters,
                      mu_chisq *out, char *err, size_t errlen);

/* The difference of a level's share between two groups of one variable, with its design-based SE. */
typedef struct {
  double share_a, share_b, diff, se, z, p, lo, hi;
  long long n_a, n_b;
} mu_diff;
int mu_estimate_diff(const mu_design *d, int var, int level, int by, int group_a, int group_b, double conf,
                     mu_diff *out, char *err, size_t errlen);

/* Survey microdata in wide or long form (microdata.c). Column names: id is required; the rest may be NULL. */
typedef struct {
  const char *id, *weight, *strata, *psu, *fpc;
  int long_form;
  const char *question, *answer;   /* the long form's columns */
  int max_errors;
  const char *sha256;              /* of the file, for the import's record; NULL: unknown */
} mu_microdata_opts;
typedef struct {
  long long respondents, answers;
  char *errors;              /* malloc'd "FILE:LINE: ..." lines when it failed */
  int busy;
} mu_microdata_result;
int mu_import_microdata(mu_store *s, long long survey, const mu_microdata_opts *o, const char *name, void *fp,
                        mu_microdata_result *res, char *err, size_t errlen);

/* ---------------------------------------------------------------- import/export */

typedef enum { MU_FMT_CSV, MU_FMT_JSON, MU_FMT_JSONL } mu_format;
struct json_t;   /* jansson's, for a record handed to a transform */
typedef enum { MU_MODE_INSERT, MU_MODE_UPSERT, MU_MODE_REPLACE } mu_import_mode;

typedef struct {
  int max_errors;            /* report at most this many bad rows */
  long long rows;            /* out: rows read and accepted (inserted + updated + unchanged) */
  char *errors;              /* out: malloc'd "FILE:LINE: field: reason\n"... */
  long long source_id;       /* rows without a source column point here; 0: record the file as a source */
  int busy;                  /* out: failed because another writer held the store, not because of the rows */
  mu_import_mode mode;       /* insert (a row already there is an error) or upsert (merge.c) */
  int dry_run;               /* do everything, count, then roll back: the store is left byte-identical */
  long long inserted, updated, unchanged;   /* out */
  const char *map;           /* "column=field,...": the file's columns under other names, or NULL */
  const char *ignore;        /* "column,...": the file's columns to leave out, or NULL */
  /* for the history (migration 8): what ran it, what it read; NULL: "import", the file's name, unknown */
  const char *command, *origin, *sha256;
  long long replaced;        /* rows the caller dropped before (a refetch), for the record */
  long long import_id;       /* out: the import's row in the history */
  /*
  ** A transform of each record before it is read (--transform script.lua; the binding runs a Lua function):
  ** given the record as {column: value} (a CSV cell as a string, an empty one as null), 0 with *out a new
  ** object of fields (the importer drops the reference) or NULL to leave the record out; -1 with why.
  ** --map and --ignore then apply to what it returns.
  */
  int (*transform)(void *ctx, struct json_t *in, struct json_t **out, char *why, size_t whylen);
  void *transform_ctx;
  long long skipped;         /* out: records the transform left out */
} mu_import_opts;

/*
** The id of e's row called text (names.c): by natural key, by its label when one row has it, or by an alias
** (migration 7); 0 with a reason offering the closest known name when none; -1 on a store error.
*/
long long mu_resolve_name(mu_store *s, const mu_entity *e, const char *text, size_t len, char *why, size_t whylen);
/* The same without the reason: the id, 0 for none, -2 (a name several rows have) or -3 (a damaged alias), -1. */
long long mu_find_name(mu_store *s, const mu_entity *e, const char *text, size_t len);

/*
** The history of imports (history.c, migration 8): begin inside the import's transaction, note each
** inserted row (kept as ranges) and each updated one (its given columns before and after), end with the
** counts. mu_undo_import takes one back when nothing since depends on it, else says what is in the way.
*/
#define MU_HISTORY_RANGES 4
typedef struct {
  mu_store *s;
  long long id;
  sqlite3_stmt *add;
  int failed;
  struct {
    char table[64];
    long long first, last;
  } range[MU_HISTORY_RANGES];
} mu_history;
int mu_history_begin(mu_history *h, mu_store *s, const char *kind, const char *origin, const char *sha256,
                     const char *mode, const char *command);
void mu_history_insert(mu_history *h, const char *table, long long rowid);
void mu_history_update(mu_history *h, const char *table, long long rowid, const char *before, const char *after);
int mu_history_end(mu_history *h, long long inserted, long long updated, long long unchanged, long long replaced);
void mu_history_abort(mu_history *h);
typedef struct {
  long long deleted, restored;
} mu_undo_result;
/* 0; MU_BUSY; or -1 with the reason in err (nothing changed). dry_run: check and count, then roll back. */
int mu_undo_import(mu_store *s, long long import, int dry_run, mu_undo_result *res, char *err, size_t errlen);
int mu_file_sha256(const char *path, char hex[65]);

/*
** Merging a file's rows into the store (merge.c): a row's identity is its
** entity's natural key, else its table's UNIQUE columns, else its content.
*/
#define MU_MERGE_MAX 16
enum { MU_MERGE_NEW, MU_MERGE_UNCHANGED, MU_MERGE_CHANGED };
typedef struct mu_merger mu_merger;
/* The identity's fields (at most max); 0 when rows are matched by content. */
int mu_identity(mu_store *s, const mu_entity *e, const mu_field **out, int max);
/* For rows with these columns (replace: the row becomes them, other fields reset); NULL with a reason. */
#define MU_FIELDS_MAX 32
mu_merger *mu_merger_new(mu_store *s, const mu_entity *e, const mu_field *const *cols, size_t ncols, int replace,
                         char *err, size_t errlen);
/* Replacing: what a field the file lacks becomes, instead of its default (an import's own source); 1 if it is one. */
int mu_merger_default(mu_merger *m, const char *field, long long value);
/* MU_MERGE_NEW, _UNCHANGED or _CHANGED (with the row's id), or -1. */
int mu_merger_find(mu_merger *m, const mu_value *vals, long long *id);
int mu_merger_update(mu_merger *m, long long id, const mu_value *vals);
int mu_merger_by_content(const mu_merger *m);
void mu_merger_free(mu_merger *m);
/* Row id's values of the merger's columns (the id aside) as a JSON object, malloc'd; NULL on failure. */
char *mu_merger_snapshot(mu_merger *m, long long id);

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
  char *count_trigger;   /* the table's <table>_inserted trigger, set aside (migration 6) */
} mu_deferred;
/* Inside an open transaction: drop e's plain indexes if the file fp (a FILE *)
   is large for the table, and its change-counting insert trigger;
   mu_restore_indexes builds them again and counts the import as one change. */
void mu_defer_indexes(mu_store *s, const mu_entity *e, void *fp, mu_deferred *d);
int mu_restore_indexes(mu_store *s, mu_deferred *d, char *err, size_t errlen);
void mu_deferred_free(mu_deferred *d);

/* The format given ("csv", "json"), else from name's extension (.json, .jsonl), else CSV; -1 if given is unknown. */
int mu_format_pick(const char *given, const char *name, mu_format *fmt);
/* Stream rows of an entity from fp into the store in one transaction. */
int mu_import(mu_store *s, const mu_entity *e, mu_format fmt, const char *name,
              void *fp, mu_import_opts *opts);
/* The rows of query q (a whole collection, or its conditions), in id order; only the fields named in only (none:
   all); references by natural key and no store ids unless ids (io.c). */
int mu_export(mu_store *s, const mu_query *q, const char *const *only, size_t nonly, mu_format fmt, void *fp, int ids,
              char *err, size_t errlen);

/* ---------------------------------------------------------------- remote data */

#define MU_MAX_HEADER_LINE (64 * 1024)   /* a longer response header line is refused */
#define MU_MAX_RETRY_AFTER 3600L         /* seconds: a larger Retry-After counts as this */

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

/*
** A health ping (ping.c): GET url[/suffix], or POST body when given, with
** short timeouts. 0, or -1 with a message; a caller never fails for it.
*/
int mu_ping(const char *url, const char *suffix, const char *body, char *err, size_t errlen);

/* ---------------------------------------------------------------- report runs */

void mu_now_utc(char *buf, size_t len);   /* 2026-11-23T10:00:00.123Z */
long long mu_run_start(mu_store *s, const char *script, const char *sha256, const char *args_json,
                       char *err, size_t errlen);
int mu_run_finish(mu_store *s, long long id, int status, const char *outputs_json, const char *error);
/* Mark runs whose process is gone (or from an earlier boot) as killed: status -1. */
void mu_runs_reap(mu_store *s);

/* Write to a temporary file beside path; commit renames it over path. */
FILE *mu_atomic_open(const char *path, char **tmp, char *err, size_t errlen);
int mu_atomic_commit(FILE *fp, char *tmp, const char *path, char *err, size_t errlen);
void mu_atomic_abort(FILE *fp, char *tmp);

#endif
