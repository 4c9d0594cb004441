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
int host_limits_option(int argc, char **argv, int *i, host_limits *lim, const char *cmd);

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

/* repl.c: `mutuals repl`; returns the exit status */
int repl_main(void);

/* cli.c */
int cli_main(int argc, char **argv);

#endif
