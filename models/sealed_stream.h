/*
** A survey's first answers written straight to its columns (sealed_stream.c).
** open gives NULL (and 0) when the survey holds answers already. add takes
** an answer's values without the id, in responses' stored order
** (respondent, question_id, option_id, department, grade, weight): 1 when
** taken (*id: the answer's id), 2 when it repeats the one before, 0 when it
** comes out of (respondent, question) order or is not of the stored types
** (the caller then spills and goes on as rows), -1 when it failed. finish
** stores the columns, spill stores what was taken as rows; both free the
** stream and give 0 or -1 (SQLite's error on the connection).
*/
#ifndef MUTUALS_SEALED_STREAM_H
#define MUTUALS_SEALED_STREAM_H

#include "sealed.h"

typedef struct mu_seal_stream mu_seal_stream;
int mu_seal_stream_open(sqlite3 *db, long long survey, mu_seal_stream **out);
long long mu_seal_stream_survey(const mu_seal_stream *s);
int mu_seal_stream_add(mu_seal_stream *s, const mu_cval v[MU_SEALED_NCOLS - 1], sqlite3_int64 *id);
int mu_seal_stream_finish(mu_seal_stream *s);
int mu_seal_stream_spill(mu_seal_stream *s);
void mu_seal_stream_free(mu_seal_stream *s);

#endif
