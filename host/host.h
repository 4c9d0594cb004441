/*
** host: the program. Command line (cli.c), the lua5.4-compatible
** interpreter (standalone.c), the analyst's REPL (repl.c) and the script
** runner (run.c), over one protected-call helper (call.c).
*/
#ifndef MUTUALS_HOST_H
#define MUTUALS_HOST_H

#include <lua.h>

/* call.c */
int host_msghandler(lua_State *L);
int host_docall(lua_State *L, int narg, int nres);   /* SIGINT-aware pcall with traceback */
void host_preload(lua_State *L);                      /* package.preload.mutuals */
lua_State *host_newstate(void);                       /* libs + mutuals preloaded + global 'mutuals' */

/* standalone.c: behaves exactly as Debian's lua5.4 */
int standalone_main(int argc, char **argv);

/* run.c: `mutuals run SCRIPT ARGS...`, argv[script] being the script; returns the exit status */
int run_script(int argc, char **argv, int script);
/* Runs argv[script] in L (a new state) with nresults results left on the stack; a Lua status. */
int host_run_file(lua_State *L, int argc, char **argv, int script, int nresults);

/* report.c: `mutuals report`, `mutuals runs`, `mutuals schedule` */
int report_main(int argc, char **argv, int first);
int runs_main(int argc, char **argv);
int schedule_main(int argc, char **argv, int first);

/* pretty.c: a readable, depth-limited, cycle-safe rendering of the value at idx */
void pretty_push(lua_State *L, int idx);

/* complete.c: readline completion of globals, keys, fields and methods */
void complete_install(lua_State *L);

/* repl.c: `mutuals repl`; returns the exit status */
int repl_main(void);

/* cli.c */
int cli_main(int argc, char **argv);

#endif
