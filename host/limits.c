/*
** Bounded runs for `mutuals run` and `mutuals report`: --timeout SECONDS
** and --max-memory MiB. A scheduled report that loops or grows without end
** stops with a clear error and a non-zero exit, and its output is never
** written (the report writes only after the script has finished).
**
** The memory cap is an allocator for the Lua state that refuses to grow
** past the limit, with sqlite3_hard_heap_limit64 for SQLite's side. The
** timeout is a real-time timer whose signal stops the script the way
** Ctrl-C does (a hook at the next instruction, and sqlite3_interrupt).
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <lauxlib.h>
#include "host.h"
#include "../models/model.h"

typedef struct {
  size_t used, limit;
  int hit;
} memcap;

static memcap cap;

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  memcap *m = ud;
  size_t old = ptr ? osize : 0;   /* for a new block osize is its type, not a size */
  if (nsize == 0) {
    free(ptr);
    m->used -= old;
    return NULL;
  }
  if (nsize > old && m->used + (nsize - old) > m->limit) {
    m->hit = 1;
    return NULL;   /* Lua raises "not enough memory" */
  }
  void *p = realloc(ptr, nsize);
  if (p) m->used = m->used - old + nsize;
  return p;
}

static int panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  fprintf(stderr, "mutuals: unprotected error: %s\n", msg ? msg : "(not a string)");
  return 0;
}

lua_State *host_limited_state(const host_limits *lim) {
  if (!lim || lim->max_memory_mib <= 0) return luaL_newstate();
  cap.used = 0;
  cap.hit = 0;
  cap.limit = (size_t)(lim->max_memory_mib * 1048576.0);
  sqlite3_hard_heap_limit64((sqlite3_int64)cap.limit);
  lua_State *L = lua_newstate(capped_alloc, &cap);
  if (L) lua_atpanic(L, panic);
  return L;
}

/* When the timer fires: stop the script as Ctrl-C would, saying why. */
static void on_alarm(int sig) {
  (void)sig;
  host_stop("timed out");
}

void host_limits_arm(const host_limits *lim) {
  if (!lim || lim->timeout <= 0) return;
  struct itimerval t;
  memset(&t, 0, sizeof t);
  t.it_value.tv_sec = (time_t)lim->timeout;
  t.it_value.tv_usec = (suseconds_t)((lim->timeout - (double)(time_t)lim->timeout) * 1e6);
  if (t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0) t.it_value.tv_usec = 1;
  signal(SIGALRM, on_alarm);
  setitimer(ITIMER_REAL, &t, NULL);
}

void host_limits_disarm(void) {
  struct itimerval t;
  memset(&t, 0, sizeof t);
  setitimer(ITIMER_REAL, &t, NULL);
  signal(SIGALRM, SIG_DFL);
}

/* Why a run failed, when a limit stopped it: the message the user should see instead. */
const char *host_limits_reason(const host_limits *lim, char *buf, size_t len) {
  if (!lim) return NULL;
  if (lim->timeout > 0 && host_stopped_by("timed out")) {
    snprintf(buf, len, "stopped: the script ran longer than --timeout %g s; nothing was written", lim->timeout);
    return buf;
  }
  if (lim->max_memory_mib > 0 && cap.hit) {
    snprintf(buf, len, "stopped: the script needed more than --max-memory %g MiB; nothing was written",
             lim->max_memory_mib);
    return buf;
  }
  return NULL;
}

/* The limit options run and report share (their tables in options.c), already checked. */
void host_limits_from(const host_args *a, host_limits *lim) {
  lim->timeout = host_opt_number(a, "timeout", 0);
  lim->max_memory_mib = host_opt_number(a, "max-memory", 0);
  lim->sandbox = host_opt_given(a, "sandbox") > 0;
  lim->allow_dir = host_opt_text(a, "sandbox");
}
