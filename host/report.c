/*
** Unattended reports. `mutuals report SCRIPT --out FILE` runs a script that
** returns a report (mutuals.report.new{...}), renders it and writes FILE
** atomically, holding a lock so that two runs of the same report never
** overlap, and records the run in the store. `mutuals runs` lists the
** history; `mutuals schedule` prints crontab and systemd units for a report
** rather than being a scheduler itself.
**
** Exit statuses a scheduler can act on: 0 done, 1 the script or the write
** failed (the previous output is untouched), 2 usage, 75 (EX_TEMPFAIL)
** another run holds the lock.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>
#include <lauxlib.h>
#include <openssl/evp.h>
#include "host.h"
#include "../bindings/mutuals.h"
#include "../models/model.h"

#define EXIT_LOCKED 75


/* A JSON array of strings, malloc'd. */
static char *json_strings(char **items, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, json_string(items[i]));
  char *s = json_dumps(a, JSON_COMPACT);
  json_decref(a);
  return s;
}

static const char *format_of(const char *format, const char *out) {
  if (format) return format;
  const char *dot = strrchr(out, '.');
  if (dot && (strcmp(dot, ".md") == 0 || strcmp(dot, ".csv") == 0 || strcmp(dot, ".json") == 0)) return dot + 1;
  return "html";
}

/*
** Run the script and render what it returns. On success leaves the
** rendered text on top of L's stack and returns 0; otherwise the message.
*/
static int render(lua_State *L, int argc, char **argv, int script, const char *format, int charts,
                  const host_limits *lim) {
  if (host_run_file(L, argc, argv, script, 1, lim) != LUA_OK) return -1;
  if (luaL_getmetafield(L, -1, "__index") == LUA_TNIL || lua_getfield(L, -2, "render") != LUA_TFUNCTION) {
    lua_settop(L, 0);
    lua_pushfstring(L, "%s: the script must return a report (return mutuals.report.new{...} at its end)",
                    argv[script]);
    return -1;
  }
  lua_insert(L, -3);
  lua_pop(L, 1);                 /* the __index table */
  lua_pushstring(L, format);     /* render(report, format, {charts = charts}) */
  lua_createtable(L, 0, 1);
  lua_pushboolean(L, charts);
  lua_setfield(L, -2, "charts");
  host_limits_arm(lim);          /* rendering is bounded too: the timer starts again for it */
  int status = host_docall(L, 3, 1);
  host_limits_disarm();
  if (status != LUA_OK) return -1;
  if (!lua_isstring(L, -1)) {
    lua_pushliteral(L, "render did not return text");
    return -1;
  }
  return 0;
}

/* A health ping: its failure is said on stderr and never changes the run's outcome. */
static void send_ping(const char *url, const char *suffix, const char *body) {
  char err[2400];
  if (mu_ping(url, suffix, body, err, sizeof err))
    fprintf(stderr, "mutuals: report: the health ping failed (the report is not affected): %s\n", err);
}

int report_main(int argc, char **argv, int first) {
  const char *out = NULL, *format = NULL, *ping = NULL;
  int wait = 0, script = -1, i;
  char err[1024];
  host_limits lim = {0, 0, 0, NULL};
  /* mutuals [opts] report SCRIPT [--out F] [--format F] [--wait] [--] [ARGS...] */
  host_args a;
  if (host_getopt("report", argc - first, argv + first, &a)) {
    host_usage("%s", a.why);
    host_args_free(&a);
    return 2;
  }
  out = host_opt_text(&a, "out");
  format = host_opt_text(&a, "format");
  ping = host_opt_text(&a, "ping");
  wait = host_opt_given(&a, "wait") && !host_opt_given(&a, "no-wait");
  int no_charts = host_opt_given(&a, "no-charts") > 0;
  host_limits_from(&a, &lim);
  char **rargv = calloc((size_t)a.npos + 3, sizeof *rargv);
  int rargc = 0;
  if (!rargv) {
    host_args_free(&a);
    return 1;
  }
  rargv[rargc++] = argv[0];
  rargv[rargc++] = "report";
  for (i = 0; i < a.npos; i++) rargv[rargc++] = a.pos[i];
  if (a.npos) script = 2;
  host_args_free(&a);
  if (script < 0 || !out) {
    free(rargv);
    return host_usage("%s", "report needs a script and --out FILE: mutuals report SCRIPT --out FILE [--format html|md|csv|json]");
  }
  format = format_of(format, out);
  if (strcmp(format, "html") && strcmp(format, "md") && strcmp(format, "csv") && strcmp(format, "json")) {
    free(rargv);
    return host_usage("report: unknown format '%s' (html, md, csv or json)", format);
  }
  /* The lock: one file beside the output, held for the whole run (--out -, standard output: none). */
  int to_stdout = strcmp(out, "-") == 0;
  char lockpath[PATH_MAX];
  snprintf(lockpath, sizeof lockpath, to_stdout ? "/dev/null" : "%s.lock", out);
  int lock = open(lockpath, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock < 0) {
    fprintf(stderr, "mutuals: report: cannot create the lock %s: %s\n", lockpath, strerror(errno));
    free(rargv);
    return 1;
  }
  if (!to_stdout && flock(lock, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    fprintf(stderr, "mutuals: report: another run is writing %s (lock %s held); try later or pass --wait\n", out,
            lockpath);
    close(lock);
    free(rargv);
    return EXIT_LOCKED;
  }
  char path[4096], sha[65] = "";
  mu_store *s = NULL;
  err[0] = '\0';
  if (mutuals_default_path(path, sizeof path)) snprintf(err, sizeof err, "%.1000s", path);
  if (err[0] == '\0' && mu_store_open(path, 0, &s, err, sizeof err) == 0) err[0] = '\0';
  if (!s) {
    fprintf(stderr, "mutuals: report: %s\n", err);
    close(lock);
    free(rargv);
    return 1;
  }
  if (mu_file_sha256(rargv[script], sha)) {
    fprintf(stderr, "mutuals: report: cannot read %s: %s\n", rargv[script], strerror(errno));
    mu_store_close(s);
    close(lock);
    free(rargv);
    return 1;
  }
  char *args = json_strings(rargv + script + 1, rargc - script - 1);
  long long run = mu_run_start(s, rargv[script], sha, args ? args : "[]", err, sizeof err);
  free(args);
  if (run < 0) fprintf(stderr, "mutuals: report: cannot record the run: %s\n", err);

  int status = 1;
  const char *failure = NULL;
  if (ping) send_ping(ping, "start", NULL);
  char limit_why[256];
  lua_State *L = host_limited_state(&lim);
  if (!L) {
    failure = "not enough memory";
  } else if (render(L, rargc, rargv, script, format, !no_charts, &lim) != 0) {
    failure = host_limits_reason(&lim, limit_why, sizeof limit_why);
    if (!failure) failure = lua_tostring(L, -1) ? lua_tostring(L, -1) : "the report failed";
  } else {
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    char *tmp;
    FILE *fp = to_stdout ? NULL : mu_atomic_open(out, &tmp, err, sizeof err);
    if (to_stdout) {   /* rendered whole before a byte is written, as for a file */
      if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        snprintf(err, sizeof err, "cannot write to standard output: %s", strerror(errno));
        failure = err;
      } else {
        status = 0;
      }
    } else if (!fp) failure = err;
    else if (fwrite(text, 1, len, fp) != len) {
      snprintf(err, sizeof err, "cannot write %s: %s", out, strerror(errno));
      mu_atomic_abort(fp, tmp);
      failure = err;
    } else if (mu_atomic_commit(fp, tmp, out, err, sizeof err)) {
      failure = err;
    } else {
      status = 0;
    }
  }
  if (failure) fprintf(stderr, "%s\n", failure);
  if (ping) send_ping(ping, status == 0 ? NULL : "fail", failure);
  if (run > 0) {
    char *outputs = json_strings(status == 0 ? (char **)&out : NULL, status == 0 ? 1 : 0);
    mu_run_finish(s, run, status, outputs ? outputs : "[]", failure);
    free(outputs);
  }
  if (L) lua_close(L);
  mu_store_close(s);
  close(lock);   /* releases the lock; the lock file stays for the next run */
  free(rargv);
  return status;
}

/* mutuals runs [--limit N]: the latest runs, newest first. */
int runs_main(int argc, char **argv) {
  long limit = 20;
  char path[4096], err[1024];
  mu_store *s;
  host_args a;
  if (host_getopt("runs", argc, argv, &a) || host_getopt_args(&a, 0, 0)) {
    host_usage("%s", a.why);
    host_args_free(&a);
    return 2;
  }
  limit = (long)host_opt_number(&a, "limit", 20);
  host_args_free(&a);
  if (mutuals_default_path(path, sizeof path)) {
    fprintf(stderr, "mutuals: runs: %s\n", path);
    return 1;
  }
  if (mu_store_open(path, 0, &s, err, sizeof err)) {
    fprintf(stderr, "mutuals: runs: %s\n", err);
    return 1;
  }
  sqlite3_stmt *st;
  mu_runs_reap(s);
  if (sqlite3_prepare_v2(mu_store_db(s),
        "SELECT id, started_at, round((julianday(finished_at) - julianday(started_at)) * 86400, 2), "
        "CASE WHEN status IS NULL THEN 'running' WHEN status = -1 THEN 'killed' ELSE status END, script, (SELECT group_concat(value, ' ') FROM json_each(outputs)), "
        "substr(replace(coalesce(error, ''), char(10), ' '), 1, 80) FROM runs ORDER BY id DESC LIMIT ?",
        -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "mutuals: runs: %s\n", sqlite3_errmsg(mu_store_db(s)));
    mu_store_close(s);
    return 1;
  }
  sqlite3_bind_int64(st, 1, limit);
  printf("%-5s %-24s %9s %-7s %s\n", "id", "started (UTC)", "seconds", "status", "script -> outputs / error");
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *outputs = (const char *)sqlite3_column_text(st, 5);
    const char *error = (const char *)sqlite3_column_text(st, 6);
    printf("%-5lld %-24s %9s %-7s %s%s%s\n", (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
           sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "-", sqlite3_column_text(st, 3),
           sqlite3_column_text(st, 4), outputs && *outputs ? " -> " : (error && *error ? "  ! " : ""),
           outputs && *outputs ? outputs : (error ? error : ""));
  }
  sqlite3_finalize(st);
  mu_store_close(s);
  return 0;
}

/* A crontab time: five fields of digits, *, ',', '-' and '/' (cron checks the rest when it loads it). */
static int cron_valid(const char *c) {
  int fields = 0, in = 0;
  for (; *c; c++) {
    if (*c == ' ') in = 0;
    else if (strchr("0123456789*,-/", *c)) fields += !in, in = 1;
    else return 0;
  }
  return fields == 5;
}

/* mutuals schedule SCRIPT --out FILE --on CALENDAR [--cron EXPR] [--name NAME] [--format F] */
/*
** An argument for a crontab line: single quotes for /bin/sh (a ' inside
** becomes '\''), and cron's own % (a newline to cron) escaped as \%.
*/
static void cron_quote(const char *s, char *out, size_t len) {
  size_t o = 0;
  if (len < 3) return;
  out[o++] = '\'';
  for (; *s && o + 6 < len; s++) {
    if (*s == '\'') { memcpy(out + o, "'\\''", 4); o += 4; }
    else if (*s == '%') { out[o++] = '\\'; out[o++] = '%'; }
    else out[o++] = *s;
  }
  out[o++] = '\'';
  out[o] = '\0';
}

/*
** An argument for a systemd Exec line: double quotes with C escapes, and
** systemd's specifiers (%) and variables ($) doubled so they stay literal.
*/
static void unit_quote(const char *s, char *out, size_t len) {
  size_t o = 0;
  if (len < 3) return;
  out[o++] = '"';
  for (; *s && o + 4 < len; s++) {
    if (*s == '"' || *s == '\\') { out[o++] = '\\'; out[o++] = *s; }
    else if (*s == '%' || *s == '$') { out[o++] = *s; out[o++] = *s; }
    else out[o++] = *s;
  }
  out[o++] = '"';
  out[o] = '\0';
}

/*
** A second opinion on an accepted calendar from systemd itself, where the
** machine has it (the timer unit is read by that systemd, whose grammar
** moves between versions): 0 when it agrees or is absent, else -1 with its
** words in why.
*/
static int systemd_agrees(const char *cal, char *why, size_t wlen) {
  int out[2];
  if (pipe(out) != 0) return 0;
  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return 0;
  }
  if (pid == 0) {
    dup2(out[1], 2);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    close(out[0]);
    execlp("systemd-analyze", "systemd-analyze", "calendar", "--", cal, (char *)NULL);
    _exit(127);   /* not installed: no opinion */
  }
  close(out[1]);
  char msg[512];
  ssize_t n, got = 0;
  while (got < (ssize_t)sizeof msg - 1 && (n = read(out[0], msg + got, sizeof msg - 1 - (size_t)got)) > 0) got += n;
  msg[got > 0 ? got : 0] = '\0';
  close(out[0]);
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 127)
    return 0;
  msg[strcspn(msg, "\n")] = '\0';
  snprintf(why, wlen, "systemd refuses it: %.200s", msg[0] ? msg : "invalid");
  return -1;
}

/* " -- 'a' 'b'": the script's arguments, each quoted for where it goes; -1 when they do not fit. */
static int script_args(char **args, int n, void (*quote)(const char *, char *, size_t), char *out, size_t len) {
  size_t o = (size_t)snprintf(out, len, " --");
  for (int i = 0; i < n; i++) {
    char q[4200];
    if (strlen(args[i]) > 2000 || strpbrk(args[i], "\n\r")) return -1;   /* a line break would end the line */
    quote(args[i], q, sizeof q);
    if (o + 1 + strlen(q) + 1 > len) return -1;
    o += (size_t)snprintf(out + o, len - o, " %s", q);
  }
  return 0;
}

int schedule_main(int argc, char **argv, int first) {
  const char *script = NULL, *out = NULL, *cal = NULL, *cron = NULL, *name = NULL, *format = NULL, *ping = NULL;
  const char *on_failure = NULL;
  long time_limit;   /* TimeoutStartSec (default 3600): --wait must not wait for ever, nor a stuck run run for ever */
  char cronbuf[64], sp[PATH_MAX], op[2 * PATH_MAX + 2], dir[PATH_MAX], self[PATH_MAX], db[4096];
  host_args a;
  if (host_getopt("schedule", argc - first, argv + first, &a)) {
    host_usage("%s", a.why);
    host_args_free(&a);
    return 2;
  }
  script = a.npos ? a.pos[0] : NULL;
  /* the script's own arguments (after --), passed on by both the crontab line and the unit */
  static char c_args[8192], u_args[8192];
  c_args[0] = u_args[0] = '\0';
  if (a.npos > 1 && (script_args(a.pos + 1, a.npos - 1, cron_quote, c_args, sizeof c_args) ||
                     script_args(a.pos + 1, a.npos - 1, unit_quote, u_args, sizeof u_args))) {
    host_args_free(&a);
    return host_usage("%s", "schedule: the script's arguments must fit a crontab line (8 KiB, no line breaks)");
  }
  out = host_opt_text(&a, "out");
  cal = host_opt_text(&a, "on");
  cron = host_opt_text(&a, "cron");
  name = host_opt_text(&a, "name");
  format = host_opt_text(&a, "format");
  ping = host_opt_text(&a, "ping");
  on_failure = host_opt_text(&a, "on-failure");
  time_limit = (long)host_opt_number(&a, "time-limit", 3600);
  host_args_free(&a);
  if (!script || !out || !cal)
    return host_usage("%s", "schedule needs SCRIPT, --out FILE and --on CALENDAR (systemd OnCalendar, e.g. 'Mon *-*-* 06:00:00')");
  char why[300];
  if (host_calendar(cal, cronbuf, sizeof cronbuf, why, sizeof why) || systemd_agrees(cal, why, sizeof why))
    return host_usage("schedule: --on: %s", why);
  if (cron && !cron_valid(cron))
    return host_usage("schedule: --cron '%s' is not five crontab fields (minute hour day month weekday)", cron);
  if (!cron && !*(cron = cronbuf))
    return host_usage("schedule: '%s' has no crontab form (seconds, a year, or both kinds of day limited): give one "
                 "with --cron 'M H DOM MON DOW'", cal);
  if (!realpath(script, sp)) {
    fprintf(stderr, "mutuals: schedule: %s: %s\n", script, strerror(errno));
    return 1;
  }
  snprintf(dir, sizeof dir, "%s", out);
  char *slash = strrchr(dir, '/');
  const char *base = slash ? slash + 1 : out;
  if (slash) *slash = '\0'; else snprintf(dir, sizeof dir, ".");
  char rdir[PATH_MAX];
  if (!realpath(dir, rdir)) {
    fprintf(stderr, "mutuals: schedule: the folder of %s: %s\n", out, strerror(errno));
    return 1;
  }
  snprintf(op, sizeof op, "%s/%s", rdir, base);
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) snprintf(self, sizeof self, "mutuals");
  else self[n] = '\0';
  if (mutuals_default_path(db, sizeof db)) {
    fprintf(stderr, "mutuals: schedule: %s\n", db);
    return 1;
  }
  char dbabs[PATH_MAX];
  if (realpath(db, dbabs)) snprintf(db, sizeof db, "%s", dbabs);
  if (!name) {
    const char *b = strrchr(sp, '/') ? strrchr(sp, '/') + 1 : sp;
    static char nbuf[128];
    snprintf(nbuf, sizeof nbuf, "%.*s", (int)(strcspn(b, ".")), b);
    name = nbuf;
  }
  /* A line break cannot be quoted for either (it ends the crontab line and the unit's setting): refused. */
  const char *const parts[] = {self, db, sp, op, format ? format : "", ping ? ping : "", cal};
  for (size_t k = 0; k < sizeof parts / sizeof *parts; k++)
    if (strpbrk(parts[k], "\n\r"))
      return host_usage("schedule: '%s' has a line break, which neither cron nor systemd can take", parts[k]);
  /* Every path and value quoted for where it goes: a ' or % in a path must not break the line. */
  static char c_self[2 * PATH_MAX], c_db[8300], c_sp[2 * PATH_MAX], c_op[4 * PATH_MAX], c_fmt[200], c_ping[4200];
  static char u_self[2 * PATH_MAX], u_db[8300], u_sp[2 * PATH_MAX], u_op[4 * PATH_MAX], u_fmt[200], u_ping[4200];
  cron_quote(self, c_self, sizeof c_self); unit_quote(self, u_self, sizeof u_self);
  cron_quote(db, c_db, sizeof c_db); unit_quote(db, u_db, sizeof u_db);
  cron_quote(sp, c_sp, sizeof c_sp); unit_quote(sp, u_sp, sizeof u_sp);
  cron_quote(op, c_op, sizeof c_op); unit_quote(op, u_op, sizeof u_op);
  c_fmt[0] = u_fmt[0] = c_ping[0] = u_ping[0] = '\0';
  if (format) {
    char q[100];
    cron_quote(format, q, sizeof q); snprintf(c_fmt, sizeof c_fmt, " --format %s", q);
    unit_quote(format, q, sizeof q); snprintf(u_fmt, sizeof u_fmt, " --format %s", q);
  }
  if (ping) {
    char q[2100];
    cron_quote(ping, q, sizeof q); snprintf(c_ping, sizeof c_ping, " --ping %s", q);
    unit_quote(ping, q, sizeof q); snprintf(u_ping, sizeof u_ping, " --ping %s", q);
  }
  printf("# crontab line (add with `crontab -e`): exit 75 means another run still holds the lock\n");
  printf("%s %s --db %s report %s --out %s%s%s%s\n\n", cron, c_self, c_db, c_sp, c_op, c_fmt, c_ping, c_args);
  printf("# ~/.config/systemd/user/mutuals-%s.service\n", name);
  /* a unit name for OnFailure: systemd's own syntax, nothing to quote; anything else is refused */
  if (on_failure && strspn(on_failure, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.@-\\%") !=
                    strlen(on_failure))
    return host_usage("schedule: --on-failure '%s' is not a unit name (e.g. notify-failure@%%n.service)", on_failure);
  printf("[Unit]\nDescription=mutuals report %s\n", name);
  if (on_failure) printf("OnFailure=%s\n", on_failure);
  printf("\n[Service]\nType=oneshot\n"
         "ExecStart=%s --db %s report %s --out %s --wait%s%s%s\nSuccessExitStatus=0\n"
         "# the whole run, waiting for the lock included: stopped (and reported failed) after this\n"
         "TimeoutStartSec=%ld\n\n", u_self, u_db, u_sp, u_op, u_fmt, u_ping, u_args, time_limit);
  printf("# ~/.config/systemd/user/mutuals-%s.timer\n", name);
  printf("[Unit]\nDescription=Run the mutuals report %s on schedule\n\n[Timer]\nOnCalendar=%s\nPersistent=true\n\n"
         "[Install]\nWantedBy=timers.target\n\n", name, cal);
  printf("# then: systemctl --user daemon-reload && systemctl --user enable --now mutuals-%s.timer\n", name);
  return 0;
}
