/*
** The `mutuals` command line: global options, then a command.
** Usage errors exit 2 with a one-line hint; everything else returns the
** status of the command.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "../bindings/mutuals.h"
#include "../models/model.h"

static const char usage_text[] =
  "usage: mutuals [--db PATH] COMMAND [ARGS...]\n"
  "\n"
  "Commands:\n"
  "  run SCRIPT [ARGS...]   run a Lua analysis script with the mutuals module\n"
  "  repl                   interactive Lua with the store as `db` (reads a pipe too)\n"
  "  init                   (re)create the store with the bundled dataset\n"
  "  import KIND FILE [--format csv|json]\n"
  "                         load rows into a collection, all or nothing\n"
  "  export KIND [--format csv|json] [--out FILE]\n"
  "                         write a collection (to stdout without --out)\n"
  "\n"
  "Options:\n"
  "  --db PATH              the store to use (also MUTUALS_DB); default\n"
  "                         ${XDG_DATA_HOME:-~/.local/share}/mutuals/store.db\n"
  "  -h, --help             this help\n"
  "  -V, --version          the version\n"
  "\n"
  "mutuals-lua is a drop-in lua5.4 with `require \"mutuals\"` available.\n";

static int usage_error(const char *fmt, const char *what) {
  fprintf(stderr, "mutuals: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, " (try 'mutuals --help')\n");
  return 2;
}

static int cmd_init(int argc, char **argv) {
  char path[4096], err[1024];
  mu_store *s;
  (void)argv;
  if (argc > 0) return usage_error("init takes no arguments, got '%s'", argv[0]);
  if (mutuals_default_path(path, sizeof path)) {
    fprintf(stderr, "mutuals: %s\n", path);
    return 1;
  }
  if (mu_store_open(path, 0, &s, err, sizeof err) || mu_store_reset(s, err, sizeof err)) {
    fprintf(stderr, "mutuals: init: %s\n", err);
    mu_store_close(s);
    return 1;
  }
  mu_store_close(s);
  fprintf(stderr, "mutuals: %s holds the bundled dataset\n", path);
  return 0;
}

int cli_main(int argc, char **argv) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *o = argv[i];
    if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
      fputs(usage_text, stdout);
      return 0;
    }
    if (strcmp(o, "-V") == 0 || strcmp(o, "--version") == 0) {
      printf("mutuals %s (%s, SQLite %s)\n", MUTUALS_VERSION, LUA_RELEASE, sqlite3_libversion());
      return 0;
    }
    if (strcmp(o, "--db") == 0 || strncmp(o, "--db=", 5) == 0) {
      const char *path = o[4] == '=' ? o + 5 : (i + 1 < argc ? argv[++i] : NULL);
      if (!path || !*path) return usage_error("%s needs a path", "--db");
      setenv("MUTUALS_DB", path, 1);
      continue;
    }
    return usage_error("unknown option '%s'", o);
  }
  if (i >= argc) return usage_error("%s", "no command given");
  const char *cmd = argv[i];
  if (strcmp(cmd, "run") == 0) {
    if (i + 1 >= argc) return usage_error("%s", "run needs a script: mutuals run SCRIPT [ARGS...]");
    return run_script(argc, argv, i + 1);
  }
  if (strcmp(cmd, "repl") == 0) {
    if (i + 1 < argc) return usage_error("repl takes no arguments, got '%s'", argv[i + 1]);
    return repl_main();
  }
  if (strcmp(cmd, "init") == 0) return cmd_init(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "help") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  return usage_error("unknown command '%s'", cmd);
}
