/*
** `mutuals repl`: the analyst's console. On a terminal: GNU readline with a
** persistent history, tab completion, and prompts. Reading a pipe or
** writing to one: no prompts, no escape codes, the same evaluation; the exit
** status is 1 if any command failed. Either way an expression typed alone
** prints its value (pretty.c), input that stops mid-statement continues on
** the next line, and an error prints its message and the loop goes on.
** The store is the global `db`; help(x) prints the documentation of x.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>
#include <lauxlib.h>
#include <lualib.h>
#include "host.h"
#include "../bindings/mutuals.h"

#define PROMPT "mutuals> "
#define PROMPT2 "    ...> "
#define EOFMARK "<eof>"

typedef struct {
  int tty;              /* stdin and stdout are terminals */
  long line;            /* lines read so far */
  char history[4096];   /* history file, "" if none */
  int cancelled;        /* Ctrl-C at the prompt: the entry being typed is dropped */
  int timer;            /* .timer on: each command's wall time is printed */
} repl_state;

/*
** Ctrl-C at the prompt drops the line being typed (and a half-typed
** multi-line entry), as in the sqlite3 shell and IPython; Ctrl-D quits.
** Readline is told not to catch signals; our handler only sets a flag, and
** the read it interrupts (readline reads through repl_getc) then ends the
** line as Enter would, with "^C" shown; read_one sees the flag and drops it.
*/
static volatile sig_atomic_t prompt_sigint;

static void on_prompt_sigint(int sig) {
  (void)sig;
  prompt_sigint = 1;
}

static int repl_getc(FILE *in) {
  for (;;) {
    unsigned char c;
    ssize_t n = read(fileno(in), &c, 1);
    if (n == 1) return c;
    if (n == 0 || errno != EINTR) return EOF;
    if (prompt_sigint) {
      fputs("^C", rl_outstream);
      return '\n';
    }
  }
}

/* help([x]): print mutuals.help(x). */
static int l_help(lua_State *L) {
  lua_settop(L, 1);
  lua_getglobal(L, "mutuals");
  lua_getfield(L, -1, "help");
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  lua_pushliteral(L, "\n");
  lua_concat(L, 2);
  size_t len;
  const char *text = lua_tolstring(L, -1, &len);
  host_page(text, len, isatty(0) && isatty(1));
  return 0;
}

static int setup(lua_State *L) {
  luaL_openlibs(L);
  host_preload(L);
  luaL_requiref(L, "mutuals", luaopen_mutuals, 1);
  lua_getfield(L, -1, "store");
  lua_call(L, 0, 1);
  lua_setglobal(L, "db");
  lua_pushcfunction(L, l_help);
  lua_setglobal(L, "help");
  return 0;
}

/* One line of input, malloc'd, without its newline; NULL at end of input. */
static char *read_one(repl_state *st, int first) {
  char *line;
  if (st->tty) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_prompt_sigint;   /* no SA_RESTART: the signal interrupts readline's read */
    sigemptyset(&sa.sa_mask);
    prompt_sigint = 0;
    sigaction(SIGINT, &sa, &old);
    line = readline(first ? PROMPT : PROMPT2);
    sigaction(SIGINT, &old, NULL);
    if (prompt_sigint) {
      prompt_sigint = 0;
      st->cancelled = 1;
      free(line);
      line = strdup("");
    }
  } else {
    size_t cap = 0;
    line = NULL;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
      free(line);
      return NULL;
    }
    if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
    if (n > 0 && line[n - 1] == '\r') line[--n] = '\0';
  }
  if (line) st->line++;
  return line;
}

/* Is the syntax error on top about input ending too soon? */
static int incomplete(lua_State *L, int status) {
  if (status != LUA_ERRSYNTAX) return 0;
  size_t len, mark = sizeof(EOFMARK) - 1;
  const char *msg = lua_tolstring(L, -1, &len);
  return len >= mark && strcmp(msg + len - mark, EOFMARK) == 0;
}

/*
** Compile `code`, first as "return code;" so an expression prints its value,
** then as a statement. Blank lines are prepended so that error messages give
** the line numbers of the input, not of the chunk.
*/
static int compile(lua_State *L, const char *code, long first_line) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (long i = 1; i < first_line; i++) luaL_addchar(&b, '\n');
  size_t pad = luaL_bufflen(&b);
  luaL_addstring(&b, "return ");
  luaL_addstring(&b, code);
  luaL_addchar(&b, ';');
  luaL_pushresult(&b);
  size_t len;
  const char *text = lua_tolstring(L, -1, &len);
  if (luaL_loadbuffer(L, text, len, "=stdin") == LUA_OK) {
    lua_remove(L, -2);
    return LUA_OK;
  }
  lua_pop(L, 1);
  /* As a statement: drop "return " and the ';'. */
  lua_pushlstring(L, text, pad);
  lua_pushstring(L, code);
  lua_concat(L, 2);
  lua_remove(L, -2);
  text = lua_tolstring(L, -1, &len);
  int status = luaL_loadbuffer(L, text, len, "=stdin");
  lua_remove(L, -2);
  return status;
}

/* The results of an entry, each on its lines; long ones through the pager when interactive. */
static void print_results(lua_State *L, int base, int tty) {
  int n = lua_gettop(L) - base;
  if (n <= 0) return;
  for (int i = 1; i <= n; i++) {
    pretty_push(L, base + i);
    lua_pushliteral(L, "\n");
  }
  lua_concat(L, 2 * n);
  size_t len;
  const char *text = lua_tolstring(L, -1, &len);
  host_page(text, len, tty);
  lua_pop(L, 1);
}

/*
** One history entry (a multi-line entry stays one: timestamps delimit
** entries in the file), appended to the file at once under a lock, so it
** survives os.exit, a crash and a second session writing the same file.
*/
static void remember(repl_state *st, const char *entry) {
  add_history(entry);
  if (!st->history[0]) return;
  int fd = open(st->history, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return;
  if (flock(fd, LOCK_EX) == 0) {
    append_history(1, st->history);
    flock(fd, LOCK_UN);
  }
  close(fd);
}

/*
** Dot-commands beside Lua, as in the sqlite3 shell: .help, .tables (every
** collection with its row count), .schema NAME (its fields), .timer on|off.
** Written in Lua on the module's own API; a line starting with '.' is never
** Lua, so nothing is shadowed.
*/
static const char dot_commands[] =
  "local line, timer = ...\n"
  "local cmd, rest = line:match('^%.(%S*)%s*(.-)%s*$')\n"
  "if cmd == 'help' or cmd == '' then\n"
  "  print('.tables          every collection and its number of rows')\n"
  "  print('.schema NAME     the fields of a collection (db.NAME), with their types and meaning')\n"
  "  print('.timer on|off    print how long each command takes')\n"
  "  print('.help            this list; help(x) documents any value')\n"
  "elseif cmd == 'tables' then\n"
  "  local rows = {}\n"
  "  for _, name in ipairs(mutuals.entities()) do rows[#rows + 1] = {collection = name, rows = db[name]:count()} end\n"
  "  print(mutuals.show(rows, {columns = {'collection', 'rows'}, limit = false}))\n"
  "elseif cmd == 'schema' then\n"
  "  if rest == '' then error('.schema NAME: which collection? (.tables lists them)', 0) end\n"
  "  local ok, c = pcall(function() return db[rest] end)\n"
  "  if not ok or c == nil then error(('.schema: no collection %q (.tables lists them)'):format(rest), 0) end\n"
  "  print(mutuals.help(rest))\n"
  "elseif cmd == 'timer' then\n"
  "  if rest ~= 'on' and rest ~= 'off' then error('.timer on or .timer off', 0) end\n"
  "  return rest == 'on'\n"
  "else\n"
  "  error(('unknown command .%s (.help lists them)'):format(cmd), 0)\n"
  "end\n"
  "return timer\n";

/* Run a dot-command line; 1 ok, 2 failed. */
static int dot_command(lua_State *L, repl_state *st, const char *line) {
  if (luaL_loadbuffer(L, dot_commands, sizeof dot_commands - 1, "=.command") != LUA_OK) return 2;
  lua_pushstring(L, line);
  lua_pushboolean(L, st->timer);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {   /* a message, no traceback: the command is the shell's, not the user's */
    fprintf(stderr, "%s\n", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(error)");
    fflush(stderr);
    return 2;
  }
  st->timer = lua_toboolean(L, -1);
  fflush(stdout);
  return 1;
}

/* Read, compile and run one command. 0 at end of input, 1 ok, 2 failed. */
static int step(lua_State *L, repl_state *st) {
  lua_settop(L, 0);
  st->cancelled = 0;
  char *line = read_one(st, 1);
  if (!line) return 0;
  if (st->cancelled) {
    free(line);
    return 1;
  }
  if (line[0] == '.') {
    if (st->tty) remember(st, line);
    int r = dot_command(L, st, line);
    free(line);
    return r;
  }
  long first = st->line;
  lua_pushstring(L, line);
  free(line);
  int status;
  for (;;) {
    status = compile(L, lua_tostring(L, 1), first);
    if (!incomplete(L, status)) break;
    char *more = read_one(st, 0);
    if (!more) break;               /* end of input mid-statement: report the error */
    if (st->cancelled) {            /* Ctrl-C: the entry is dropped, not run */
      free(more);
      return 1;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "\n");
    lua_pushstring(L, more);
    free(more);
    lua_concat(L, 3);
  }
  if (st->tty && lua_tostring(L, 1)[0]) remember(st, lua_tostring(L, 1));
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (status == LUA_OK) status = host_docall(L, 0, LUA_MULTRET);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (st->timer)
    fprintf(stderr, "time: %.3f ms\n", (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
    fflush(stderr);
    return 2;
  }
  print_results(L, 1, st->tty);
  if (lua_gettop(L) >= 2) {   /* `_`: the last value shown, as in IPython */
    lua_pushvalue(L, 2);
    lua_setglobal(L, "_");
  }
  return 1;
}

/* ${XDG_STATE_HOME:-~/.local/state}/mutuals/history, its folder created. */
static void history_path(repl_state *st) {
  const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
  char dir[4000];
  st->history[0] = '\0';
  if (state && *state == '/')
    snprintf(dir, sizeof dir, "%s/mutuals", state);
  else if (home && *home)
    snprintf(dir, sizeof dir, "%s/.local/state/mutuals", home);
  else
    return;
  for (char *p = dir + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(dir, 0700);
      *p = '/';
    }
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) return;
  snprintf(st->history, sizeof st->history, "%s/history", dir);
}

int repl_main(void) {
  repl_state st = {isatty(0) && isatty(1), 0, "", 0, 0};
  setenv("MUTUALS_BUSY_TIMEOUT", "10", 0);   /* a person at the prompt waits less than a scheduled job */
  lua_State *L = luaL_newstate();
  if (!L) {
    fprintf(stderr, "mutuals: not enough memory\n");
    return 1;
  }
  lua_pushcfunction(L, setup);
  if (host_docall(L, 0, 0) != LUA_OK) {
    fprintf(stderr, "mutuals: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  if (st.tty) {
    rl_readline_name = "mutuals";
    complete_install(L);
    history_path(&st);
    using_history();
    stifle_history(2000);
    history_comment_char = '#';     /* entries delimited by "#time" lines ... */
    history_write_timestamps = 1;
    history_multiline_entries = 1;   /* ... so that one of several lines reads back as one */
    if (st.history[0]) read_history(st.history);
    rl_catch_signals = 0;
    rl_getc_function = repl_getc;
    lua_getglobal(L, "db");
    printf("mutuals %s (%s) - store: %s\n", MUTUALS_VERSION, LUA_RELEASE, luaL_tolstring(L, -1, NULL));
    printf("help() for the module, help(db) for the store, _ the last value, Tab completes, Ctrl-C clears the "
           "line, Ctrl-D quits.\n");
    lua_settop(L, 0);
  }
  int failed = 0, r;
  while ((r = step(L, &st)) != 0)
    if (r == 2) failed = 1;
  if (st.tty) {
    if (st.history[0]) history_truncate_file(st.history, 2000);   /* every entry is in the file already */
    fputc('\n', stdout);
  }
  lua_close(L);
  return failed;
}
