/*
** host: the program. Command line (cli.c), the lua5.4-compatible
** interpreter (standalone.c), the analyst's REPL (repl.c) and the script
** runner (run.c), over one protected-call helper (call.c).
*/
#ifndef MUTUALS_HOST_H
#define MUTUALS_HOST_H

#include <stddef.h>
#include <lua.h>

/* limits.c: bounded runs (--timeout, --max-memory) and the sandbox's settings */
typedef struct {
  double timeout;              /* seconds; 0: none */
  double max_memory_mib;       /* 0: none */
  int sandbox;                 /* run the script in the sandbox (sandbox.c) */
  const char *allow_dir;       /* the folder a sandboxed script may read and write; NULL: the script's */
} host_limits;
lua_State *host_limited_state(const host_limits *lim);   /* a new state, memory-capped when asked */
void host_limits_arm(const host_limits *lim);              /* start the timeout */
void host_limits_disarm(void);
const char *host_limits_reason(const host_limits *lim, char *buf, size_t len);  /* NULL unless a limit stopped it */
struct host_args;
void host_limits_from(const struct host_args *a, host_limits *lim);   /* --timeout, --max-memory, --sandbox[=DIR] */

/*
** options.c: every command's options as one table each, read by getopt_long (host_getopt), values checked
** against their declared kind and range. The caller prints why (it begins "CMD: ") with its usage hint.
*/
typedef enum { HOST_FLAG, HOST_TEXT, HOST_NUMBER, HOST_LIST, HOST_OPTIONAL } host_opt_kind;
typedef struct {
  const char *name;            /* the long name, without "--" */
  host_opt_kind kind;          /* HOST_LIST: may be given again; HOST_OPTIONAL: a value only as --name=VALUE */
  double min, max;             /* HOST_NUMBER: the accepted range ... */
  int whole, above;            /* ... whole numbers only; min itself excluded */
  const char *range;           /* ... and how a message states it */
  int key;                     /* a one-letter form (-h), or 0 */
  const char *values;          /* what a value is, for completion: "FILE", "KIND" (a collection), the words, or NULL */
} host_opt;
typedef struct {
  const char *name;
  const host_opt *opts;        /* ends with a NULL name */
  int stop;                    /* options end at the first argument (the script's own arguments follow) */
} host_command;
#define HOST_OPTS_MAX 24
#define HOST_LIST_MAX 16
typedef struct {
  int given;                   /* how many times */
  const char *text;            /* the last value (NULL for a flag) */
  double number;               /* HOST_NUMBER: the value, checked */
  const char *list[HOST_LIST_MAX];
  int nlist;
} host_optval;
typedef struct host_args {
  const host_command *cmd;
  host_optval val[HOST_OPTS_MAX];
  char **pos;                  /* the arguments that are not options, in order; NULL-terminated */
  int npos;
  char why[512];
} host_args;
extern const host_command host_commands[];
const host_command *host_command_find(const char *name);
int host_getopt(const char *cmd, int argc, char **argv, host_args *a);   /* 0, or -1 with a->why */
int host_getopt_args(host_args *a, int min, int max);                    /* max < 0: any number */
const char *host_opt_text(const host_args *a, const char *name);
int host_opt_given(const host_args *a, const char *name);
double host_opt_number(const host_args *a, const char *name, double dflt);
const host_optval *host_opt_value(const host_args *a, const char *name);
void host_args_free(host_args *a);
/* "mutuals: MESSAGE (try 'mutuals CMD --help')" on stderr, printf-style; returns 2 (a usage error) */
int host_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int host_parse_number(const char *v, double min, double max, int whole, double *out);   /* all of v; 0 or -1 */   /* prints the message with the help to try; returns 2 (a usage error) */

/* sandbox.c: a whitelisted environment for scripts shared between analysts */
int host_sandbox(lua_State *L, const char *script, const char *allow_dir);   /* 0, or -1 with a message pushed */

/* call.c */
void host_stop(const char *why);                      /* from a signal handler: stop the running script */
int host_stopped_by(const char *why);
int host_msghandler(lua_State *L);
int host_docall(lua_State *L, int narg, int nres);   /* SIGINT-aware pcall with traceback */
void host_preload(lua_State *L);                      /* package.preload.mutuals */
lua_State *host_newstate(void);                       /* libs + mutuals preloaded + global 'mutuals' */

/* standalone.c: behaves exactly as Debian's lua5.4 */
int standalone_main(int argc, char **argv);

/* run.c: `mutuals run SCRIPT ARGS...`, argv[script] being the script; returns the exit status */
int run_script(int argc, char **argv, int script);
/* Runs argv[script] in L (a new state) with nresults results left on the stack; a Lua status. */
int host_run_file(lua_State *L, int argc, char **argv, int script, int nresults, const host_limits *lim);

/* report.c: `mutuals report`, `mutuals runs`, `mutuals schedule` */
int report_main(int argc, char **argv, int first);
int runs_main(int argc, char **argv);
int schedule_main(int argc, char **argv, int first);

/*
** calendar.c: a systemd OnCalendar expression checked: 0 with its crontab form in cron ("" when cron cannot
** say the same: seconds, a year, or both kinds of day limited), or -1 with the reason in why.
*/
int host_calendar(const char *expr, char *cron, size_t cronlen, char *why, size_t whylen);

/* pretty.c: a readable, depth-limited, cycle-safe rendering of the value at idx */
void pretty_push(lua_State *L, int idx);

/* complete.c: readline completion of globals, keys, fields and methods */
void complete_install(lua_State *L);

/* pager.c: text to stdout, through $PAGER (less -S) when interactive and longer than the terminal */
void host_page(const char *text, size_t len, int interactive);

/* repl.c: `mutuals repl`; returns the exit status */
int repl_main(void);

/* completion.c: `mutuals completion bash|zsh`, from the tables of options.c and the model */
int completion_main(int argc, char **argv);

/* transform.c: import --transform SCRIPT, its function held in a Lua state of its own (0, or 1 said why) */
#include "../bindings/mutuals.h"
int host_transform_load(const char *script, mutuals_transform *tf);
void host_transform_free(mutuals_transform *tf);

/* cli.c */
int cli_main(int argc, char **argv);

#endif
