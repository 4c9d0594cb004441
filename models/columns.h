/*
** Columns of SQLite values, encoded small (columns.c): the storage form of
** a survey's answers once sealed (issue 12: a store of microdata within 2 x
** DuckDB's). A column is a run of blocks of up to MU_COL_BLOCK values, each
** block encoded on its own, as whichever is smaller:
**   DICT   its distinct values once, and each value's index in as few bits as
**          they need (0 bits when there is one: a column of one question);
**   PLAIN  the values in order, an integer as the difference from the one
**          before (ids, mostly 1 byte), a text as the length of the prefix it
**          shares with the one before and the rest (sorted keys, 3-4 bytes).
** Blocks are written as they fill, to a FILE (memory stays one block
** however long the column), followed by the block offsets and a footer:
**   block*  u32 offset[nblocks + 1]  u32 nblocks, nrows, magic
** A block:  u8 kind, u32 n, then
**   DICT:   u32 ndict, u8 bits, u32 dict_bytes, dict (as PLAIN), codes
**   PLAIN:  the values
** A value:  u8 tag (type in the low 3 bits; the high 5 bits a small number
**           the type uses: an integer's zigzag difference, a text's shared
**           prefix, 31 meaning a varint follows), then the type's bytes.
** Everything little-endian, as this machine writes it: the store never moves
** between machines of another byte order (as the survey cache).
*/
#ifndef MUTUALS_COLUMNS_H
#define MUTUALS_COLUMNS_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#define MU_COL_BLOCK 65536
#define MU_COL_MAGIC 0x3143554du   /* "MUC1" */

/* One value: type is SQLITE_NULL, SQLITE_INTEGER (i), SQLITE_FLOAT (r) or SQLITE_TEXT (s, len; not
   NUL-terminated). 24 bytes: a decoded block is 64K of them a column, written and read once a row. */
typedef struct {
  int type;
  int len;
  union {
    sqlite3_int64 i;
    double r;
  };
  const char *s;
} mu_cval;

typedef struct mu_colw mu_colw;
/* A column written to out (which it does not close); NULL when out of memory. */
mu_colw *mu_colw_new(FILE *out);
/* One value more; 0, or -1 (out of memory, a write failed, a type it does not keep). */
int mu_colw_add(mu_colw *w, const mu_cval *v);
/* The last block, the offsets and the footer; 0 or -1. The writer is freed either way. */
int mu_colw_finish(mu_colw *w, long long *bytes);
void mu_colw_free(mu_colw *w);

/* A column's footer, read from its last bytes: where each block is. */
typedef struct {
  uint32_t nblocks, nrows;
  uint32_t *offset;   /* nblocks + 1 (malloc'd) */
} mu_colfoot;
/* tail: the column's last taillen bytes (at least 12); len: the column's length. 0, 1 when the offsets table
   is longer than tail (*need: the bytes to read), or -1 when damaged. */
int mu_colfoot_read(const unsigned char *tail, size_t taillen, long long len, mu_colfoot *f, size_t *need);
void mu_colfoot_free(mu_colfoot *f);

/* A block decoded: its values, texts pointing into the block's own copy, each followed by a NUL (not counted in
   its len): SQLite reads a text it is given with its terminator without copying it again. */
typedef struct {
  int n;
  mu_cval *v;
  char *text;
  size_t text_cap;
  int v_cap;
  int nul_inside;   /* some text holds a NUL byte (else each may be read up to its terminator) */
} mu_colblock;
/* Decode the block at p (len bytes); 0, or -1 when damaged (nothing read past p + len). */
int mu_colblock_decode(const unsigned char *p, size_t len, mu_colblock *b);
void mu_colblock_free(mu_colblock *b);

/* Two values the same (type and bytes: 1 and 1.0 differ, as they do in a column of SQLite). */
int mu_cval_same(const mu_cval *a, const mu_cval *b);
/* A value into a statement's parameter, and a result column into a value (its text until the next step). */
int mu_cval_bind(sqlite3_stmt *st, int i, const mu_cval *v);
void mu_cval_column(sqlite3_stmt *st, int i, mu_cval *v);

#endif
