/*
** Columns of SQLite values, encoded small (the format is in columns.h).
** Each block is encoded both ways in memory, dictionary and plain, and the
** smaller written: a block is at most 64K values, so trying both costs less
** than guessing, and a column changes its nature along the way (a survey's
** weights repeat within a department, its ids do not).
*/
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "columns.h"

enum { T_NULL = 0, T_INT = 1, T_REAL = 2, T_TEXT = 3, T_SAME = 4 };   /* T_SAME: the value before, again */
enum { K_DICT = 1, K_PLAIN = 2 };
#define SMALL 31   /* the tag's high 5 bits: 0..30 the number itself, 31 a varint follows */

/* ------------------------------------------------------------ bytes (bytes.h) */

static void put_u8(mu_bytes *b, unsigned v) {
  unsigned char c = (unsigned char)v;
  mu_bytes_put(b, &c, 1);
}

static void put_u32(mu_bytes *b, uint32_t v) { mu_bytes_put(b, &v, 4); }

static void put_varint(mu_bytes *b, uint64_t v) {
  unsigned char buf[10];
  int n = 0;
  do {
    buf[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  mu_bytes_put(b, buf, (size_t)n);
}

static uint64_t zigzag(sqlite3_int64 d) { return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63); }
static sqlite3_int64 unzigzag(uint64_t z) { return (sqlite3_int64)(z >> 1) ^ -(sqlite3_int64)(z & 1); }

/* A tag byte carrying type and a number, the number in a varint after it when it is SMALL or more. */
static void put_tagged(mu_bytes *b, int type, uint64_t n) {
  put_u8(b, (unsigned)type | (unsigned)((n < SMALL ? n : SMALL) << 3));
  if (n >= SMALL) put_varint(b, n - SMALL);
}

/* ------------------------------------------------------------ plain streams */

/* What a plain stream's next value is written against: the integer and the text before it. */
typedef struct {
  sqlite3_int64 prev_i;
  const char *prev_s;
  int prev_len;
  mu_cval prev;     /* the value before (type SQLITE_NULL + 1 at the start: none) */
  int started;
} plain_state;

static void put_value(mu_bytes *b, plain_state *ps, const mu_cval *v) {
  /* a respondent's answers are consecutive: their key, weight and department repeat */
  if (ps->started && mu_cval_same(&ps->prev, v)) {
    put_u8(b, T_SAME);
    return;
  }
  ps->prev = *v;
  ps->started = 1;
  switch (v->type) {
  case SQLITE_INTEGER:
    /* the difference wraps as unsigned arithmetic does: any two integers have one */
    put_tagged(b, T_INT, zigzag((sqlite3_int64)((uint64_t)v->i - (uint64_t)ps->prev_i)));
    ps->prev_i = v->i;
    break;
  case SQLITE_FLOAT:
    put_u8(b, T_REAL);
    mu_bytes_put(b, &v->r, 8);
    break;
  case SQLITE_TEXT: {
    int shared = 0;
    while (shared < v->len && shared < ps->prev_len && v->s[shared] == ps->prev_s[shared]) shared++;
    put_tagged(b, T_TEXT, (uint64_t)shared);
    put_varint(b, (uint64_t)(v->len - shared));
    mu_bytes_put(b, v->s + shared, (size_t)(v->len - shared));
    ps->prev_s = v->s;
    ps->prev_len = v->len;
    break;
  }
  default: put_u8(b, T_NULL); break;
  }
}

/* A reader of bytes that never goes past its end. */
typedef struct {
  const unsigned char *p, *end;
  int bad;
} cursor;

static unsigned get_u8(cursor *c) {
  if (c->p >= c->end) {
    c->bad = 1;
    return 0;
  }
  return *c->p++;
}

static uint32_t get_u32(cursor *c) {
  uint32_t v = 0;
  if (c->end - c->p < 4) c->bad = 1;
  else {
    memcpy(&v, c->p, 4);
    c->p += 4;
  }
  return v;
}

static uint64_t get_varint(cursor *c) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    unsigned byte = get_u8(c);
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  c->bad = 1;
  return 0;
}

static uint64_t get_small(cursor *c, unsigned tag) {
  uint64_t n = tag >> 3;
  return n < SMALL ? n : SMALL + get_varint(c);
}

/* n values of a plain stream into out, texts copied into b->text (grown as needed). */
static int get_values(cursor *c, int n, mu_cval *out, mu_colblock *b) {
  sqlite3_int64 prev_i = 0;
  size_t prev_off = 0, text_len = 0;
  int prev_len = 0;
  size_t *text_off = malloc(((size_t)n + 1) * sizeof *text_off);   /* texts move while the arena grows */
  if (!text_off) return -1;
  for (int k = 0; k < n && !c->bad; k++) {
    unsigned tag = get_u8(c);
    mu_cval *v = &out[k];
    memset(v, 0, sizeof *v);
    switch (tag & 7) {
    case T_NULL: v->type = SQLITE_NULL; c->bad |= tag != T_NULL; break;
    case T_SAME:
      c->bad |= tag != T_SAME || k == 0;
      if (!c->bad) {
        *v = out[k - 1];
        if (v->type == SQLITE_TEXT) text_off[k] = text_off[k - 1];
      }
      break;
    case T_INT:
      v->type = SQLITE_INTEGER;
      v->i = prev_i = (sqlite3_int64)((uint64_t)prev_i + (uint64_t)unzigzag(get_small(c, tag)));
      break;
    case T_REAL:
      v->type = SQLITE_FLOAT;
      c->bad |= tag != T_REAL || c->end - c->p < 8;
      if (!c->bad) memcpy(&v->r, c->p, 8), c->p += 8;
      break;
    case T_TEXT: {
      uint64_t shared = get_small(c, tag), rest = get_varint(c);
      if (c->bad || shared > (uint64_t)prev_len || rest > (uint64_t)(c->end - c->p) || shared + rest > INT32_MAX) {
        c->bad = 1;
        break;
      }
      size_t need = text_len + shared + rest + 1;   /* and a NUL after it (see columns.h) */
      if (need > b->text_cap) {
        size_t cap = b->text_cap ? b->text_cap : 65536;
        while (cap < need) cap *= 2;
        char *g = realloc(b->text, cap);
        if (!g) {
          free(text_off);
          return -1;
        }
        b->text = g;
        b->text_cap = cap;
      }
      memmove(b->text + text_len, b->text + prev_off, shared);
      memcpy(b->text + text_len + shared, c->p, rest);
      b->text[text_len + shared + rest] = '\0';
      if (rest && memchr(c->p, 0, rest)) b->nul_inside = 1;   /* (the shared prefix was looked at before) */
      c->p += rest;
      v->type = SQLITE_TEXT;
      v->len = prev_len = (int)(shared + rest);
      text_off[k] = prev_off = text_len;
      text_len = need;
      break;
    }
    default: c->bad = 1;
    }
  }
  for (int k = 0; k < n && !c->bad; k++)
    if (out[k].type == SQLITE_TEXT) out[k].s = b->text + text_off[k];
  free(text_off);
  return c->bad ? -1 : 0;
}

/* ------------------------------------------------------------ values */

int mu_cval_same(const mu_cval *a, const mu_cval *b) {
  if (a->type != b->type) return 0;
  switch (a->type) {
  case SQLITE_INTEGER: return a->i == b->i;
  case SQLITE_FLOAT: return memcmp(&a->r, &b->r, sizeof a->r) == 0;
  case SQLITE_TEXT: return a->len == b->len && memcmp(a->s, b->s, (size_t)a->len) == 0;
  default: return 1;
  }
}

static uint64_t cval_hash(const mu_cval *v) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)v->type;
  const unsigned char *p = NULL;
  size_t n = 0;
  if (v->type == SQLITE_INTEGER) p = (const void *)&v->i, n = sizeof v->i;
  else if (v->type == SQLITE_FLOAT) p = (const void *)&v->r, n = sizeof v->r;
  else if (v->type == SQLITE_TEXT) p = (const void *)v->s, n = (size_t)v->len;
  for (size_t k = 0; k < n; k++) h = (h ^ p[k]) * 1099511628211ull;
  return h;
}

int mu_cval_bind(sqlite3_stmt *st, int i, const mu_cval *v) {
  switch (v->type) {
  case SQLITE_INTEGER: return sqlite3_bind_int64(st, i, v->i);
  case SQLITE_FLOAT: return sqlite3_bind_double(st, i, v->r);
  case SQLITE_TEXT: return sqlite3_bind_text(st, i, v->s, v->len, SQLITE_TRANSIENT);
  default: return sqlite3_bind_null(st, i);
  }
}

void mu_cval_column(sqlite3_stmt *st, int i, mu_cval *v) {
  memset(v, 0, sizeof *v);
  v->type = sqlite3_column_type(st, i);
  if (v->type == SQLITE_INTEGER) v->i = sqlite3_column_int64(st, i);
  else if (v->type == SQLITE_FLOAT) v->r = sqlite3_column_double(st, i);
  else if (v->type == SQLITE_TEXT) {
    v->s = (const char *)sqlite3_column_text(st, i);
    v->len = sqlite3_column_bytes(st, i);
  } else
    v->type = SQLITE_NULL;   /* (a BLOB is not kept: mu_colw_add refuses it before a statement gives one) */
}

/* ------------------------------------------------------------ writing */

#define SLOTS (2 * MU_COL_BLOCK)

/*
** The block being filled, compact: a value is its type and 8 bytes (the integer, the double, or a text's
** offset in `text` and length), 9 bytes where a mu_cval is 24; codes and first indexes fit 16 bits. Seven
** columns sealed at once held 25 MB as 32-byte values, 10 MB so.
*/
typedef union {
  sqlite3_int64 i;
  double r;
  struct {
    uint32_t off, len;
  } t;
} slot_value;

struct mu_colw {
  FILE *out;
  long long written;
  uint32_t nrows;
  mu_bytes offsets;                  /* u32 each: where every block starts */
  int n;                          /* values in the block being filled */
  unsigned char type[MU_COL_BLOCK];
  slot_value v[MU_COL_BLOCK];
  mu_bytes text;
  int32_t slot[SLOTS];            /* the dictionary: 0 empty, else the first value's index + 1 */
  uint16_t code[MU_COL_BLOCK];
  uint16_t dict[MU_COL_BLOCK];    /* each distinct value's first index in the block */
  int ndict, bad;
  int plain_only;                 /* the block's values are all distinct so far: no dictionary kept for it */
};

/* Value k of the block being filled, as a mu_cval (a text pointing into `text`, valid until it grows). */
static mu_cval value_at(const mu_colw *w, int k) {
  mu_cval c = {.type = w->type[k]};
  if (c.type == SQLITE_INTEGER) c.i = w->v[k].i;
  else if (c.type == SQLITE_FLOAT) c.r = w->v[k].r;
  else if (c.type == SQLITE_TEXT) {
    c.s = (const char *)w->text.p + w->v[k].t.off;
    c.len = (int)w->v[k].t.len;
  }
  return c;
}

mu_colw *mu_colw_new(FILE *out) {
  mu_colw *w = calloc(1, sizeof *w);
  if (w) w->out = out;
  return w;
}

void mu_colw_free(mu_colw *w) {
  if (!w) return;
  free(w->offsets.p);
  free(w->text.p);
  free(w);
}

static void emit(mu_colw *w, const mu_bytes *b) {
  if (w->bad || b->oom) {
    w->bad = 1;
    return;
  }
  if (fwrite(b->p, 1, b->len, w->out) != b->len) w->bad = 1;
  w->written += (long long)b->len;
}

static int bits_for(int ndict) {
  int bits = 0;
  while (bits < 32 && (1LL << bits) < ndict) bits = bits ? bits * 2 : 1;
  return bits;
}

/* The block's values both ways, the smaller written. */
static void flush_block(mu_colw *w) {
  if (w->n == 0 || w->bad) return;
  mu_bytes plain = {0}, dict = {0}, block = {0};
  plain_state ps = {0};
  for (int k = 0; k < w->n; k++) {
    mu_cval c = value_at(w, k);
    put_value(&plain, &ps, &c);
  }
  int bits = bits_for(w->ndict);
  plain_state ds = {0};
  for (int d = 0; d < w->ndict && !w->plain_only; d++) {
    mu_cval c = value_at(w, w->dict[d]);
    put_value(&dict, &ds, &c);
  }
  size_t code_bytes = ((size_t)w->n * (size_t)bits + 7) / 8;
  put_u32(&w->offsets, (uint32_t)w->written);
  if (w->written > UINT32_MAX) w->bad = 1;   /* (a column of 4 GiB: past what a blob holds anyway) */
  if (!w->plain_only && dict.len + code_bytes + 9 < plain.len) {
    put_u8(&block, K_DICT);
    put_u32(&block, (uint32_t)w->n);
    put_u32(&block, (uint32_t)w->ndict);
    put_u8(&block, (unsigned)bits);
    put_u32(&block, (uint32_t)dict.len);
    mu_bytes_put(&block, dict.p, dict.len);
    unsigned char *codes = calloc(code_bytes + 1, 1);
    if (!codes) block.oom = 1;
    for (int k = 0; codes && k < w->n; k++) {
      uint32_t c = (uint32_t)w->code[k];
      if (bits == 32) memcpy(codes + 4 * (size_t)k, &c, 4);
      else if (bits == 16) {
        uint16_t c16 = (uint16_t)c;
        memcpy(codes + 2 * (size_t)k, &c16, 2);
      } else if (bits)
        codes[(size_t)k * (size_t)bits / 8] |= (unsigned char)(c << ((size_t)k * (size_t)bits % 8));
    }
    mu_bytes_put(&block, codes, code_bytes);
    free(codes);
  } else {
    put_u8(&block, K_PLAIN);
    put_u32(&block, (uint32_t)w->n);
    mu_bytes_put(&block, plain.p, plain.len);
  }
  emit(w, &block);
  free(plain.p);
  free(dict.p);
  free(block.p);
  memset(w->slot, 0, sizeof w->slot);
  w->n = w->ndict = w->plain_only = 0;
  w->text.len = 0;
}

int mu_colw_add(mu_colw *w, const mu_cval *v) {
  if (w->bad || (v->type != SQLITE_NULL && v->type != SQLITE_INTEGER && v->type != SQLITE_FLOAT &&
                 v->type != SQLITE_TEXT) || w->nrows == UINT32_MAX) {
    w->bad = 1;
    return -1;
  }
  int k = w->n;
  w->type[k] = (unsigned char)v->type;
  if (v->type == SQLITE_INTEGER) w->v[k].i = v->i;
  else if (v->type == SQLITE_FLOAT) w->v[k].r = v->r;
  else if (v->type == SQLITE_TEXT) {   /* kept as an offset: the texts move while they grow */
    if (w->text.len + (size_t)v->len > UINT32_MAX) w->bad = 1;
    w->v[k].t.off = (uint32_t)w->text.len;
    w->v[k].t.len = (uint32_t)v->len;
    mu_bytes_put(&w->text, v->s, (size_t)v->len);
    if (w->text.oom || w->bad) {
      w->bad = 1;
      return -1;
    }
  } else
    w->v[k].i = 0;
  /* Ids and keys are all distinct: 4,096 values each new, and the dictionary cannot win; its look-ups (a
     third of sealing's time) stop for the rest of the block. (Weights of 10,000 values repeat by then.) */
  if (!w->plain_only && k == 4096 && w->ndict == k) w->plain_only = 1;
  uint32_t h = (uint32_t)(cval_hash(v) & (SLOTS - 1));
  for (; !w->plain_only;) {
    int32_t at = w->slot[h];
    if (!at) {
      w->slot[h] = k + 1;
      w->dict[w->ndict] = (uint16_t)k;
      w->code[k] = (uint16_t)w->ndict++;
      break;
    }
    mu_cval seen = value_at(w, at - 1);
    if (mu_cval_same(&seen, v)) {
      w->code[k] = w->code[at - 1];
      break;
    }
    h = (h + 1) & (SLOTS - 1);
  }
  w->nrows++;
  if (++w->n == MU_COL_BLOCK) flush_block(w);
  return w->bad ? -1 : 0;
}

int mu_colw_finish(mu_colw *w, long long *len) {
  flush_block(w);
  mu_bytes tail = {0};
  mu_bytes_put(&tail, w->offsets.p, w->offsets.len);
  put_u32(&tail, (uint32_t)w->written);   /* the end of the last block */
  uint32_t nblocks = (uint32_t)(w->offsets.len / 4);
  put_u32(&tail, nblocks);
  put_u32(&tail, w->nrows);
  put_u32(&tail, MU_COL_MAGIC);
  w->bad |= w->offsets.oom;
  emit(w, &tail);
  free(tail.p);
  int rc = w->bad || fflush(w->out) ? -1 : 0;
  if (len) *len = w->written;
  mu_colw_free(w);
  return rc;
}

/* ------------------------------------------------------------ reading */

int mu_colfoot_read(const unsigned char *tail, size_t taillen, long long len, mu_colfoot *f, size_t *need) {
  memset(f, 0, sizeof *f);
  uint32_t h[3];
  if (taillen < 12 || (long long)taillen > len) return -1;
  memcpy(h, tail + taillen - 12, 12);
  /* every block full but the last */
  if (h[2] != MU_COL_MAGIC || h[0] != (uint32_t)(((uint64_t)h[1] + MU_COL_BLOCK - 1) / MU_COL_BLOCK)) return -1;
  size_t table = 4 * ((size_t)h[0] + 1) + 12;
  if ((long long)table > len) return -1;
  if (table > taillen) {
    *need = table;
    return 1;
  }
  f->nblocks = h[0];
  f->nrows = h[1];
  f->offset = malloc(4 * ((size_t)h[0] + 1));
  if (!f->offset) return -1;
  memcpy(f->offset, tail + taillen - table, 4 * ((size_t)h[0] + 1));
  /* blocks in order, the last ending where the table begins */
  int bad = f->offset[0] != 0 || f->offset[h[0]] != (uint64_t)(len - (long long)table);
  for (uint32_t k = 0; !bad && k < h[0]; k++) bad = f->offset[k + 1] <= f->offset[k];
  if (bad) mu_colfoot_free(f);
  return bad ? -1 : 0;
}

void mu_colfoot_free(mu_colfoot *f) {
  free(f->offset);
  f->offset = NULL;
}

int mu_colblock_decode(const unsigned char *p, size_t len, mu_colblock *b) {
  cursor c = {p, p + len, 0};
  unsigned kind = get_u8(&c);
  uint32_t n = get_u32(&c);
  if (c.bad || n == 0 || n > MU_COL_BLOCK || (kind != K_DICT && kind != K_PLAIN)) return -1;
  if ((int)n > b->v_cap) {
    mu_cval *g = realloc(b->v, (size_t)n * sizeof *g);
    if (!g) return -1;
    b->v = g;
    b->v_cap = (int)n;
  }
  b->n = (int)n;
  b->nul_inside = 0;
  if (kind == K_PLAIN) return get_values(&c, (int)n, b->v, b) || c.p != c.end ? -1 : 0;
  uint32_t ndict = get_u32(&c);
  unsigned bits = get_u8(&c);
  uint32_t dict_bytes = get_u32(&c);
  if (c.bad || ndict == 0 || ndict > n || bits != (unsigned)bits_for((int)ndict) ||
      dict_bytes > (size_t)(c.end - c.p) ||
      (size_t)(c.end - c.p) - dict_bytes != ((size_t)n * bits + 7) / 8)
    return -1;
  mu_cval *dict = malloc((size_t)ndict * sizeof *dict);
  cursor dc = {c.p, c.p + dict_bytes, 0};
  int rc = !dict || get_values(&dc, (int)ndict, dict, b) || dc.p != dc.end ? -1 : 0;
  const unsigned char *codes = c.p + dict_bytes;
  for (uint32_t k = 0; rc == 0 && k < n; k++) {
    uint32_t code = 0;
    if (bits == 32) memcpy(&code, codes + 4 * (size_t)k, 4);
    else if (bits == 16) {
      uint16_t c16;
      memcpy(&c16, codes + 2 * (size_t)k, 2);
      code = c16;
    } else if (bits)
      code = (codes[(size_t)k * bits / 8] >> ((size_t)k * bits % 8)) & ((1u << bits) - 1);
    if (code >= ndict) rc = -1;
    else b->v[k] = dict[code];
  }
  free(dict);
  return rc;
}

void mu_colblock_free(mu_colblock *b) {
  free(b->v);
  free(b->text);
  memset(b, 0, sizeof *b);
}
