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

#endif
