/*
** Read-ahead: a long scan's rows stepped and decoded on a second thread
** while the caller consumes the batch before.
**
** Iterating a million rows from Lua costs about as much in sqlite3_step as
** in the loop that consumes the values; on two cores the halves overlap.
** A scan starts on the caller's thread and hands its stepping to a worker
** only once it has proved long (`after` rows), so small queries never meet
** a thread.
**
** The connection is the delicate part: stores are opened without SQLite's
** per-connection mutex, so while a worker steps, it must be the only user.
** Every other use of the store goes through mu_store_db(), which parks the
** worker first (mu_readers_park), as do other readers before they step and
** any reader being freed. A parked reader never starts again; it finishes
** the batches already decoded, then steps on the caller's thread: no row is
** lost, repeated or reordered.
*/
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

/* Values per batch: big enough that handing a batch over (a futex wake, a few
   microseconds on a virtual machine) is rare, small enough to stay in cache. */
#define BATCH_CELLS 16384
#define NBATCH 3

typedef struct {
  _Alignas(64) mu_value *cells; /* rows of ncols values; each batch on its own cache lines */
  char *text;          /* the batch's strings, copied off the statement */
  size_t textlen, textcap;
  int n;               /* rows in the batch */
  int full;            /* 1: filled, the caller's to read; 0: the worker's to fill */
  int last;            /* the scan ended after these rows */
} batch;

struct mu_reader {
  mu_store *s;          /* NULL once the store has closed */
  sqlite3_stmt *st;
  int ncols, batch_rows;
  long long after;      /* rows to read on the caller's thread before reading ahead; <0: never */
  long long synced;
  mu_value *row;        /* the current row when stepping on the caller's thread */
  int done, failed, parked;
  char err[256];
  /* read-ahead; the mutex guards `full` and `stop` while a worker runs
     (the worker also polls `stop` atomically while it fills a batch) */
  int running;          /* a worker exists and has not been joined */
  int pending;          /* decoded batches may be waiting */
  _Alignas(64) int inbatch, rb, ri;  /* the caller's, written every row: a cache line of their own */
  int rn;               /* rows in batch rb */
  _Alignas(64) int wb;  /* the batch the worker fills next */
  int stop;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t filled, emptied;
  batch b[NBATCH];
  mu_reader *next;      /* the store's readers */
};

/* -------------------------------------------------------------- worker */

static void fail(mu_reader *r, const char *msg) {
  snprintf(r->err, sizeof r->err, "%s", msg);
  r->failed = 1;
}

/*
** Steps up to `rows` rows into b; returns 1 if the scan ended. Works on
** locals only: the caller writes its own fields of the reader every row,
** and reading anything on their cache line here costs a miss per row.
*/
static int fill(mu_reader *r, sqlite3_stmt *st, int ncols, int rows, batch *b) {
  int last = 0, n = 0;
  size_t textlen = 0;
  mu_value *cells = b->cells;
  while (n < rows) {
    /* A park waits for this batch: a selective scan may take long to fill
       one, so look for the request now and then (a read of our own line). */
    if ((n & 63) == 0 && __atomic_load_n(&r->stop, __ATOMIC_RELAXED)) break;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
      if (rc != SQLITE_DONE) fail(r, sqlite3_errmsg(sqlite3_db_handle(st)));
      last = 1;
      break;
    }
    mu_value *row = cells + (size_t)n * (size_t)ncols;
    for (int c = 0; c < ncols; c++) {
      row[c] = mu_column_value(st, c);
      if (row[c].kind != MU_VTEXT) continue;
      if (textlen + row[c].len + 1 > b->textcap) {
        size_t cap = (b->textcap ? b->textcap * 2 : 4096) + row[c].len;
        char *grown = realloc(b->text, cap);
        if (!grown) {
          fail(r, "out of memory reading ahead");
          last = 1;
          goto fixup;
        }
        b->text = grown;
        b->textcap = cap;
      }
      if (row[c].len) memcpy(b->text + textlen, row[c].s, row[c].len);
      b->text[textlen + row[c].len] = '\0';
      row[c].s = NULL;                   /* the arena may still move: an offset until the end */
      row[c].i = (long long)textlen;
      textlen += row[c].len + 1;
    }
    n++;
  }
fixup:
  for (size_t k = 0; k < (size_t)n * (size_t)ncols; k++)
    if (cells[k].kind == MU_VTEXT) cells[k].s = b->text + cells[k].i;
  b->n = n;
  b->textlen = textlen;
  return last;
}

static void *work(void *arg) {
  mu_reader *r = arg;
  sqlite3_stmt *st = r->st;
  int w = r->wb, ncols = r->ncols, rows = r->batch_rows;
  for (;;) {
    batch *b = &r->b[w];
    pthread_mutex_lock(&r->mu);
    while (!r->stop && b->full) pthread_cond_wait(&r->emptied, &r->mu);
    int stop = r->stop;
    pthread_mutex_unlock(&r->mu);
    if (stop) break;
    int last = fill(r, st, ncols, rows, b);
    pthread_mutex_lock(&r->mu);
    b->last = last;
    b->full = 1;
    pthread_cond_signal(&r->filled);
    pthread_mutex_unlock(&r->mu);
    w = (w + 1) % NBATCH;
    if (last) break;
  }
  r->wb = w;   /* read by the caller after the join */
  return NULL;
}

/* --------------------------------------------------------- the caller */

/* The cores this process may run on (taskset, a container's cpuset), not the
   machine's: pinned to one, a second thread only takes turns with the first. */
static int cores(void) {
  static int n = 0;
  if (n == 0) {
    cpu_set_t set;
    n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  }
  return n;
}

static int start(mu_reader *r) {
  for (int i = 0; i < NBATCH; i++) {
    if (!r->b[i].cells && !(r->b[i].cells = malloc(sizeof(mu_value) * (size_t)r->batch_rows * (size_t)r->ncols))) return -1;
    r->b[i].full = r->b[i].last = r->b[i].n = 0;
  }
  mu_readers_park(*mu_store_readers(r->s), r);   /* one worker per connection */
  r->stop = 0;
  r->rb = r->wb = r->ri = r->inbatch = 0;
  /* Signals (Ctrl-C in the REPL) stay with the caller's thread. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&r->thread, NULL, work, r);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) return -1;
  r->running = r->pending = 1;
  return 0;
}

static void park(mu_reader *r) {
  if (r->running) {
    pthread_mutex_lock(&r->mu);
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
    pthread_cond_signal(&r->emptied);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    r->running = 0;
  }
  r->parked = 1;
}

void mu_readers_park(mu_reader *list, const mu_reader *except) {
  for (mu_reader *r = list; r; r = r->next)
    if (r != except && r->running) park(r);
}

/* The next decoded row: 1, or 0 at the end, -1 on error, 2 if none is left decoded. */
static int next_decoded(mu_reader *r, const mu_value **row) {
  for (;;) {
    batch *b = &r->b[r->rb];
    if (!r->inbatch) {
      if (r->running) {
        pthread_mutex_lock(&r->mu);
        while (!b->full) pthread_cond_wait(&r->filled, &r->mu);
        pthread_mutex_unlock(&r->mu);
      }
      if (!b->full) {           /* parked: the rest is stepped here */
        r->pending = 0;
        return 2;
      }
      r->inbatch = 1;
      r->ri = 0;
      r->rn = b->n;
    }
    if (r->ri < r->rn) {
      *row = b->cells + (size_t)r->ri++ * (size_t)r->ncols;
      return 1;
    }
    int last = b->last;
    pthread_mutex_lock(&r->mu);
    b->full = 0;
    pthread_cond_signal(&r->emptied);
    pthread_mutex_unlock(&r->mu);
    r->inbatch = 0;
    r->rb = (r->rb + 1) % NBATCH;
    if (last) {
      park(r);
      r->pending = 0;
      r->done = 1;
      return r->failed ? -1 : 0;
    }
  }
}

int mu_reader_next(mu_reader *r, const mu_value **row, char *err, size_t errlen) {
  int rc;
  if (!r->s && !r->done) {      /* closed under the loop: stop it rather than read a zombie */
    r->done = 1;
    snprintf(err, errlen, "the store is closed");
    return -1;
  }
  if (!r->pending && !r->done && !r->parked && r->after >= 0 && r->synced >= r->after && r->s &&
      cores() > 1 && start(r) != 0)
    r->parked = 1;              /* no thread to be had: read here */
  if (r->pending && (rc = next_decoded(r, row)) != 2) goto out;
  if (r->done) return 0;
  if (r->s) mu_readers_park(*mu_store_readers(r->s), r);
  rc = sqlite3_step(r->st);
  if (rc == SQLITE_ROW) {
    for (int c = 0; c < r->ncols; c++) r->row[c] = mu_column_value(r->st, c);
    r->synced++;
    *row = r->row;
    return 1;
  }
  r->done = 1;
  if (rc == SQLITE_DONE) return 0;
  fail(r, sqlite3_errmsg(sqlite3_db_handle(r->st)));
  rc = -1;
out:
  if (rc < 0) snprintf(err, errlen, "%s", r->err);
  return rc;
}

mu_reader *mu_reader_new(mu_store *s, sqlite3_stmt *st, int ncols, long long after) {
  /* aligned_alloc: the struct keeps the two threads' fields on separate cache lines. */
  size_t size = (sizeof(mu_reader) + 63) / 64 * 64;
  mu_reader *r = aligned_alloc(64, size);
  if (r) memset(r, 0, size);
  if (!r || !(r->row = calloc((size_t)ncols, sizeof(mu_value)))) {
    free(r);
    return NULL;
  }
  r->s = s;
  r->st = st;
  r->ncols = ncols;
  r->batch_rows = ncols < BATCH_CELLS ? BATCH_CELLS / ncols : 1;
  r->after = after;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->filled, NULL);
  pthread_cond_init(&r->emptied, NULL);
  mu_reader **list = mu_store_readers(s);
  r->next = *list;
  *list = r;
  return r;
}

void mu_readers_detach(mu_reader **list) {
  for (mu_reader *r = *list; r; r = r->next) {
    park(r);
    r->s = NULL;
  }
  *list = NULL;
}

void mu_reader_free(mu_reader *r) {
  if (!r) return;
  /* Finalizing touches the connection: no worker of this store may be stepping. */
  if (r->s) {
    mu_readers_park(*mu_store_readers(r->s), NULL);
    for (mu_reader **p = mu_store_readers(r->s); *p; p = &(*p)->next)
      if (*p == r) {
        *p = r->next;
        break;
      }
  } else {
    park(r);
  }
  sqlite3_finalize(r->st);
  for (int i = 0; i < NBATCH; i++) {
    free(r->b[i].cells);
    free(r->b[i].text);
  }
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->filled);
  pthread_cond_destroy(&r->emptied);
  free(r->row);
  free(r);
}
