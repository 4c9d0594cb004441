/*
** The format of the survey cache's entries (migration 6), shared by its
** writer and its two readers: design_cache.c reads an entry whole into a
** design's arrays, design_stream.c reads it in chunks as an estimate goes.
**
** design, "design":
**   u32 magic, n, nstrata, npsu, own_psus, flags, nweights
**   f64 wdict[nweights], u16 widx[n]     when flags & W_DICT: the distinct
**                                        weights once, each respondent's index
**   f64 w[n]                             otherwise
**   i32 stratum[n]                       when flags & HAS_STRATA (else all 0)
**   i32 psu[n], i32 psu_stratum[npsu]    when flags & HAS_PSUS (else everyone
**                                        their own PSU, numbered in order)
**   f64 fpc[nstrata]
**   i32 psus_in_stratum[nstrata]
** variable, "var:NAME":
**   u32 magic, nlevels, bits, levels_bytes; i64 question_id
**   levels: per level its key and label (NUL-terminated), and for a question
**           its option id (i64)
**   codes[n], each `bits` bits (2, 4, 8, 16 or 32; the level's index + 1,
**           0 when missing), packed from the low bits of each byte up
** Everything in the machine's byte order: the cache is rebuilt, never moved.
*/
#ifndef MUTUALS_DESIGN_CACHE_H
#define MUTUALS_DESIGN_CACHE_H

#include <stdint.h>
#include "model.h"

#define MU_DESIGN_MAGIC 0x3444554du   /* "MUD4" (an entry of an older format is rebuilt) */
#define MU_VAR_MAGIC 0x3456554du      /* "MUV4" */
enum { MU_HAS_STRATA = 1, MU_HAS_PSUS = 2, MU_W_DICT = 4 };
#define MU_DESIGN_HEAD 28             /* the design entry's header, bytes */
#define MU_VAR_HEAD 24                /* a variable entry's header */

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
/* n bytes from offset off of the entry (a chunk of a section); the reader left after them. */
int mu_cache_get_at(mu_cache_reader *r, long long off, void *out, size_t n);
void *mu_cache_get_array(mu_cache_reader *r, size_t n, size_t size);
/* The design's header, then its per-stratum and per-PSU arrays (fpc, psus_in_stratum, psu_stratum), checked,
   and the weights' dictionary (*wdict, malloc'd; NULL when the weights are stored whole); the per-respondent
   arrays are left to the caller, whose offsets are returned. */
int mu_cache_read_design_head(mu_design *d, mu_cache_reader *r, uint32_t *flags, double **wdict, int *nwdict,
                              int *w_off, int *stratum_off, int *psu_off);
/* Weights first.. first + count - 1 of the section at w_off, through the dictionary when there is one (raw:
   room for count indexes); 0, or -1 if damaged. */
int mu_cache_read_weights(mu_cache_reader *r, int w_off, const double *wdict, int nwdict, int first, int count,
                          void *raw, double *out);
/* A variable's header and levels; returns its code width in bits, the reader left at its first code; -1 if
   damaged. */
int mu_cache_read_var_head(mu_design_var *v, mu_cache_reader *r);
/* A variable's codes take 2, 4, 8, 16 or 32 bits each, as few as its levels (and missing) need; count codes
   take mu_cache_code_bytes of them. A chunk of codes starts on a byte: its first index is a multiple of 4. */
int mu_cache_code_bits(int nlevels);
size_t mu_cache_code_bytes(int bits, long long count);
/* `count` codes into `bits` bits each (the inverse of mu_cache_widen). */
void mu_cache_narrow(const int *codes, int count, int bits, unsigned char *out);
/* A variable's levels section: each level's key and label, and a question's option id (malloc'd); NULL: oom. */
unsigned char *mu_cache_levels(const mu_design_var *v, size_t *len);
/* Widen `count` codes of `bits` bits into ints, checking each against nlevels; 0 or -1. */
int mu_cache_widen(const void *raw, int bits, int count, int nlevels, int *out);

/*
** The weights' dictionary (design_weights.c): a survey's weights mostly take few values (one per cell of
** its adjustment, department by grade or region by age), so an entry keeps each distinct weight once and a
** 2-byte index per respondent: a quarter of the bytes a crosstab reads, the same doubles back. Indexes in
** order of first appearance, so both writers give the same bytes.
*/
#define MU_WDICT_MAX 65536
typedef struct mu_wdict mu_wdict;
mu_wdict *mu_wdict_new(void);
void mu_wdict_free(mu_wdict *wd);
/* w's index, added when new; -1 once there would be more than MU_WDICT_MAX (or out of memory): then the
   weights are stored whole. */
int mu_wdict_add(mu_wdict *wd, double w);
/* The distinct weights in index order, and how many; whether storing through them saves bytes for n. */
const double *mu_wdict_values(const mu_wdict *wd, int *count);
int mu_wdict_worth(const mu_wdict *wd, long long n);

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
