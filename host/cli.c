/*
** The `mutuals` command line: global options, then a command.
** Usage errors exit 2 with a one-line hint; everything else returns the
** status of the command.
*/
#include <errno.h>
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
  "  run [LIMITS] SCRIPT [ARGS...]\n"
  "                         run a Lua analysis script with the mutuals module\n"
  "  repl                   interactive Lua with the store as `db` (reads a pipe too)\n"
  "  init                   (re)create the store with the bundled dataset\n"
  "  import KIND FILE [--format csv|json|jsonl] [--mode insert|upsert|replace] [--dry-run]\n"
  "        [--map COLUMN=FIELD,...] [--ignore COLUMN] [--transform SCRIPT]\n"
  "                         load rows into a collection, all or nothing; upsert updates the\n"
  "                         columns given of rows already there (matched by natural key),\n"
  "                         replace makes such rows what the file says; --dry-run only counts;\n"
  "                         SCRIPT returns a function each row goes through (row -> fields or nil)\n"
  "  import-microdata SURVEY FILE [--long] [--id COL] [--weight COL] [--strata COL] [--psu COL] [--fpc COL]\n"
  "                         respondents and answers from a supplier's file, wide (a column per\n"
  "                         question) or --long (a row per answer, in any order); other columns\n"
  "                         are attributes\n"
  "  export KIND [--format csv|json|jsonl] [--out FILE] [--ids] [--where FIELD=VALUE]... [--fields A,B]\n"
  "        [--dry-run]\n"
  "                         write a collection (to stdout without --out), references by natural\n"
  "                         key so another store can import it; --ids: the store's own ids;\n"
  "                         --dry-run: check it all and count the rows, writing nothing\n"
  "  fetch URL --as KIND [--format csv|json] [--offline] [--retries N] [--timeout S] [--max-bytes N]\n"
  "        [--low-speed-limit B --low-speed-time S]\n"
  "                         fetch a dataset over http(s) to a temporary file, then import it in\n"
  "                         one short transaction; slower than B bytes/s (100) for S s (30) is a stall\n"
  "  report SCRIPT --out FILE [--format html|md|csv|json] [--wait] [--ping URL] [LIMITS] [-- ARGS...]\n"
  "                         render the report a script returns, atomically, under a lock;\n"
  "                         exit 75 when another run holds the lock (unless --wait);\n"
  "                         --ping URL calls URL/start, then URL or URL/fail (healthchecks.io);\n"
  "                         charts need gnuplot, or --no-charts (each chart's data as a table)\n"
  "  runs [--limit N]       the history of report runs\n"
  "  check                  list what in the store contradicts itself: claims that cannot\n"
  "                         both be true, derived figures that no longer match, facts held\n"
  "                         twice, rows without a source; exit 1 if any is unexplained\n"
  "  imports [--limit N]    the history of imports, fetches and syncs (what, from where, SHA-256, counts)\n"
  "  undo ID [--dry-run]    take an import back (its rows deleted, updated ones put back), unless\n"
  "                         something since depends on it: then it says what\n"
  "  schedule SCRIPT --out FILE --on CALENDAR [--cron EXPR] [--ping URL] [--time-limit S] [--on-failure UNIT]\n"
  "        [-- ARGS...]\n"
  "                         print crontab and systemd timer units for a report\n"
  "  completion bash|zsh    the shell completion script (make install puts both in place)\n"
  "\n"
  "Limits (run and report), for scheduled and shared scripts:\n"
  "  --timeout SECONDS      stop a script that runs longer; nothing is written\n"
  "  --max-memory MiB       stop a script that needs more memory (Lua and SQLite)\n"
  "  --sandbox[=DIR]        text chunks only; no os.execute, io.popen, C modules or debug;\n"
  "                         files only under DIR (default: the script's folder); the store\n"
  "                         read-only; no network\n"
  "\n"
  "Options:\n"
  "  --wait SECONDS         how long a writer waits for another to finish with the store\n"
  "                         (also MUTUALS_BUSY_TIMEOUT; default 30, 10 in the REPL)\n"
  "  --db PATH              the store to use (also MUTUALS_DB); default\n"
  "                         ${XDG_DATA_HOME:-~/.local/share}/mutuals/store.db\n"
  "  -h, --help             this help\n"
  "  -V, --version          the version\n"
  "\n"
  "mutuals-lua is a drop-in lua5.4 with `require \"mutuals\"` available.\n";


static int cmd_init(int argc, char **argv) {
  char path[4096], err[1024];
  mu_store *s;
  (void)argv;
  if (argc > 0) return host_usage("init takes no arguments, got '%s'", argv[0]);
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

/* Opens the default (or --db) store; prints the reason and returns NULL on failure. */
static mu_store *open_store(int flags) {
  char path[4096], err[1024];
  mu_store *s;
  if (mutuals_default_path(path, sizeof path)) {
    fprintf(stderr, "mutuals: %s\n", path);
    return NULL;
  }
  if (mu_store_open(path, flags, &s, err, sizeof err)) {
    fprintf(stderr, "mutuals: %s\n", err);
    return NULL;
  }
  return s;
}

/* Options read by host_getopt (options.c); a refusal printed with the command's usage hint. */
static int bad_args(host_args *a) {
  host_usage("%s", a->why);
  host_args_free(a);
  return 2;
}

/* A repeated option's values joined with commas (--ignore a --ignore b), into buf. */
static const char *joined(const host_optval *v, char *buf, size_t len) {
  size_t o = 0;
  buf[0] = '\0';
  for (int k = 0; k < v->nlist && o < len; k++)
    o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? "," : "", v->list[k]);
  return v->nlist ? buf : NULL;
}

/*
** mutuals import KIND FILE [--format csv|json|jsonl] [--mode insert|upsert|replace] [--dry-run]: all or nothing,
** then one line of what happened.
*/
static int cmd_import(int argc, char **argv) {
  host_args a;
  mu_format fmt;
  if (host_getopt("import", argc, argv, &a)) return bad_args(&a);
  if (a.npos != 2) {
    host_args_free(&a);
    return host_usage("%s", "import needs KIND and FILE: mutuals import KIND FILE [--format csv|json|jsonl] "
                             "[--mode insert|upsert|replace] [--dry-run] [--map COLUMN=FIELD,...] [--ignore COLUMN] "
                             "[--transform SCRIPT]");
  }
  const char *pos[2] = {a.pos[0], a.pos[1]}, *format = host_opt_text(&a, "format"), *mode = host_opt_text(&a, "mode");
  const char *transform = host_opt_text(&a, "transform");
  char ignored[4096];
  mu_import_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.dry_run = host_opt_given(&a, "dry-run") > 0;
  opts.map = host_opt_text(&a, "map");
  opts.ignore = joined(host_opt_value(&a, "ignore"), ignored, sizeof ignored);
  host_args_free(&a);
  const mu_entity *e = mu_entity_find(pos[0]);
  if (!e) return host_usage("import: unknown kind '%s'", pos[0]);
  if (mu_format_pick(format, pos[1], &fmt))
    return host_usage("import: unknown format '%s' (csv, json or jsonl)", format);
  opts.max_errors = 20;
  if (mode && strcmp(mode, "upsert") == 0) opts.mode = MU_MODE_UPSERT;
  else if (mode && strcmp(mode, "replace") == 0) opts.mode = MU_MODE_REPLACE;
  else if (mode && strcmp(mode, "insert") != 0)
    return host_usage("import: unknown mode '%s' (insert: new rows only; upsert: update the columns given of rows "
                       "already there, by natural key; replace: such rows become what the file says)", mode);
  char sha[65];
  if (strcmp(pos[1], "-") != 0 && mu_file_sha256(pos[1], sha) == 0) opts.sha256 = sha;
  mutuals_transform tf = {NULL, 0};
  if (transform && host_transform_load(transform, &tf)) return 1;
  if (tf.L) {
    opts.transform = mutuals_transform_call;
    opts.transform_ctx = &tf;
  }
  FILE *fp = strcmp(pos[1], "-") == 0 ? stdin : fopen(pos[1], "rb");
  if (!fp) {
    fprintf(stderr, "mutuals: cannot open %s: %s\n", pos[1], strerror(errno));
    host_transform_free(&tf);
    return 1;
  }
  mu_store *s = open_store(0);
  if (!s) {
    if (fp != stdin) fclose(fp);
    host_transform_free(&tf);
    return 1;
  }
  const char *name = strcmp(pos[1], "-") == 0 ? "stdin" : pos[1];
  int rc = mu_import(s, e, fmt, name, fp, &opts);
  if (fp != stdin) fclose(fp);
  mu_store_close(s);
  host_transform_free(&tf);
  if (rc && opts.busy) {
    fprintf(stderr, "mutuals: import of %s: nothing was written: %s", e->plural, opts.errors ? opts.errors : "busy\n");
    if (opts.errors && opts.errors[strlen(opts.errors) - 1] != '\n') fputc('\n', stderr);
    free(opts.errors);
    return 75;
  }
  if (rc) {
    fputs(opts.errors ? opts.errors : "import failed\n", stderr);
    fprintf(stderr, "mutuals: import of %s failed: nothing was written; fix the rows above and run it again\n",
            e->plural);
    free(opts.errors);
    return 1;
  }
  char undo[48] = "";
  if (!opts.dry_run && opts.import_id > 0) snprintf(undo, sizeof undo, " (import %lld)", opts.import_id);
  char skipped[64] = "";
  if (opts.transform) snprintf(skipped, sizeof skipped, ", %lld left out by the transform", opts.skipped);
  fprintf(stderr, "mutuals: %lld %s from %s: %lld inserted, %lld updated, %lld unchanged%s%s%s\n", opts.rows,
          opts.rows == 1 ? "row" : "rows", name, opts.inserted, opts.updated, opts.unchanged, skipped,
          opts.dry_run ? " (dry run: nothing was written)" : "", undo);
  return 0;
}

/*
** mutuals import-microdata SURVEY FILE [--long] [--id COL] [--weight COL] [--strata COL] [--psu COL]
**                         [--fpc COL] [--question COL] [--answer COL]
** A supplier's file of respondents and answers, wide (a column per question) or long.
*/
static int cmd_import_microdata(int argc, char **argv) {
  mu_microdata_opts o = {"id", NULL, NULL, NULL, NULL, 0, "question", "answer", 20, NULL};
  host_args a;
  if (host_getopt("import-microdata", argc, argv, &a) || host_getopt_args(&a, 0, 2)) return bad_args(&a);
  if (a.npos != 2) {
    host_args_free(&a);
    return host_usage("%s", "import-microdata needs SURVEY and FILE: mutuals import-microdata SURVEY FILE "
                             "[--long] [--id COL] [--weight COL] [--strata COL] [--psu COL] [--fpc COL]");
  }
  const char *pos[2] = {a.pos[0], a.pos[1]};
  static const char *const columns[] = {"id", "weight", "strata", "psu", "fpc", "question", "answer"};
  const char **slot[] = {&o.id, &o.weight, &o.strata, &o.psu, &o.fpc, &o.question, &o.answer};
  for (size_t k = 0; k < sizeof columns / sizeof *columns; k++)
    if (host_opt_text(&a, columns[k])) *slot[k] = host_opt_text(&a, columns[k]);
  o.long_form = host_opt_given(&a, "long") > 0;
  host_args_free(&a);
  FILE *fp = strcmp(pos[1], "-") == 0 ? stdin : fopen(pos[1], "rb");
  if (!fp) {
    fprintf(stderr, "mutuals: cannot open %s: %s\n", pos[1], strerror(errno));
    return 1;
  }
  char sha[65];
  if (fp != stdin && mu_file_sha256(pos[1], sha) == 0) o.sha256 = sha;
  mu_store *s = open_store(0);
  if (!s) {
    if (fp != stdin) fclose(fp);
    return 1;
  }
  sqlite3_stmt *st;
  long long survey = 0;
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT id FROM surveys WHERE key = ?", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, pos[0], -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) survey = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  if (!survey) {
    fprintf(stderr, "mutuals: import-microdata: no survey '%s' (its key, as in db.surveys)\n", pos[0]);
    mu_store_close(s);
    if (fp != stdin) fclose(fp);
    return 1;
  }
  mu_microdata_result res;
  char err[1024];
  int rc = mu_import_microdata(s, survey, &o, strcmp(pos[1], "-") == 0 ? "stdin" : pos[1], fp, &res, err, sizeof err);
  if (fp != stdin) fclose(fp);
  mu_store_close(s);
  if (rc) {
    fputs(res.errors ? res.errors : err, stderr);
    if (!res.errors) fputc('\n', stderr);
    fprintf(stderr, "mutuals: import-microdata: nothing was written%s\n",
            res.busy ? "" : "; fix the rows above and run it again");
    free(res.errors);
    return res.busy ? 75 : 1;
  }
  fprintf(stderr, "mutuals: %s: %lld respondents and %lld answers from %s\n", pos[0], res.respondents, res.answers,
          pos[1]);
  return 0;
}

/* mutuals export KIND [--format csv|json|jsonl] [--out FILE] [--ids] */
static int cmd_export(int argc, char **argv) {
  char err[1024];
  host_args a;
  mu_format fmt;
  if (host_getopt("export", argc, argv, &a)) return bad_args(&a);
  if (a.npos != 1) {
    host_args_free(&a);
    return host_usage("%s", "export needs KIND: mutuals export KIND [--format csv|json|jsonl] [--out FILE] [--ids] "
                             "[--where FIELD=VALUE] [--fields A,B] [--dry-run]");
  }
  const char *kind = a.pos[0], *out = host_opt_text(&a, "out"), *format = host_opt_text(&a, "format");
  const char *fields_opt = host_opt_text(&a, "fields"), *where[HOST_LIST_MAX];
  int nwhere = host_opt_value(&a, "where")->nlist, ids = host_opt_given(&a, "ids") > 0;
  int dry_run = host_opt_given(&a, "dry-run") > 0;
  memcpy(where, host_opt_value(&a, "where")->list, sizeof where);
  host_args_free(&a);
  const mu_entity *e = mu_entity_find(kind);
  if (!e) return host_usage("export: unknown kind '%s'", kind);
  if (mu_format_pick(format, out, &fmt))
    return host_usage("export: unknown format '%s' (csv, json or jsonl)", format);
  mu_store *s = open_store(0);
  if (!s) return 1;
  /* --where FIELD=VALUE: each value checked as the field's own (an enum typo is an error, never 0 rows);
     a reference by the name of what it names (parent=DWP) */
  mu_query q;
  mu_query_init(&q, e);
  for (int k = 0; k < nwhere; k++) {
    const char *eq = strchr(where[k], '=');
    char name[64], why[400];
    if (!eq || eq == where[k] || (size_t)(eq - where[k]) >= sizeof name) {
      mu_query_free(&q);
      mu_store_close(s);
      return host_usage("export: --where '%s': give FIELD=VALUE", where[k]);
    }
    snprintf(name, sizeof name, "%.*s", (int)(eq - where[k]), where[k]);
    const mu_field *f = mu_field_find(e, name);
    const mu_relation *r = f ? NULL : mu_relation_find(e, name);
    const mu_entity *t = r && r->kind == MU_REL_ONE && r->fk ? mu_entity_find(r->target) : NULL;
    mu_value v = {MU_VTEXT, 0, 0, eq + 1, strlen(eq + 1)};
    int bad = 0;
    if (t && t->key) {
      long long id = mu_resolve_name(s, t, eq + 1, strlen(eq + 1), why, sizeof why);
      f = mu_field_find(e, r->fk);
      v.kind = MU_VINT;
      v.i = id;
      bad = id <= 0;
    } else if (!f) {
      const char *near = mu_closest_field(e, name);
      snprintf(why, sizeof why, "%s has no field '%s'%s%s%s", e->name, name, near ? ": did you mean '" : "",
               near ? near : "", near ? "'?" : "");
      bad = 1;
    } else {
      bad = mu_field_check(f, &v, why, sizeof why) != 0;
    }
    if (bad || mu_query_add(&q, f, MU_OP_EQ, &v)) {
      fprintf(stderr, "mutuals: export: --where %s: %s\n", where[k], bad ? why : "out of memory");
      mu_query_free(&q);
      mu_store_close(s);
      return 2;
    }
  }
  const char *only[64];
  size_t nonly = 0;
  char fields[1024];
  snprintf(fields, sizeof fields, "%s", fields_opt ? fields_opt : "");
  for (char *tok = strtok(fields, ","); tok && nonly < 64; tok = strtok(NULL, ",")) only[nonly++] = tok;
  if (dry_run) {   /* everything an export does, into nothing; then how many rows it would have written */
    FILE *null = fopen("/dev/null", "w");
    long long rows = -1;
    int rc = null ? mu_export(s, &q, only, nonly, fmt, null, ids, err, sizeof err) : -1;
    if (null) fclose(null);
    sqlite3_stmt *st = rc ? NULL : mu_query_wrap(s, &q, "SELECT count(*)", "", err, sizeof err);
    if (st && sqlite3_step(st) == SQLITE_ROW) rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    mu_query_free(&q);
    mu_store_close(s);
    if (rows < 0) {
      fprintf(stderr, "mutuals: export: %s\n", err);
      return 1;
    }
    fprintf(stderr, "mutuals: export of %lld %s to %s (dry run: nothing was written)\n", rows,
            rows == 1 ? e->name : e->plural, out ? out : "standard output");
    return 0;
  }
  char *tmp = NULL;
  FILE *fp = out ? mu_atomic_open(out, &tmp, err, sizeof err) : stdout;
  int rc = fp ? mu_export(s, &q, only, nonly, fmt, fp, ids, err, sizeof err) : -1;
  mu_query_free(&q);
  mu_store_close(s);
  if (out && fp) {
    if (rc) mu_atomic_abort(fp, tmp);
    else rc = mu_atomic_commit(fp, tmp, out, err, sizeof err);
  } else if (!out && fflush(stdout) != 0) {
    snprintf(err, sizeof err, "write error: %s", strerror(errno));
    rc = -1;
  }
  if (rc) {
    fprintf(stderr, "mutuals: export: %s\n", err);
    return 1;
  }
  return 0;
}

/* mutuals fetch URL --as KIND [--format csv|json] [--offline] [--retries N] [--timeout S] [--max-bytes N] */
static int cmd_fetch(int argc, char **argv) {
  mu_fetch_opts o;
  mu_fetch_defaults(&o);
  host_args a;
  if (host_getopt("fetch", argc, argv, &a) || host_getopt_args(&a, 0, 1)) return bad_args(&a);
  const char *url = a.npos ? a.pos[0] : NULL, *kind = host_opt_text(&a, "as"), *format = host_opt_text(&a, "format");
  int offline = host_opt_given(&a, "offline") > 0;
  o.retries = (int)host_opt_number(&a, "retries", o.retries);
  o.timeout_ms = (long)(host_opt_number(&a, "timeout", o.timeout_ms / 1000.0) * 1000);
  o.max_bytes = (long long)host_opt_number(&a, "max-bytes", (double)o.max_bytes);
  o.low_speed_limit = (long)host_opt_number(&a, "low-speed-limit", o.low_speed_limit);
  o.low_speed_time = (long)host_opt_number(&a, "low-speed-time", o.low_speed_time);
  host_args_free(&a);
  if (!url || !kind) return host_usage("%s", "fetch needs a URL and --as KIND: mutuals fetch URL --as KIND");
  const mu_entity *e = mu_entity_find(kind);
  if (!e) return host_usage("fetch: unknown kind '%s'", kind);
  mu_format fmt;
  if (mu_format_pick(format, url, &fmt)) return host_usage("fetch: unknown format '%s' (csv or json)", format);
  mu_store *s = open_store(0);
  if (!s) return 1;
  mu_sync_result r;
  char err[2048];
  int rc = mu_sync(s, e, url, fmt, &o, offline, &r, err, sizeof err);
  mu_store_close(s);
  if (rc) {
    if (r.errors) fputs(r.errors, stderr);
    free(r.errors);
    fprintf(stderr, "mutuals: fetch: %s\n", err);
    return 1;
  }
  if (r.offline)
    fprintf(stderr, "mutuals: offline: using the %lld %s fetched from %s at %s\n", r.rows, e->plural, url,
            r.fetched_at);
  else if (r.not_modified)
    fprintf(stderr, "mutuals: %s not modified: kept the %lld %s stored\n", url, r.rows, e->plural);
  return 0;
}

static int print_issue(void *ctx, const char *kind, const char *key, const char *message, const char *why) {
  (void)ctx;
  printf("%-13s %s\n  %s\n", kind, key, message);
  if (why) printf("  known: %s\n", why);
  return 0;
}

/* mutuals check: every problem, then a count; exit 1 when one has no explanation in known_issues. */
static int cmd_check(int argc, char **argv) {
  char err[1024];
  int unknown = 0;
  if (argc > 0) return host_usage("check takes no arguments, got '%s'", argv[0]);
  mu_store *s = open_store(0);
  if (!s) return 1;
  int rc = mu_check(s, print_issue, NULL, &unknown, err, sizeof err);
  mu_store_close(s);
  if (rc) {
    fprintf(stderr, "mutuals: check: %s\n", err);
    return 1;
  }
  if (unknown) {
    fprintf(stderr, "mutuals: check: %d problem%s without an explanation: fix the data, or explain it in "
                    "known_issues (check_key, explanation, source_id)\n", unknown, unknown == 1 ? "" : "s");
    return 1;
  }
  fprintf(stderr, "mutuals: check: every problem found is explained in known_issues\n");
  return 0;
}

static const char *const commands[] = {"run", "repl", "init", "import", "import-microdata", "export", "fetch", "report",
                                       "runs", "check", "schedule", "imports", "undo", "completion", "help", NULL};

/* mutuals imports [--limit N]: the history of imports, fetches and syncs, newest first. */
static int cmd_imports(int argc, char **argv) {
  host_args a;
  if (host_getopt("imports", argc, argv, &a) || host_getopt_args(&a, 0, 0)) return bad_args(&a);
  double limit = host_opt_number(&a, "limit", 20);
  host_args_free(&a);
  mu_store *s = open_store(0);
  if (!s) return 1;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(s), "SELECT id, at, command, mode, kind, inserted, updated, unchanged, origin, "
                         "undone_at FROM imports ORDER BY id DESC LIMIT ?", -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "mutuals: imports: %s\n", sqlite3_errmsg(mu_store_db(s)));
    mu_store_close(s);
    return 1;
  }
  sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
  printf("%-5s %-20s %-16s %-7s %-12s %9s %8s %9s  %s\n", "id", "at (UTC)", "command", "mode", "kind", "inserted",
         "updated", "unchanged", "from");
  while (sqlite3_step(st) == SQLITE_ROW) {
    int undone = sqlite3_column_type(st, 9) != SQLITE_NULL;
    printf("%-5lld %-20s %-16s %-7s %-12s %9lld %8lld %9lld  %s%s%s%s\n", (long long)sqlite3_column_int64(st, 0),
           sqlite3_column_text(st, 1), sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
           sqlite3_column_text(st, 4), (long long)sqlite3_column_int64(st, 5), (long long)sqlite3_column_int64(st, 6),
           (long long)sqlite3_column_int64(st, 7), sqlite3_column_text(st, 8), undone ? "  (undone " : "",
           undone ? (const char *)sqlite3_column_text(st, 9) : "", undone ? ")" : "");
  }
  sqlite3_finalize(st);
  mu_store_close(s);
  return 0;
}

/* mutuals undo IMPORT_ID [--dry-run]: take an import back, or say what is in the way. */
static int cmd_undo(int argc, char **argv) {
  double id = 0;
  host_args a;
  if (host_getopt("undo", argc, argv, &a) || host_getopt_args(&a, 0, 1)) return bad_args(&a);
  int dry = host_opt_given(&a, "dry-run") > 0, have = a.npos;
  const char *given = have ? a.pos[0] : "";
  host_args_free(&a);
  if (have && host_parse_number(given, 1, 9e15, 1, &id))
    return host_usage("undo: needs one import id (see mutuals imports), got '%s'", given);
  mu_store *s = open_store(0);
  if (!s) return 1;
  char err[1024];
  mu_undo_result r;
  int rc = mu_undo_import(s, (long long)id, dry, &r, err, sizeof err);
  mu_store_close(s);
  if (rc) {
    fprintf(stderr, "mutuals: undo %lld: %s; nothing was changed\n", (long long)id, err);
    return rc == MU_BUSY ? 75 : 1;
  }
  fprintf(stderr, "mutuals: undo %lld: %lld rows deleted, %lld put back%s\n", (long long)id, r.deleted, r.restored,
          dry ? " (dry run: nothing was changed)" : "");
  return 0;
}


/*
** `mutuals CMD --help` and `mutuals help CMD`: that command's lines of the
** usage (its entry runs until the next line indented as a command), with
** the limits for run and report, and the global options.
*/
static const struct {
  const char *cmd, *example;
} examples[] = {
  {"run", "mutuals run --timeout 60 analysis.lua 2012"},
  {"repl", "mutuals --db ./work.db repl"},
  {"init", "mutuals --db ./work.db init"},
  {"import", "mutuals import mutuals our_list.csv --mode upsert --map 'sector=sectors' --ignore notes --dry-run"},
  {"import-microdata", "mutuals import-microdata staff wide.csv --weight weight --strata stratum --psu psu --fpc fpc"},
  {"export", "mutuals export mutuals --where status=operating --fields name,staff --out operating.csv"},
  {"fetch", "mutuals fetch https://example.org/mutuals.csv --as mutuals --retries 3"},
  {"report", "mutuals report scripts/progress.lua --out progress.html --timeout 600"},
  {"runs", "mutuals runs --limit 5"},
  {"check", "mutuals check"},
  {"schedule", "mutuals schedule scripts/progress.lua --out /srv/www/progress.html --on 'Mon..Fri 06:00'"},
  {"imports", "mutuals imports --limit 5"},
  {"undo", "mutuals undo 12 --dry-run"},
  {"completion", "mutuals completion bash > ~/.local/share/bash-completion/completions/mutuals"},
  {NULL, NULL},
};

static int command_help(const char *cmd) {
  char head[64];
  int n = snprintf(head, sizeof head, "  %s", cmd);
  const char *p = usage_text, *found = NULL;
  while ((p = strstr(p, head)) != NULL) {
    if ((p == usage_text || p[-1] == '\n') && (p[n] == ' ' || p[n] == '\n')) {
      found = p;
      break;
    }
    p += n;
  }
  if (!found) return 0;
  const char *end = strchr(found, '\n');
  while (end && end[1] == ' ' && end[2] == ' ' && end[3] == ' ') end = strchr(end + 1, '\n');
  printf("usage: mutuals [--db PATH] %.*s\n", (int)(end ? end - found - 2 : (long)strlen(found) - 2), found + 2);
  for (int k = 0; examples[k].cmd; k++)
    if (strcmp(examples[k].cmd, cmd) == 0) printf("\nexample:\n  %s\n", examples[k].example);
  if (strcmp(cmd, "run") == 0 || strcmp(cmd, "report") == 0) {
    const char *lim = strstr(usage_text, "\nLimits");
    const char *opt = lim ? strstr(lim, "\nOptions:") : NULL;
    if (lim && opt) printf("%.*s", (int)(opt - lim), lim);
  }
  const char *opt = strstr(usage_text, "\nOptions:");
  if (opt) fputs(opt, stdout);
  return 1;
}

static int is_help(const char *a) { return a && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0); }

int cli_main(int argc, char **argv) {
  host_args a;
  if (host_getopt("mutuals", argc - 1, argv + 1, &a)) {   /* the global options, up to the command */
    host_usage("%s", a.why + strlen("mutuals: "));
    host_args_free(&a);
    return 2;
  }
  int i = argc - a.npos, help = host_opt_given(&a, "help"), version = host_opt_given(&a, "version");
  const char *db = host_opt_text(&a, "db"), *wait = host_opt_text(&a, "wait");
  host_args_free(&a);
  if (help) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (version) {
    printf("mutuals %s (%s, SQLite %s)\n", MUTUALS_VERSION, LUA_RELEASE, sqlite3_libversion());
    return 0;
  }
  if (wait) setenv("MUTUALS_BUSY_TIMEOUT", wait, 1);
  if (db && !*db) return host_usage("%s needs a path", "--db");
  if (db) setenv("MUTUALS_DB", db, 1);
  if (i >= argc) return host_usage("%s", "no command given");
  const char *cmd = argv[i];
  /* CMD --help, as the first argument (after it, --help belongs to the script: run x.lua --help) */
  if (i + 1 < argc && is_help(argv[i + 1]) && command_help(cmd)) return 0;
  if (strcmp(cmd, "help") == 0 && i + 1 < argc) {
    if (command_help(argv[i + 1])) return 0;
    return host_usage("help: no command '%s'", argv[i + 1]);
  }
  if (strcmp(cmd, "run") == 0) return run_script(argc, argv, i + 1);
  if (strcmp(cmd, "repl") == 0) {
    if (i + 1 < argc) return host_usage("repl takes no arguments, got '%s'", argv[i + 1]);
    return repl_main();
  }
  if (strcmp(cmd, "init") == 0) return cmd_init(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "import") == 0) return cmd_import(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "export") == 0) return cmd_export(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "import-microdata") == 0) return cmd_import_microdata(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "fetch") == 0) return cmd_fetch(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "report") == 0) return report_main(argc, argv, i + 1);
  if (strcmp(cmd, "runs") == 0) return runs_main(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "check") == 0) return cmd_check(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "schedule") == 0) return schedule_main(argc, argv, i + 1);
  if (strcmp(cmd, "imports") == 0) return cmd_imports(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "undo") == 0) return cmd_undo(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "completion") == 0) return completion_main(argc - i - 1, argv + i + 1);
  if (strcmp(cmd, "help") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  const char *near = mu_closest(cmd, commands, sizeof commands / sizeof commands[0] - 1);
  if (near) return host_usage("unknown command '%s': did you mean '%s'?", cmd, near);
  return host_usage("unknown command '%s'", cmd);
}
