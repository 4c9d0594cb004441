/*
** The importers' reader. getline would read /dev/zero until memory ran
** out and report nothing; this one reads blocks, hands out lines from its
** buffer, and stops with a reason at a line longer than the limit, at a
** NUL byte (not a text file) or at a read error.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <csv.h>
#include "lines.h"

#define BLOCK (1 << 20)

size_t mu_max_record(void) {
  const char *env = getenv("MUTUALS_MAX_RECORD");
  char *end;
  unsigned long long v = env && *env ? strtoull(env, &end, 10) : 0;
  if (!env || !*env || *end || v < 64) return (size_t)64 << 20;
  return (size_t)v;
}

void mu_lines_init(mu_lines *r, FILE *fp, size_t max) {
  memset(r, 0, sizeof *r);
  r->fp = fp;
  r->max = max;
}

void mu_lines_free(mu_lines *r) {
  free(r->buf);
  r->buf = NULL;
}

/* Read another block after what is left; 1 if bytes came, 0 at the end, -1 on error. */
static int fill(mu_lines *r) {
  if (r->eof) return 0;
  if (r->off > 0) {
    memmove(r->buf, r->buf + r->off, r->len - r->off);
    r->len -= r->off;
    r->off = 0;
  }
  if (r->cap - r->len < BLOCK) {
    size_t cap = r->cap ? r->cap * 2 : 2 * BLOCK;
    if (cap > r->max + 2 * BLOCK) cap = r->max + 2 * BLOCK;
    if (cap <= r->len) cap = r->len + BLOCK;
    char *b = realloc(r->buf, cap);
    if (!b) {
      r->error = "out of memory reading the file";
      return -1;
    }
    r->buf = b;
    r->cap = cap;
  }
  size_t n = fread(r->buf + r->len, 1, r->cap - r->len, r->fp);
  if (n == 0) {
    if (ferror(r->fp)) {
      r->error = strerror(errno ? errno : EIO);
      return -1;
    }
    r->eof = 1;
    return 0;
  }
  if (memchr(r->buf + r->len, '\0', n)) {
    r->error = "it contains a NUL byte: not a text file";
    return -1;
  }
  if (!r->started) {
    r->started = 1;
    if (n >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->off = 3;   /* a byte-order mark is not data */
  }
  r->len += n;
  return 1;
}

int mu_lines_next(mu_lines *r, const char **line, size_t *len) {
  if (r->error) return -1;
  size_t scanned = 0;
  for (;;) {
    char *start = r->buf + r->off;
    size_t avail = r->len - r->off;
    char *nl = avail > scanned ? memchr(start + scanned, '\n', avail - scanned) : NULL;
    if (nl || (r->eof && avail)) {
      size_t n = nl ? (size_t)(nl - start) + 1 : avail;
      if (n > r->max) break;
      *line = start;
      *len = n;
      r->off += n;
      return 1;
    }
    if (avail > r->max) break;
    scanned = avail;
    int got = fill(r);
    if (got < 0) return -1;
    if (got == 0 && r->len == r->off) return 0;
  }
  r->error = "a line is longer than the limit (MUTUALS_MAX_RECORD bytes, 64 MiB unless set)";
  return -1;
}

int mu_lines_peek(mu_lines *r) {
  size_t i = 0;
  for (;;) {
    for (; r->off + i < r->len; i++) {
      unsigned char c = (unsigned char)r->buf[r->off + i];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
    }
    if (i > r->max || fill(r) <= 0) return EOF;   /* fill keeps what is unread: i still counts from off */
  }
}

size_t mu_lines_read(mu_lines *r, char *out, size_t size) {
  if (r->off == r->len && fill(r) <= 0) return r->error ? (size_t)-1 : 0;
  size_t n = r->len - r->off < size ? r->len - r->off : size;
  memcpy(out, r->buf + r->off, n);
  r->off += n;
  return n;
}

void mu_csv_row_init(mu_csv_row *r, int max) {
  memset(r, 0, sizeof *r);
  r->max = max < MU_CSV_MAX_FIELDS ? max : MU_CSV_MAX_FIELDS;
}

void mu_csv_row_add(mu_csv_row *r, const void *data, size_t len) {
  if (r->n >= r->max) {
    r->too_many = 1;
    return;
  }
  int i = r->n++;
  r->null[i] = data == NULL;
  if (len + 1 > r->cap[i]) {
    char *g = realloc(r->cell[i], len + 64);
    if (!g) {
      r->oom = 1;
      r->null[i] = 1;
      return;
    }
    r->cell[i] = g;
    r->cap[i] = len + 64;
  }
  if (len) memcpy(r->cell[i], data, len);
  r->cell[i][len] = '\0';
}

void mu_csv_row_clear(mu_csv_row *r) {
  r->n = 0;
  r->too_many = 0;
}

void mu_csv_row_free(mu_csv_row *r) {
  for (int i = 0; i < MU_CSV_MAX_FIELDS; i++) free(r->cell[i]);
  memset(r, 0, sizeof *r);
}

void mu_append_line(char **text, size_t *len, const char *line) {
  size_t n = strlen(line);
  char *g = realloc(*text, *len + n + 2);
  if (!g) return;   /* the count of errors still says there were more */
  *text = g;
  memcpy(g + *len, line, n);
  *len += n;
  g[(*len)++] = '\n';
  g[*len] = '\0';
}

int mu_csv_read(FILE *fp, const mu_csv_sink *k, void *ctx, long *at, char *why, size_t whylen) {
  struct csv_parser p;
  mu_lines r;
  const char *line;
  size_t n;
  int got = 0, rc = 0;
  csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
  mu_lines_init(&r, fp, mu_max_record());
  *k->row_line = 1;
  while (!k->stop(ctx) && (got = mu_lines_next(&r, &line, &n)) > 0) {
    (*k->line)++;
    if (csv_parse(&p, line, n, k->field, k->row, ctx) != n) {
      snprintf(why, whylen, "malformed CSV: %s (check the quoting)", csv_strerror(csv_error(&p)));
      *at = *k->row_line;
      rc = -1;
      break;
    }
  }
  if (!rc && !k->stop(ctx) && got < 0) {
    snprintf(why, whylen, "cannot read on: %s", r.error);
    *at = *k->line + 1;
    rc = -1;
  }
  if (!rc && !k->stop(ctx) && csv_fini(&p, k->field, k->row, ctx) != 0) {
    snprintf(why, whylen, "malformed CSV: %s (an unterminated quote?)", csv_strerror(csv_error(&p)));
    *at = *k->row_line;
    rc = -1;
  }
  csv_free(&p);
  mu_lines_free(&r);
  return rc;
}
