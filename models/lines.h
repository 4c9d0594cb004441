/*
** A bounded line reader for the importers (lines.c): lines of any file,
** each at most a set length, read in large blocks (no copy per line), with
** a byte-order mark dropped, a NUL byte refused and every read error kept.
** Internal to the models layer.
*/
#ifndef MUTUALS_LINES_H
#define MUTUALS_LINES_H

#include <stdio.h>
#include <stddef.h>

typedef struct {
  FILE *fp;
  char *buf;
  size_t cap, len, off;
  size_t max;          /* the longest line accepted, in bytes */
  int eof, started;
  const char *error;   /* why reading stopped, when it did not reach the end */
} mu_lines;

/* MUTUALS_MAX_RECORD bytes, else 64 MiB: the longest line or record an import accepts. */
size_t mu_max_record(void);
void mu_lines_init(mu_lines *r, FILE *fp, size_t max);
void mu_lines_free(mu_lines *r);
/*
** The next line (with its newline, if any) in *line, valid until the next
** call: 1, or 0 at the end, or -1 with r->error set (a line longer than
** max, a NUL byte, a read error).
*/
int mu_lines_next(mu_lines *r, const char **line, size_t *len);
/* Raw bytes (for a parser that reads by blocks): the count, 0 at the end, (size_t)-1 with r->error. */
size_t mu_lines_read(mu_lines *r, char *out, size_t size);
/* The next byte that is not white space, without consuming it; EOF at the end or on error. */
int mu_lines_peek(mu_lines *r);

/*
** The fields of one CSV row, as libcsv hands them over (its field callback):
** buffers kept from row to row, so a file costs no allocation per cell.
*/
#define MU_CSV_MAX_FIELDS 512
typedef struct {
  char *cell[MU_CSV_MAX_FIELDS];
  size_t cap[MU_CSV_MAX_FIELDS];
  int null[MU_CSV_MAX_FIELDS];   /* the field was empty and unquoted */
  int n, max, too_many, oom;
} mu_csv_row;
void mu_csv_row_init(mu_csv_row *r, int max);
void mu_csv_row_add(mu_csv_row *r, const void *data, size_t len);
void mu_csv_row_clear(mu_csv_row *r);      /* for the next row */
void mu_csv_row_free(mu_csv_row *r);

/*
** A whole CSV file through libcsv (strict quoting, empty fields as NULL), a
** record at a time from the bounded line reader, into the caller's field
** and row callbacks. *line counts the physical lines read, *row_line is kept
** by the row callback (the line its record began on). stop(ctx) is asked
** before each line. Returns 0, or -1 with what went wrong in why and the line
** it concerns in *at: a read error, or malformed quoting (also an
** unterminated quote at the end).
*/
typedef struct {
  void (*field)(void *data, size_t len, void *ctx);
  void (*row)(int term, void *ctx);
  int (*stop)(void *ctx);
  long *line, *row_line;
} mu_csv_sink;
int mu_csv_read(FILE *fp, const mu_csv_sink *k, void *ctx, long *at, char *why, size_t whylen);

/* Error lines for an import's report: appended, one per line, as long as memory allows. */
void mu_append_line(char **text, size_t *len, const char *line);

#endif
