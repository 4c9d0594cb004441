/*
** Every command's options, declared once as a table and read by
** getopt_long: --name VALUE and --name=VALUE, "--" to end the options,
** unambiguous abbreviations, and options anywhere among the arguments
** (except for run, whose script's own arguments follow the script).
**
** A number is checked here against its declared range, so no command
** accepts `--retries abc`; every refusal is one message naming the command
** and the option, which the caller prints with its usage hint. Nothing here
** prints, exits or touches a file: tests/fuzz/options_fuzz.c throws any
** argument vector at it.
*/
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "../models/model.h"

#define TEXT(n)                 {n, HOST_TEXT, 0, 0, 0, 0, NULL, 0, NULL}
#define VALUE(n, values)        {n, HOST_TEXT, 0, 0, 0, 0, NULL, 0, values}   /* "FILE", "KIND" or the words */
#define FLAG(n)                 {n, HOST_FLAG, 0, 0, 0, 0, NULL, 0, NULL}
#define LIST(n)                 {n, HOST_LIST, 0, 0, 0, 0, NULL, 0, NULL}
#define NUM(n, lo, hi, w, a, r) {n, HOST_NUMBER, lo, hi, w, a, r, 0, NULL}
#define END                     {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL}
#define LIMITS \
  NUM("timeout", 0, 604800, 0, 1, "a number above 0 (seconds)"), \
  NUM("max-memory", 0, 1048576, 0, 1, "a number above 0 (MiB)"), \
  {"sandbox", HOST_OPTIONAL, 0, 0, 0, 0, NULL, 0, NULL}
#define REPORT_FORMATS "html md csv json"

static const host_opt global_opts[] = {
  VALUE("db", "FILE"), NUM("wait", 0, 86400, 0, 0, "a number of seconds from 0 to 86400"),
  {"help", HOST_FLAG, 0, 0, 0, 0, NULL, 'h', NULL}, {"version", HOST_FLAG, 0, 0, 0, 0, NULL, 'V', NULL}, END};
static const host_opt import_opts[] = {
  VALUE("format", "csv json jsonl"), VALUE("mode", "insert upsert replace"), FLAG("dry-run"), TEXT("map"),
  LIST("ignore"), VALUE("transform", "FILE"), END};
static const host_opt export_opts[] = {
  VALUE("format", "csv json jsonl"), VALUE("out", "FILE"), FLAG("ids"), TEXT("fields"), LIST("where"), FLAG("dry-run"),
  END};
static const host_opt microdata_opts[] = {
  TEXT("id"), TEXT("weight"), TEXT("strata"), TEXT("psu"), TEXT("fpc"), TEXT("question"), TEXT("answer"),
  FLAG("long"), END};
static const host_opt fetch_opts[] = {
  VALUE("as", "KIND"), VALUE("format", "csv json"), FLAG("offline"),
  NUM("retries", 0, 100, 1, 0, "a number from 0 to 100"),
  NUM("timeout", 0.001, 86400, 0, 0, "a number from 0.001 to 86400 (seconds)"),
  NUM("max-bytes", 1, 1e15, 1, 0, "a whole number from 1 (bytes)"),
  NUM("low-speed-limit", 0, 1e12, 1, 0, "a number from 0 (bytes a second)"),
  NUM("low-speed-time", 1, 86400, 1, 0, "a number from 1 to 86400 (seconds)"),
  END};
static const host_opt limit_opts[] = {
  NUM("limit", 1, 1e9, 1, 0, "a whole number above 0"), END};
static const host_opt undo_opts[] = {FLAG("dry-run"), END};
static const host_opt run_opts[] = {LIMITS, END};
static const host_opt report_opts[] = {
  VALUE("out", "FILE"), VALUE("format", REPORT_FORMATS), FLAG("wait"), FLAG("no-wait"), FLAG("no-charts"), TEXT("ping"),
  LIMITS, END};
static const host_opt schedule_opts[] = {
  VALUE("out", "FILE"), VALUE("on", "daily hourly weekly monthly"), TEXT("cron"), TEXT("name"),
  VALUE("format", REPORT_FORMATS), TEXT("ping"), TEXT("on-failure"),
  NUM("time-limit", 1, 604800, 1, 0, "whole seconds from 1 to 604800"), END};
static const host_opt none[] = {END};

/* stop: the options end at the first argument (run: what follows is the script's) */
const host_command host_commands[] = {
  {"mutuals", global_opts, 1},
  {"run", run_opts, 1},
  {"repl", none, 0},
  {"init", none, 0},
  {"import", import_opts, 0},
  {"import-microdata", microdata_opts, 0},
  {"export", export_opts, 0},
  {"fetch", fetch_opts, 0},
  {"report", report_opts, 0},
  {"runs", limit_opts, 0},
  {"check", none, 0},
  {"schedule", schedule_opts, 0},
  {"imports", limit_opts, 0},
  {"undo", undo_opts, 0},
  {NULL, NULL, 0}};

const host_command *host_command_find(const char *name) {
  for (const host_command *c = host_commands; c->name; c++)
    if (strcmp(c->name, name) == 0) return c;
  return NULL;
}

static int fail(host_args *a, const char *fmt, ...) {
  int n = snprintf(a->why, sizeof a->why, "%s: ", a->cmd->name);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->why + n, sizeof a->why - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

int host_parse_number(const char *v, double min, double max, int whole, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (!*v || *end || errno || !(x >= min) || !(x <= max) || (whole && x != floor(x))) return -1;
  *out = x;
  return 0;
}

/* A value for option k: a number in its range, or the text; -1 with the reason. */
static int take(host_args *a, int k, const char *v) {
  const host_opt *o = &a->cmd->opts[k];
  host_optval *r = &a->val[k];
  if (o->kind == HOST_FLAG && v) return fail(a, "--%s takes no value", o->name);
  if (o->kind == HOST_NUMBER &&
      (host_parse_number(v, o->min, o->max, o->whole, &r->number) || (o->above && r->number <= o->min)))
    return fail(a, "--%s needs %s, got '%s'", o->name, o->range, v);
  if (o->kind == HOST_LIST) {
    if (r->nlist == HOST_LIST_MAX) return fail(a, "--%s is given more than %d times", o->name, HOST_LIST_MAX);
    r->list[r->nlist++] = v;
  }
  r->text = v;
  r->given++;
  return 0;
}

/* The name of the option argv[at] tried to be, for a message: up to its '='. */
static void option_name(const char *arg, char *out, size_t len) {
  snprintf(out, len, "%.*s", (int)strcspn(arg, "="), arg);
}

/* Unknown or ambiguous: say which, with the options it could have meant. */
static int unknown(host_args *a, const char *arg) {
  char name[64];
  option_name(arg, name, sizeof name);
  const char *given = name + (name[0] == '-') + (name[1] == '-');
  const char *names[HOST_OPTS_MAX], *first = NULL, *second = NULL;
  size_t n = 0, plen = strlen(given);
  for (const host_opt *o = a->cmd->opts; o->name; o++) {
    names[n++] = o->name;
    if (plen && name[1] == '-' && strncmp(o->name, given, plen) == 0) {
      if (!first) first = o->name;
      else if (!second) second = o->name;
    }
  }
  if (second) return fail(a, "option '%s' is ambiguous: --%s or --%s? (write it in full)", name, first, second);
  const char *near = name[0] == '-' && name[1] == '-' ? mu_closest(given, names, n) : NULL;
  if (near) return fail(a, "unknown option '%s': did you mean '--%s'?", name, near);
  return fail(a, "unknown option '%s'", name);
}

static int short_slot(const host_command *cmd, int key) {
  int k = 0;
  while (cmd->opts[k].key != key) k++;
  return k;
}

int host_getopt(const char *cmd, int argc, char **argv, host_args *a) {
  struct option lo[HOST_OPTS_MAX + 1];
  char shorts[2 * HOST_OPTS_MAX + 3] = "+:";
  size_t ns = 2;
  memset(a, 0, sizeof *a);
  a->cmd = host_command_find(cmd);
  if (!a->cmd || argc < 0) abort();   /* a command without a table: a bug here, not the user's */
  int n = 0;
  for (; a->cmd->opts[n].name; n++) {
    const host_opt *o = &a->cmd->opts[n];
    lo[n].name = o->name;
    lo[n].has_arg = o->kind == HOST_FLAG ? no_argument : o->kind == HOST_OPTIONAL ? optional_argument : required_argument;
    lo[n].flag = NULL;
    lo[n].val = 256 + n;
    if (o->key) {
      shorts[ns++] = o->key;
      if (o->kind != HOST_FLAG) shorts[ns++] = ':';
    }
  }
  shorts[ns] = '\0';
  memset(&lo[n], 0, sizeof lo[n]);
  /* getopt_long reorders what it reads: a copy, with the command's name in argv[0] */
  a->pos = malloc(((size_t)argc + 2) * sizeof *a->pos);
  if (!a->pos) return fail(a, "out of memory");
  a->pos[0] = (char *)a->cmd->name;
  if (argc) memcpy(a->pos + 1, argv, (size_t)argc * sizeof *argv);
  a->pos[argc + 1] = NULL;
  int c, rc = 0;
  optind = 0;   /* GNU: start afresh (this is called once a command, and over and over by the fuzzer) */
  opterr = 0;
  while (rc == 0 && (c = getopt_long(argc + 1, a->pos, shorts + !a->cmd->stop, lo, NULL)) != -1) {
    if (c == ':' && optopt >= 256) rc = fail(a, "--%s needs a value", a->cmd->opts[optopt - 256].name);
    else if (c == ':') rc = fail(a, "-%c needs a value", optopt);
    else if (c >= 256 && c < 256 + n) rc = take(a, c - 256, optarg);
    else if (c != '?' && c != ':' && strchr(shorts + 2, c)) rc = take(a, short_slot(a->cmd, c), optarg);
    else if (optopt >= 256) rc = fail(a, "--%s takes no value", a->cmd->opts[optopt - 256].name);   /* --flag=x */
    else if (optopt > 0) rc = fail(a, "unknown option '-%c'", optopt);
    else rc = unknown(a, a->pos[optind - 1]);
  }
  if (rc) return -1;
  /* the arguments, in order, after the options (getopt_long has moved them to the end) */
  a->npos = argc + 1 - optind;
  memmove(a->pos, a->pos + optind, ((size_t)a->npos + 1) * sizeof *a->pos);
  return 0;
}

int host_getopt_args(host_args *a, int min, int max) {
  if (a->npos > max && max >= 0) return fail(a, "unexpected argument '%s'", a->pos[max]);
  if (a->npos < min) return fail(a, "needs %d argument%s, got %d", min, min == 1 ? "" : "s", a->npos);
  return 0;
}

static int slot(const host_args *a, const char *name) {
  for (int k = 0; a->cmd->opts[k].name; k++)
    if (strcmp(a->cmd->opts[k].name, name) == 0) return k;
  abort();   /* asking for an option the command does not declare: a bug caught by the first test that runs it */
}

const char *host_opt_text(const host_args *a, const char *name) { return a->val[slot(a, name)].text; }
int host_opt_given(const host_args *a, const char *name) { return a->val[slot(a, name)].given; }
double host_opt_number(const host_args *a, const char *name, double dflt) {
  const host_optval *v = &a->val[slot(a, name)];
  return v->given ? v->number : dflt;
}
const host_optval *host_opt_value(const host_args *a, const char *name) { return &a->val[slot(a, name)]; }

/* "mutuals: MESSAGE (try 'mutuals CMD --help')" on stderr, CMD being the command the message begins with. */
int host_usage(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  size_t n = strcspn(msg, ": ");
  const host_command *c = host_commands + 1;   /* not "mutuals" itself */
  for (; c->name; c++)
    if (strlen(c->name) == n && strncmp(msg, c->name, n) == 0) break;
  fprintf(stderr, "mutuals: %s (try 'mutuals %s%s--help')\n", msg, c->name ? c->name : "", c->name ? " " : "");
  return 2;
}

void host_args_free(host_args *a) {
  free(a->pos);
  a->pos = NULL;
}
