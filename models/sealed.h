/*
** Reading a survey's sealed answers (sealed.c), in (respondent, question_id)
** order: mu_sealed_open gives NULL when there are none (-1: damaged); next
** gives 1 for an answer, 0 at the end, -1 if damaged; a value by responses'
** column (0 id, 1 survey_id, 2 respondent, ... 7 weight), valid until the next.
*/
#ifndef MUTUALS_SEALED_H
#define MUTUALS_SEALED_H

#include "columns.h"
#include "model.h"

#define MU_SEALED_NCOLS 7   /* id, respondent, question_id, option_id, department, grade, weight */

typedef struct mu_sealed mu_sealed;
/* The stored columns' names in response_columns, in responses' order without survey_id (sealed.c). */
extern const char *const mu_sealed_columns[MU_SEALED_NCOLS];
int mu_sealed_open(sqlite3 *db, long long survey, mu_sealed **out);
/* The same, decoding only the columns in the mask (bit k: responses' column k; a column left out reads NULL). */
int mu_sealed_open_cols(sqlite3 *db, long long survey, unsigned columns, mu_sealed **out);
int mu_sealed_next(mu_sealed *s);
const mu_cval *mu_sealed_value(mu_sealed *s, int col);
void mu_sealed_close(mu_sealed *s);
/* No text of column col's current block holds a NUL byte: each can be read up to its terminator. */
int mu_sealed_nul_free(const mu_sealed *s, int col);
/* The answers sealed, gone ones included. */
uint32_t mu_sealed_count(const mu_sealed *s);
/* The reader narrowed to one answer, by its key or by its id: the next mu_sealed_next gives it if it is
   there and live (1 from the seek), then ends; 0 when none, -1 if damaged. */
int mu_sealed_seek(mu_sealed *s, const mu_cval *respondent, sqlite3_int64 question);
int mu_sealed_seek_id(mu_sealed *s, sqlite3_int64 id);
/* fn called with each of the survey's sealed ids marked gone (their marks are the store's, for every survey):
   0, or -1 (damaged, or fn gave non-zero). Its id column is read whole, the reader's place lost. */
int mu_sealed_each_gone(mu_sealed *s, int (*fn)(void *ctx, sqlite3_int64 id), void *ctx);
/* A live sealed answer of the respondent to the question: 1 with its id, 0 when none, -1 if damaged. */
int mu_sealed_find(sqlite3 *db, long long survey, const mu_cval *respondent, sqlite3_int64 question,
                   sqlite3_int64 *id);

/*
** A survey's columns being written (to temporary files, a block in memory at a time), then stored as its
** sealed answers in place of any it had: the values of an answer come in responses' stored order (id,
** respondent, question_id, option_id, department, grade, weight), the answers in (respondent, question_id)
** order. Storing raises the largest id sealed.
*/
typedef struct {
  FILE *fp[MU_SEALED_NCOLS];
  mu_colw *w[MU_SEALED_NCOLS];
  uint32_t n;
  sqlite3_int64 max_id;
  sqlite3_int64 *ranges;   /* each block's smallest and largest id (stored as the entry id_ranges) */
  size_t ranges_cap;
} mu_sealed_writer;
int mu_sealed_writer_open(mu_sealed_writer *w);
int mu_sealed_writer_add(mu_sealed_writer *w, const mu_cval v[MU_SEALED_NCOLS]);
int mu_sealed_writer_store(mu_sealed_writer *w, sqlite3 *db, long long survey);
void mu_sealed_writer_free(mu_sealed_writer *w);
/* (respondent, question_id) order of two answers: <0, 0 or >0 (respondent's bytes, then the question). */
int mu_sealed_order(const mu_cval *ra, const mu_cval *qa, const mu_cval *rb, const mu_cval *qb);

/* A survey's sealed keys as a filter: maybe says 0 when the key is certainly not sealed (1: look). Built from
   the columns as they are (NULL when none, or out of memory); current while responses_high.nonce stays. */
typedef struct mu_sealed_keys mu_sealed_keys;
mu_sealed_keys *mu_sealed_keys_build(sqlite3 *db, long long survey);
int mu_sealed_keys_maybe(const mu_sealed_keys *f, const mu_cval *respondent, sqlite3_int64 question);
void mu_sealed_keys_free(mu_sealed_keys *f);
/* A survey's sealed answers back into rows (their ids kept), its columns and their gone marks dropped, in the
   caller's transaction: for a run of writes that each would look a sealed answer up; 0 or -1. */
int mu_unseal_survey(sqlite3 *db, long long survey);
/* The answers with ids in [first, last] deleted (an import undone), in the caller's transaction: rows by their
   ids, sealed ones marked gone, or, when they are all of a survey's, its columns dropped; *deleted: how many. */
int mu_sealed_delete_range(sqlite3 *db, sqlite3_int64 first, sqlite3_int64 last, long long *deleted);

#endif
