/*
** A survey's answers sealed into columns (migration 11, columns branch):
** one entry of response_columns per column of responses (survey_id aside:
** it is the entry's), each encoded by columns.c, all in the order of
** (respondent, question_id). Sealing merges what is sealed already with
** the survey's rows in responses_rows, leaves out what responses_gone says
** was deleted or replaced since, writes the columns anew and deletes the
** rows, inside the caller's transaction. Reading gives the answers back in
** that order, a block of each column at a time.
*/
#include <stdlib.h>
#include <string.h>
#include "sealed.h"

#define NSTORED MU_SEALED_NCOLS   /* the stored columns, in responses' order without survey_id */
const char *const mu_sealed_columns[NSTORED] = {"id", "respondent", "question_id", "option_id", "department", "grade",
                                            "weight"};

/* One column being read: its blob, footer and current block. */
typedef struct {
  sqlite3_blob *blob;
  mu_colfoot foot;
  mu_colblock block;
  unsigned char *raw;
  size_t raw_cap;
} col_reader;

struct mu_sealed {
  long long survey;
  col_reader col[NSTORED];
  uint32_t nrows, block, at;     /* the current block, and the row in it */
  uint32_t id_block;             /* the block the id column holds decoded */
  unsigned wanted;               /* the stored columns decoded (bit k: mu_sealed_columns[k]; the id when asked or gone) */
  int sought;                    /* a seek's: 1 the answer it found is next, 2 given (the scan ends) */
  sqlite3_int64 *ranges;         /* each block's smallest and largest id (nblocks pairs), or NULL */
  uint32_t ranges_n;
  sqlite3_int64 *gone;           /* sorted */
  size_t ngone;
  mu_cval survey_value;
};

static int read_block(col_reader *c, uint32_t k) {
  uint32_t len = c->foot.offset[k + 1] - c->foot.offset[k];
  if (len > c->raw_cap) {
    unsigned char *g = realloc(c->raw, len);
    if (!g) return -1;
    c->raw = g;
    c->raw_cap = len;
  }
  if (sqlite3_blob_read(c->blob, c->raw, (int)len, (int)c->foot.offset[k]) != SQLITE_OK) return -1;
  return mu_colblock_decode(c->raw, len, &c->block);
}

static int open_col(sqlite3 *db, sqlite3_int64 rowid, col_reader *c) {
  if (sqlite3_blob_open(db, "main", "response_columns", "data", rowid, 0, &c->blob) != SQLITE_OK) return -1;
  long long len = sqlite3_blob_bytes(c->blob);
  unsigned char tail[4096];
  size_t take = len < (long long)sizeof tail ? (size_t)len : sizeof tail, need = 0;
  if (take < 12 || sqlite3_blob_read(c->blob, tail, (int)take, (int)(len - (long long)take)) != SQLITE_OK) return -1;
  int rc = mu_colfoot_read(tail, take, len, &c->foot, &need);
  if (rc == 1) {   /* a long offsets table: read it whole */
    unsigned char *all = malloc(need);
    rc = !all || sqlite3_blob_read(c->blob, all, (int)need, (int)(len - (long long)need)) != SQLITE_OK
           ? -1 : mu_colfoot_read(all, need, len, &c->foot, &need);
    free(all);
  }
  return rc;
}

static int cmp_id(const void *a, const void *b) {
  sqlite3_int64 x = *(const sqlite3_int64 *)a, y = *(const sqlite3_int64 *)b;
  return (x > y) - (x < y);
}

void mu_sealed_close(mu_sealed *s) {
  if (!s) return;
  for (int k = 0; k < NSTORED; k++) {
    sqlite3_blob_close(s->col[k].blob);
    mu_colfoot_free(&s->col[k].foot);
    mu_colblock_free(&s->col[k].block);
    free(s->col[k].raw);
  }
  free(s->gone);
  free(s->ranges);
  free(s);
}

int mu_sealed_open(sqlite3 *db, long long survey, mu_sealed **out) { return mu_sealed_open_cols(db, survey, ~0u, out); }

int mu_sealed_open_cols(sqlite3 *db, long long survey, unsigned columns, mu_sealed **out) {
  sqlite3_stmt *st;
  *out = NULL;
  mu_sealed *s = calloc(1, sizeof *s);
  if (!s || sqlite3_prepare_v2(db, "SELECT id, name, nrows, CASE name WHEN 'id_ranges' THEN data END "
                               "FROM response_columns WHERE survey_id = ?", -1, &st, NULL) != SQLITE_OK) {
    free(s);
    return -1;
  }
  s->survey = survey;
  s->survey_value = (mu_cval){.type = SQLITE_INTEGER, .i = survey};
  sqlite3_bind_int64(st, 1, survey);
  int found = 0, bad = 0;
  while (!bad && sqlite3_step(st) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 1);
    if (name && strcmp(name, "id_ranges") == 0 && !s->ranges) {   /* checked against the blocks below */
      int len = sqlite3_column_bytes(st, 3);
      s->ranges_n = (uint32_t)(len / (int)(2 * sizeof *s->ranges));
      bad = len % (int)(2 * sizeof *s->ranges) != 0 || sqlite3_column_int64(st, 2) != s->ranges_n ||
            (len && !(s->ranges = malloc((size_t)len)));
      if (!bad && len) memcpy(s->ranges, sqlite3_column_blob(st, 3), (size_t)len);
    }
    for (int k = 0; k < NSTORED; k++)
      if (name && strcmp(name, mu_sealed_columns[k]) == 0) {
        bad = s->col[k].blob != NULL || open_col(db, sqlite3_column_int64(st, 0), &s->col[k]);
        if (!bad && (sqlite3_int64)s->col[k].foot.nrows != sqlite3_column_int64(st, 2)) bad = 1;
        found++;
      }
  }
  sqlite3_finalize(st);
  if (!bad && found == 0) {   /* nothing sealed */
    mu_sealed_close(s);
    return 0;
  }
  s->nrows = s->col[0].foot.nrows;
  for (int k = 0; !bad && k < NSTORED; k++)
    bad = !s->col[k].blob || s->col[k].foot.nrows != s->nrows ||
          s->col[k].foot.nblocks != ((uint64_t)s->nrows + MU_COL_BLOCK - 1) / MU_COL_BLOCK;
  if (!bad && s->ranges && s->ranges_n != s->col[0].foot.nblocks) bad = 1;
  /* the answers deleted or replaced since they were sealed */
  size_t cap = 0;
  if (!bad && sqlite3_prepare_v2(db, "SELECT id FROM responses_gone ORDER BY id", -1, &st, NULL) == SQLITE_OK) {
    while (!bad && sqlite3_step(st) == SQLITE_ROW) {
      if (s->ngone == cap) {
        cap = cap ? cap * 2 : 64;
        sqlite3_int64 *g = realloc(s->gone, cap * sizeof *g);
        if (!g) bad = 1;
        else s->gone = g;
      }
      if (!bad) s->gone[s->ngone++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  } else
    bad = 1;
  if (bad) {
    mu_sealed_close(s);
    return -1;
  }
  s->block = s->id_block = UINT32_MAX;
  /* responses' columns (0 id, 1 survey_id, 2 respondent, ...) to the stored ones (0 id, 1 respondent, ...);
     the id only when asked for or when some answers are gone (else it is decoded when first read) */
  s->wanted = (columns & 1) || s->ngone ? 1 : 0;
  for (int k = 2; k < 8; k++)
    if (columns & (1u << k)) s->wanted |= 1u << (k - 1);
  *out = s;
  return 0;
}

static int is_gone(const mu_sealed *s, sqlite3_int64 id) {
  return s->ngone && bsearch(&id, s->gone, s->ngone, sizeof id, cmp_id) != NULL;
}

/* Block k's answers: every block but the last holds MU_COL_BLOCK (columns.c writes them so). */
static uint32_t block_rows(const mu_sealed *s, uint32_t k) {
  uint64_t left = (uint64_t)s->nrows - (uint64_t)k * MU_COL_BLOCK;
  return left < MU_COL_BLOCK ? (uint32_t)left : MU_COL_BLOCK;
}

int mu_sealed_next(mu_sealed *s) {
  if (s->sought) return s->sought == 1 ? (s->sought = 2, 1) : 0;
  for (;;) {
    if (s->block == UINT32_MAX || ++s->at >= block_rows(s, s->block)) {
      uint32_t k = s->block == UINT32_MAX ? 0 : s->block + 1;
      if (k >= s->col[0].foot.nblocks) return 0;
      /* only the columns the query reads: iterating two of them decodes two blocks, not seven */
      for (int c = 0; c < NSTORED; c++)
        if ((s->wanted & (1u << c)) && (read_block(&s->col[c], k) || (uint32_t)s->col[c].block.n != block_rows(s, k)))
          return -1;
      s->block = k;
      s->at = 0;
    }
    if (!(s->wanted & 1)) return 1;   /* nothing is gone */
    s->id_block = s->block;
    const mu_cval *id = &s->col[0].block.v[s->at];
    if (id->type != SQLITE_INTEGER) return -1;
    if (!is_gone(s, id->i)) return 1;
  }
}

const mu_cval *mu_sealed_value(mu_sealed *s, int col) {
  static const mu_cval null = {.type = SQLITE_NULL};
  if (col == 1) return &s->survey_value;
  if (col == 0 && s->id_block != s->block) {   /* the id, not decoded with the others */
    if (read_block(&s->col[0], s->block) || (uint32_t)s->col[0].block.n != block_rows(s, s->block) ||
        s->col[0].block.v[s->at].type != SQLITE_INTEGER)
      return &null;
    s->id_block = s->block;
    return &s->col[0].block.v[s->at];
  }
  int k = col == 0 ? 0 : col - 1;
  return col < 0 || col > NSTORED || (k > 0 && !(s->wanted & (1u << k))) ? &null : &s->col[k].block.v[s->at];
}

/* The block's first answer's (respondent, question) against the one sought. */
/* (respondent, question_id) order: a text's bytes (BINARY, as the rows' ORDER BY), then the question. */
int mu_sealed_order(const mu_cval *ra, const mu_cval *qa, const mu_cval *rb, const mu_cval *qb) {
  int n = ra->len < rb->len ? ra->len : rb->len, c = memcmp(ra->s, rb->s, (size_t)n);
  if (c) return c;
  if (ra->len != rb->len) return ra->len < rb->len ? -1 : 1;
  return (qa->i > qb->i) - (qa->i < qb->i);
}

static int cmp_key(const mu_cval *r, const mu_cval *q, const mu_cval *want_r, sqlite3_int64 want_q) {
  mu_cval wq = {.type = SQLITE_INTEGER, .i = want_q};
  return mu_sealed_order(r, q, want_r, &wq);
}


/* The reader on answer k of block b: its wanted columns decoded; 1, or -1 if damaged. */
static int land(mu_sealed *s, uint32_t b, uint32_t k) {
  for (int c = 0; c < NSTORED; c++)
    if ((c == 0 || (s->wanted & (1u << c))) && (read_block(&s->col[c], b) || (uint32_t)s->col[c].block.n != block_rows(s, b)))
      return -1;
  s->block = s->id_block = b;
  s->at = k;
  s->sought = 1;
  return 1;
}

/*
** Seeking: the reader gives one answer, or none, instead of the survey's. By key, found by halving: the
** blocks by their first answers, then the answers of the one block it can be in (both in (respondent,
** question) order), each probe decoding those two columns' block. By id, the id column read a block at a
** time (ids follow the key's order only within an import). 1 found (live), 0 not, -1 damaged.
*/
int mu_sealed_seek(mu_sealed *s, const mu_cval *respondent, sqlite3_int64 question) {
  col_reader *resp = &s->col[1], *quest = &s->col[2];
  uint32_t lo = 0, hi = resp->foot.nblocks;
  s->sought = 2;   /* none, until found */
  while (hi - lo > 1) {   /* the last block whose first answer is not after the one sought */
    uint32_t mid = lo + (hi - lo) / 2;
    if (read_block(resp, mid) || read_block(quest, mid) || resp->block.n < 1 || quest->block.n < 1) return -1;
    if (cmp_key(&resp->block.v[0], &quest->block.v[0], respondent, question) <= 0) lo = mid;
    else hi = mid;
  }
  if (hi == lo) return 0;
  if (read_block(resp, lo) || read_block(quest, lo) || read_block(&s->col[0], lo) ||
      resp->block.n != quest->block.n || resp->block.n != s->col[0].block.n)
    return -1;
  int a = 0, b = resp->block.n - 1;
  while (a <= b) {
    int m = a + (b - a) / 2, c = cmp_key(&resp->block.v[m], &quest->block.v[m], respondent, question);
    if (c < 0) a = m + 1;
    else if (c > 0) b = m - 1;
    else {
      const mu_cval *id = &s->col[0].block.v[m];
      if (id->type != SQLITE_INTEGER) return -1;
      return is_gone(s, id->i) ? 0 : land(s, lo, (uint32_t)m);
    }
  }
  return 0;
}

int mu_sealed_seek_id(mu_sealed *s, sqlite3_int64 id) {
  s->sought = 2;
  if (is_gone(s, id)) return 0;
  for (uint32_t b = 0; b < s->col[0].foot.nblocks; b++) {
    if (s->ranges && (id < s->ranges[2 * b] || id > s->ranges[2 * b + 1])) continue;   /* not in this block */
    if (read_block(&s->col[0], b)) return -1;
    const mu_colblock *ids = &s->col[0].block;
    for (int k = 0; k < ids->n; k++)
      if (ids->v[k].type == SQLITE_INTEGER && ids->v[k].i == id) return land(s, b, (uint32_t)k);
  }
  return 0;
}

int mu_sealed_find(sqlite3 *db, long long survey, const mu_cval *respondent, sqlite3_int64 question,
                   sqlite3_int64 *id) {
  mu_sealed *s = NULL;
  if (mu_sealed_open_cols(db, survey, 1, &s)) return -1;
  if (!s) return 0;
  int rc = mu_sealed_seek(s, respondent, question);
  if (rc > 0) *id = mu_sealed_value(s, 0)->i;
  mu_sealed_close(s);
  return rc;
}

int mu_sealed_each_gone(mu_sealed *s, int (*fn)(void *ctx, sqlite3_int64 id), void *ctx) {
  for (uint32_t b = 0; s->ngone && b < s->col[0].foot.nblocks; b++) {
    if (read_block(&s->col[0], b)) return -1;
    for (int k = 0; k < s->col[0].block.n; k++) {
      const mu_cval *id = &s->col[0].block.v[k];
      if (id->type != SQLITE_INTEGER) return -1;
      if (is_gone(s, id->i) && fn(ctx, id->i)) return -1;
    }
  }
  s->id_block = UINT32_MAX;   /* (the id column's block is another now) */
  return 0;
}

uint32_t mu_sealed_count(const mu_sealed *s) { return s->nrows; }

int mu_sealed_nul_free(const mu_sealed *s, int col) {
  int k = col == 0 ? 0 : col - 1;
  return col >= 2 && col <= NSTORED && !s->col[k].block.nul_inside;
}

