/*
** mutuals-lua: a drop-in for Debian's lua5.4 stand-alone interpreter with
** the mutuals module available through require. Options, environment,
** the arg table, prompts, messages and exit statuses follow lua5.4 (5.4.4)
** exactly, down to how its REPL reports input that ends mid-statement, so
** that an analyst's scripts and habits carry over unchanged. The tests
** compare both interpreters byte for byte.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>
#include <lauxlib.h>
#include <lualib.h>
#include "host.h"

#define PROMPT "> "
#define PROMPT2 ">> "
#define EOFMARK "<eof>"

/* Flags found by scan_options. */
enum { OPT_ERROR = 1, OPT_I = 2, OPT_V = 4, OPT_E = 8, OPT_NOENV = 16 };

static const char *progname = "lua";

static void message(const char *pname, const char *msg) {
  if (pname) fprintf(stderr, "%s: ", pname);
  fprintf(stderr, "%s\n", msg ? msg : "(null)");
  fflush(stderr);
}

/* Print the message on top (if status is an error) and pop it. */
static int report(lua_State *L, int status) {
  if (status != LUA_OK) {
    message(progname, lua_tostring(L, -1));
    if (lua_gettop(L) > 0) lua_pop(L, 1);
  }
  return status;
}

static void usage(const char *bad) {
  fprintf(stderr, "%s: ", progname);
  if (bad[1] == 'e' || bad[1] == 'l')
    fprintf(stderr, "'%s' needs argument\n", bad);
  else
    fprintf(stderr, "unrecognized option '%s'\n", bad);
  fprintf(stderr,
          "usage: %s [options] [script [args]]\n"
          "Available options are:\n"
          "  -e stat   execute string 'stat'\n"
          "  -i        enter interactive mode after executing 'script'\n"
          "  -l mod    require library 'mod' into global 'mod'\n"
          "  -l g=mod  require library 'mod' into global 'g'\n"
          "  -v        show version information\n"
          "  -E        ignore environment variables\n"
          "  -W        turn warnings on\n"
          "  --        stop handling options\n"
          "  -         stop handling options and execute stdin\n",
          progname);
  fflush(stderr);
}

static void version(void) {
  fwrite(LUA_COPYRIGHT, 1, strlen(LUA_COPYRIGHT), stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

/*
** Walk the options. *script becomes the index of the script name (argc when
** there is none, or of the bad option on error); returns OPT_* flags.
*/
static int scan_options(char **argv, int *script) {
  int flags = 0, i;
  if (argv[0] == NULL) {
    *script = -1;
    return 0;
  }
  if (argv[0][0]) progname = argv[0];
  for (i = 1; argv[i] != NULL; i++) {
    *script = i;
    if (argv[i][0] != '-') return flags;
    switch (argv[i][1]) {
      case '-':
        if (argv[i][2] != '\0') return OPT_ERROR;
        *script = i + 1;
        return flags;
      case '\0':
        return flags;
      case 'E':
        if (argv[i][2] != '\0') return OPT_ERROR;
        flags |= OPT_NOENV;
        break;
      case 'W':
        if (argv[i][2] != '\0') return OPT_ERROR;
        break;
      case 'i':
        flags |= OPT_I; /* -i implies -v */
        /* fall through */
      case 'v':
        if (argv[i][2] != '\0') return OPT_ERROR;
        flags |= OPT_V;
        break;
      case 'e':
        flags |= OPT_E;
        /* fall through */
      case 'l':
        if (argv[i][2] == '\0') {
          i++;
          if (argv[i] == NULL || argv[i][0] == '-') return OPT_ERROR;
        }
        break;
      default:
        return OPT_ERROR;
    }
  }
  *script = i;
  return flags;
}

/* arg[0] is the script; options before it get negative indices. */
static void make_arg(lua_State *L, char **argv, int argc, int script) {
  if (script == argc) script = 0;
  lua_createtable(L, argc - (script + 1), script + 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

static int run_chunk(lua_State *L, int status) {
  if (status == LUA_OK) status = host_docall(L, 0, 0);
  return report(L, status);
}

static int run_file(lua_State *L, const char *name) {
  return run_chunk(L, luaL_loadfile(L, name));
}

static int run_string(lua_State *L, const char *s, const char *name) {
  return run_chunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* -l mod or -l g=mod: g = require(mod). */
static int require_into(lua_State *L, char *spec) {
  char *global = spec, *mod = strchr(spec, '=');
  if (mod == NULL)
    mod = spec;
  else
    *mod++ = '\0';
  lua_getglobal(L, "require");
  lua_pushstring(L, mod);
  int status = host_docall(L, 1, 1);
  if (status == LUA_OK) lua_setglobal(L, global);
  return report(L, status);
}

static int run_options(lua_State *L, char **argv, int n) {
  for (int i = 1; i < n; i++) {
    int opt = argv[i][1];
    if (opt == 'e' || opt == 'l') {
      char *extra = argv[i] + 2;
      if (*extra == '\0') extra = argv[++i];
      int status = opt == 'e' ? run_string(L, extra, "=(command line)") : require_into(L, extra);
      if (status != LUA_OK) return 0;
    } else if (opt == 'W') {
      lua_warning(L, "@on", 0);
    }
  }
  return 1;
}

/* LUA_INIT_5_4, else LUA_INIT: '@file' runs a file, anything else is code. */
static int run_init(lua_State *L) {
  const char *name = "=LUA_INIT_5_4";
  const char *init = getenv(name + 1);
  if (init == NULL) {
    name = "=LUA_INIT";
    init = getenv(name + 1);
  }
  if (init == NULL) return LUA_OK;
  if (init[0] == '@') return run_file(L, init + 1);
  return run_string(L, init, name);
}

static int push_script_args(lua_State *L) {
  if (lua_getglobal(L, "arg") != LUA_TTABLE) luaL_error(L, "'arg' is not a table");
  int n = (int)luaL_len(L, -1);
  luaL_checkstack(L, n + 3, "too many arguments to script");
  int i;
  for (i = 1; i <= n; i++) lua_rawgeti(L, -i, i);
  lua_remove(L, -i);
  return n;
}

static int run_script_arg(lua_State *L, char **argv) {
  const char *fname = argv[0];
  if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0) fname = NULL;  /* stdin */
  int status = luaL_loadfile(L, fname);
  if (status == LUA_OK) status = host_docall(L, push_script_args(L), LUA_MULTRET);
  return report(L, status);
}

/* ---------------------------------------------------------------- REPL */

/*
** Pushes the prompt: _PROMPT/_PROMPT2 through tostring, or the default.
** Leaves one value on the stack that the caller pops, as lua5.4 does.
*/
static const char *prompt(lua_State *L, int first) {
  if (lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2") == LUA_TNIL) return first ? PROMPT : PROMPT2;
  const char *p = luaL_tolstring(L, -1, NULL);
  lua_remove(L, -2);
  return p;
}

/* Read a line onto the stack; 0 at end of input (prompt left on the stack). */
static int read_line(lua_State *L, int first) {
  char *b = readline(prompt(L, first));
  if (b == NULL) return 0;
  lua_pop(L, 1);
  size_t l = strlen(b);
  if (l > 0 && b[l - 1] == '\n') b[--l] = '\0';
  if (first && b[0] == '=')
    lua_pushfstring(L, "return %s", b + 1);
  else
    lua_pushlstring(L, b, l);
  free(b);
  return 1;
}

/* Try the line as an expression: "return <line>;". */
static int try_expression(lua_State *L) {
  const char *line = lua_tostring(L, -1);
  const char *ret = lua_pushfstring(L, "return %s;", line);
  int status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
  if (status == LUA_OK) {
    lua_remove(L, -2);
    if (line[0] != '\0') add_history(line);
  } else {
    lua_pop(L, 2);
  }
  return status;
}

/* A syntax error at <eof> means: read another line. Pops the message then. */
static int incomplete(lua_State *L, int status) {
  if (status == LUA_ERRSYNTAX) {
    size_t len, mark = sizeof(EOFMARK) - 1;
    const char *msg = lua_tolstring(L, -1, &len);
    if (len >= mark && strcmp(msg + len - mark, EOFMARK) == 0) {
      lua_pop(L, 1);
      return 1;
    }
  }
  return 0;
}

static int read_statement(lua_State *L) {
  for (;;) {
    size_t len;
    const char *line = lua_tolstring(L, 1, &len);
    int status = luaL_loadbuffer(L, line, len, "=stdin");
    if (!incomplete(L, status) || !read_line(L, 0)) {
      add_history(line);
      return status;
    }
    lua_pushliteral(L, "\n");
    lua_insert(L, -2);
    lua_concat(L, 3);
  }
}

/* Load the next input as a function; -1 at end of input. */
static int load_input(lua_State *L) {
  lua_settop(L, 0);
  if (!read_line(L, 1)) return -1;
  int status = try_expression(L);
  if (status != LUA_OK) status = read_statement(L);
  lua_remove(L, 1);
  return status;
}

static void print_results(lua_State *L) {
  int n = lua_gettop(L);
  if (n > 0) {
    luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
    lua_getglobal(L, "print");
    lua_insert(L, 1);
    if (lua_pcall(L, n, 0, 0) != LUA_OK)
      message(progname, lua_pushfstring(L, "error calling 'print' (%s)", lua_tostring(L, -1)));
  }
}

static void repl(lua_State *L) {
  const char *saved = progname;
  int status;
  progname = NULL;   /* no program name on errors typed at the prompt */
  rl_readline_name = "lua";
  while ((status = load_input(L)) != -1) {
    if (status == LUA_OK) status = host_docall(L, 0, LUA_MULTRET);
    if (status == LUA_OK)
      print_results(L);
    else
      report(L, status);
  }
  lua_settop(L, 0);
  fputc('\n', stdout);
  fflush(stdout);
  progname = saved;
}

/* ---------------------------------------------------------------- main */

static int protected_main(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int script;
  int flags = scan_options(argv, &script);
  int optlim = script > 0 ? script : argc;
  luaL_checkversion(L);
  if (flags == OPT_ERROR) {
    usage(argv[script]);
    return 0;
  }
  if (flags & OPT_V) version();
  if (flags & OPT_NOENV) {
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  luaL_openlibs(L);
  host_preload(L);
  make_arg(L, argv, argc, script);
  lua_gc(L, LUA_GCGEN, 0, 0);
  if (!(flags & OPT_NOENV) && run_init(L) != LUA_OK) return 0;
  if (!run_options(L, argv, optlim)) return 0;
  if (script > 0 && script < argc && run_script_arg(L, argv + script) != LUA_OK) return 0;
  if (flags & OPT_I)
    repl(L);
  else if (script == argc && !(flags & (OPT_E | OPT_V))) {
    if (isatty(0)) {
      version();
      repl(L);
    } else {
      run_file(L, NULL);
    }
  }
  lua_pushboolean(L, 1);
  return 1;
}

int standalone_main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    message(argv[0], "cannot create state: not enough memory");
    return EXIT_FAILURE;
  }
  lua_pushcfunction(L, protected_main);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 0);
  int ok = lua_toboolean(L, -1);
  report(L, status);
  lua_close(L);
  return ok && status == LUA_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
