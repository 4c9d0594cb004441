/*
** The format of the survey cache's entries (migration 6), shared by its
** writer and its two readers: design_cache.c reads an entry whole into a
** design's arrays, design_stream.c reads it in chunks as an estimate goes.
**
** design, "design":
**   u32 magic, n, nstrata, npsu, own_psus, flags
**   f64 w[n]
**   i32 stratum[n]                       when flags & HAS_STRATA (else all 0)
**   i32 psu[n], i32 psu_stratum[npsu]    when flags & HAS_PSUS (else everyone
**                                        their own PSU, numbered in order)
**   f64 fpc[nstrata]
**   i32 psus_in_stratum[nstrata]
** variable, "var:NAME":
**   u32 magic, nlevels, width, levels_bytes; i64 question_id
**   levels: per level its key and label (NUL-terminated), and for a question
**           its option id (i64)
**   codes[n], each `width` bytes (1, 2 or 4; signed; -1 when missing)
** Everything in the machine's byte order: the cache is rebuilt, never moved.
*/
#ifndef MUTUALS_DESIGN_CACHE_H
#define MUTUALS_DESIGN_CACHE_H

#include <stdint.h>
#include "model.h"

#define MU_DESIGN_MAGIC 0x3344554du   /* "MUD3" */
#define MU_VAR_MAGIC 0x3356554du      /* "MUV3" */
enum { MU_HAS_STRATA = 1, MU_HAS_PSUS = 2 };

/* An entry opened for reading: every read checks its bounds, so a damaged entry is refused, never overread. */
typedef struct {
  sqlite3_blob *blob;
  int len, off, bad;
} mu_cache_reader;

/* The state of the survey data an entry must have been built from. */
int mu_cache_stamp(mu_store *s, char *buf, size_t len);
/* Open entry `name` of the survey if it was built from data in state `stamp`; 0 or -1. */
int mu_cache_open(mu_store *s, long long survey, const char *name, const char *stamp, mu_cache_reader *r);
void mu_cache_close(mu_cache_reader *r);
int mu_cache_get(mu_cache_reader *r, void *out, size_t n);
void *mu_cache_get_array(mu_cache_reader *r, size_t n, size_t size);
/* The design's header, then its per-stratum and per-PSU arrays (fpc, psus_in_stratum, psu_stratum), checked;
   the per-respondent arrays are left to the caller, whose offsets are returned. */
int mu_cache_read_design_head(mu_design *d, mu_cache_reader *r, uint32_t *flags, int *w_off, int *stratum_off,
                              int *psu_off);
/* A variable's header and levels; returns its code width, the reader left at its first code; -1 if damaged. */
int mu_cache_read_var_head(mu_design_var *v, mu_cache_reader *r);
/* A variable's codes take 1, 2 or 4 bytes each, as few as its levels need. */
int mu_cache_code_width(int nlevels);
/* `count` codes into `width` bytes each (the inverse of mu_cache_widen). */
void mu_cache_narrow(const int *codes, int count, int width, unsigned char *out);
/* A variable's levels section: each level's key and label, and a question's option id (malloc'd); NULL: oom. */
unsigned char *mu_cache_levels(const mu_design_var *v, size_t *len);
/* Widen `count` codes of `width` bytes into ints, checking each against nlevels; 0 or -1. */
int mu_cache_widen(const void *raw, int width, int count, int nlevels, int *out);

/*
** The scan of a survey's rows (design.c), for the whole load and for the cache built in two passes
** (design_build.c): each respondent in key order handed to row(), its stratum, PSU and attribute levels as
** indexes in the scan's maps (first appearance, the same in every pass), an own PSU as -1 - k for the k-th
** respondent without a cluster, a question's code as its option's position, -1 when missing.
*/
typedef struct {
  double w, fpc;
  int stratum, psu;
  int code[MU_MAX_VARS];
} mu_scan_row;
typedef struct mu_scan mu_scan;
mu_scan *mu_scan_new(int nvars);
void mu_scan_free(mu_scan *sc);
int mu_scan_rows(mu_store *s, long long survey, const char *const *names, int nnames, const mu_design_var *var,
                 mu_scan *sc, int (*row)(void *ctx, const mu_scan_row *r), void *ctx, char *err, size_t errlen);
int mu_scan_nstrata(const mu_scan *sc);
int mu_scan_named_psus(const mu_scan *sc);
int mu_scan_own_psus(const mu_scan *sc);
/* Attribute v's levels sorted as R sorts a factor's (keys, malloc'd), remap[i]: the sorted place of level i. */
int mu_scan_levels(const mu_scan *sc, int v, char ***keys, int **remap, int *n);
int mu_design_resolve_var(mu_store *s, long long survey, const char *name, mu_design_var *v, char *err,
                          size_t errlen);
/* The cache's entries built from the rows in two passes, memory flat in the respondents (design_build.c):
   0, or -1 when it cannot (read-only, busy, inside a transaction, too large for a blob). */
int mu_design_build_cache(mu_store *s, long long survey, const char *const *names, int nnames);

#endif
