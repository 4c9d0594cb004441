/*
** Calendar expressions for `mutuals schedule --on`: systemd's OnCalendar
** syntax (systemd.time(7)), checked here before it goes into a timer unit,
** and turned into the crontab line when cron can say the same thing.
**
**   [WEEKDAYS] [[YYYY-]MM-DD] [HH:MM[:SS]]    or a shorthand (daily, ...)
**   WEEKDAYS  Mon,Wed..Fri or Mon-Fri (names or three letters, any case)
**   each date or time part: * or a list of N, N..M, N/STEP, N..M/STEP
**
** Anything else is refused with the reason, naming the part: a timer unit
** with a bad OnCalendar fails only when systemd loads it, long after the
** analyst has gone. The crontab form exists when the seconds are 0, the
** year is any, and days of the month and of the week are not both limited
** (cron would run when either matches, systemd when both do); otherwise
** the caller is told to give --cron itself. Pure C, no allocation: the
** fuzz harness (tests/fuzz/calendar_fuzz.c) calls it on any bytes.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "host.h"

typedef struct {
  const char *name;
  int lo, hi;
  char cron[96];   /* the part in crontab syntax */
  int any;         /* "*" */
  int too_long;    /* a list too long for cron's line: the calendar is fine, it has no crontab form */
} part;

static int fail(char *why, size_t len, const char *fmt, const char *a, const char *b) {
  snprintf(why, len, fmt, a, b);
  return -1;
}

/* A decimal number of at most 4 digits at *p (advanced), or -1. */
static int number(const char **p) {
  int n = 0, digits = 0;
  while (isdigit((unsigned char)**p) && digits < 5) {
    n = n * 10 + (**p - '0');
    (*p)++;
    digits++;
  }
  return digits == 0 || digits > 4 ? -1 : n;
}

/* Append s to buf; 0, or -1 (buf unchanged) when it does not fit. */
static int append(char *buf, size_t len, const char *s) {
  size_t used = strlen(buf);
  if (used + strlen(s) >= len) return -1;
  memcpy(buf + used, s, strlen(s) + 1);
  return 0;
}

/* One date or time component (text, NUL-terminated) into p: * or a comma list of N, N..M, N/S, N..M/S. */
static int component(const char *text, part *p, char *why, size_t wlen) {
  p->cron[0] = '\0';
  p->any = strcmp(text, "*") == 0;
  if (p->any) {
    append(p->cron, sizeof p->cron, "*");
    return 0;
  }
  if (!*text) return fail(why, wlen, "the %s is empty%s", p->name, "");
  const char *s = text;
  for (;;) {
    char item[48];
    int a, b = -1, step = 0;
    if (*s == '*' && s[1] == '/') {   /* a star and a step (every 15 from the lowest) */
      a = p->lo;
      s++;
    } else if ((a = number(&s)) < 0) {
      return fail(why, wlen, "the %s '%s' is not a number, a range N..M, a step N/S or *", p->name, text);
    }
    if (s[0] == '.' && s[1] == '.') {
      s += 2;
      if ((b = number(&s)) < 0) return fail(why, wlen, "the %s '%s' has a range without its end", p->name, text);
    }
    if (*s == '/') {
      s++;
      if ((step = number(&s)) <= 0) return fail(why, wlen, "the %s '%s' needs a step of 1 or more after /", p->name, text);
    }
    if (a < p->lo || a > p->hi || (b >= 0 && (b < a || b > p->hi)) || (step > 0 && step > p->hi - p->lo + 1)) {
      snprintf(why, wlen, "the %s '%.40s' is out of range (%d to %d)", p->name, text, p->lo, p->hi);
      return -1;
    }
    if (b >= 0 && step) snprintf(item, sizeof item, "%d-%d/%d", a, b, step);
    else if (b >= 0) snprintf(item, sizeof item, "%d-%d", a, b);
    else if (step) snprintf(item, sizeof item, "%d-%d/%d", a, p->hi, step);
    else snprintf(item, sizeof item, "%d", a);
    if ((p->cron[0] && append(p->cron, sizeof p->cron, ",")) || append(p->cron, sizeof p->cron, item))
      p->too_long = 1;
    if (*s == '\0') return 0;
    if (*s != ',') return fail(why, wlen, "the %s '%s' has something after a value: use , between values", p->name, text);
    s++;
  }
}

/* The weekday list (Mon,Wed..Fri) into cron's 0-6 (Sunday 0), expanded: cron's ranges cannot wrap. */
static int weekdays(const char *text, char *cron, size_t clen, char *why, size_t wlen) {
  static const char *const names[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  int on[7] = {0};
  const char *s = text;
  while (*s) {
    int d[2] = {-1, -1};
    for (int k = 0; k < 2; k++) {
      size_t n = 0;
      while (isalpha((unsigned char)s[n])) n++;
      for (int i = 0; i < 7 && n >= 3; i++)
        if (strncasecmp(s, names[i], n) == 0 && (n == 3 || n == strlen(names[i]))) d[k] = i;
      if (d[k] < 0) {
        char word[24];
        snprintf(word, sizeof word, "%.*s", (int)(n ? (n < 20 ? n : 20) : 1), s);
        return fail(why, wlen, "'%s' in '%s' is not a day of the week (Mon, Tue, ... or Monday, ...)", word, text);
      }
      s += n;
      if (k == 0 && s[0] == '.' && s[1] == '.') s += 2;
      else if (k == 0 && s[0] == '-' && isalpha((unsigned char)s[1])) s += 1;   /* Mon-Fri: systemd takes it too */
      else break;
    }
    if (d[1] < 0) d[1] = d[0];
    if ((d[0] + 6) % 7 > (d[1] + 6) % 7)   /* systemd's week runs Monday to Sunday, and its ranges do not wrap */
      return fail(why, wlen, "the weekdays '%s' run backwards: systemd's week runs Mon..Sun (write Fri..Sun,Mon)%s",
                  text, "");
    for (int i = d[0];; i = (i + 1) % 7) {
      on[i] = 1;
      if (i == d[1]) break;
    }
    if (*s == ',') s++;
    else if (*s) return fail(why, wlen, "the weekdays '%s' have something after a day: use , or ..%s", text, "");
  }
  cron[0] = '\0';
  for (int i = 0; i < 7; i++)
    if (on[i]) {
      char n[2] = {(char)('0' + i), '\0'};
      if (cron[0]) append(cron, clen, ",");   /* at most 13 characters: the caller's 32 hold them */
      append(cron, clen, n);
    }
  return 0;
}

/* Cut s at the first c: *rest is what follows it, or NULL when there is no c. */
static void split(char *s, int c, char **rest) {
  char *at = strchr(s, c);
  *rest = at ? at + 1 : NULL;
  if (at) *at = '\0';
}

int host_calendar(const char *expr, char *cron, size_t cronlen, char *why, size_t whylen) {
  static const struct { const char *name, *cron; } shorthand[] = {
    {"minutely", "* * * * *"}, {"hourly", "0 * * * *"}, {"daily", "0 0 * * *"}, {"weekly", "0 0 * * 1"},
    {"monthly", "0 0 1 * *"}, {"quarterly", "0 0 1 1,4,7,10 *"}, {"semiannually", "0 0 1 1,7 *"},
    {"yearly", "0 0 1 1 *"}, {"annually", "0 0 1 1 *"},
  };
  cron[0] = '\0';
  why[0] = '\0';
  for (size_t i = 0; i < sizeof shorthand / sizeof shorthand[0]; i++)
    if (strcasecmp(expr, shorthand[i].name) == 0) {
      snprintf(cron, cronlen, "%s", shorthand[i].cron);
      return 0;
    }
  char buf[256], *word[4];
  int n = 0;
  if (strlen(expr) >= sizeof buf) return fail(why, whylen, "the calendar is too long (at most %s characters)%s", "255", "");
  snprintf(buf, sizeof buf, "%s", expr);
  for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
    if (n == 3) return fail(why, whylen, "'%s' has more than weekdays, a date and a time (no time zones)%s", expr, "");
    word[n++] = tok;
  }
  if (n == 0) return fail(why, whylen, "the calendar is empty: give e.g. 'Mon..Fri *-*-* 06:00' or daily%s%s", "", "");
  char dow[32] = "*";
  int w = 0, have_dow = 0;
  if (isalpha((unsigned char)word[0][0])) {
    if (weekdays(word[0], dow, sizeof dow, why, whylen)) return -1;
    have_dow = 1;
    w = 1;
  }
  part year = {"year", 1970, 2199, "", 1, 0}, month = {"month", 1, 12, "", 1, 0}, day = {"day", 1, 31, "", 1, 0};
  part hour = {"hour", 0, 23, "", 0, 0}, minute = {"minute", 0, 59, "", 0, 0}, second = {"second", 0, 59, "", 0, 0};
  snprintf(year.cron, sizeof year.cron, "*");
  snprintf(month.cron, sizeof month.cron, "*");
  snprintf(day.cron, sizeof day.cron, "*");
  snprintf(hour.cron, sizeof hour.cron, "0");
  snprintf(minute.cron, sizeof minute.cron, "0");
  snprintf(second.cron, sizeof second.cron, "0");
  int have_date = 0, have_time = 0;
  for (; w < n; w++) {
    char *p = word[w], *rest, *rest2;
    if (strchr(p, '-') && !have_date && !have_time) {   /* [YYYY-]MM-DD */
      split(p, '-', &rest);   /* there is a '-': rest is set */
      char *third = strchr(rest, '-');
      if (third) {
        split(rest, '-', &rest2);
        if (strchr(rest2, '-')) return fail(why, whylen, "the date '%s' has more than year, month and day%s", word[w], "");
        if (component(p, &year, why, whylen) || component(rest, &month, why, whylen) ||
            component(rest2, &day, why, whylen))
          return -1;
      } else if (component(p, &month, why, whylen) || component(rest, &day, why, whylen)) {
        return -1;
      }
      have_date = 1;
    } else if (strchr(p, ':') && !have_time) {   /* HH:MM[:SS] */
      split(p, ':', &rest);   /* there is a ':': rest is set */
      split(rest, ':', &rest2);
      if (rest2 && strchr(rest2, ':')) return fail(why, whylen, "the time '%s' has more than hours, minutes, seconds%s", word[w], "");
      if (component(p, &hour, why, whylen) || component(rest, &minute, why, whylen) ||
          (rest2 && component(rest2, &second, why, whylen)))
        return -1;
      have_time = 1;
    } else {
      return fail(why, whylen, have_time ? "'%s' in '%s' follows the time: a time zone? (none is taken: no time zones; "
                                           "the timer runs in the machine's local time)"
                                         : "'%s' in '%s' is neither a date (YYYY-MM-DD) nor a time (HH:MM)", word[w], expr);
    }
  }
  /* A single day in a single month that does not have it (Feb 30, Apr 31): a timer that never fires. */
  int m = 0, d = 0;
  const char *mp = month.cron, *dp = day.cron;
  static const int days_in[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (sscanf(mp, "%d", &m) == 1 && strspn(mp, "0123456789") == strlen(mp) && sscanf(dp, "%d", &d) == 1 &&
      strspn(dp, "0123456789") == strlen(dp) && m >= 1 && m <= 12 && d > days_in[m])
    return fail(why, whylen, "'%s' never happens: month %s has no such day", expr, mp);
  /* The crontab form, when cron can say the same. */
  int too_long = month.too_long || day.too_long || hour.too_long || minute.too_long;
  if (!too_long && !second.any && strcmp(second.cron, "0") == 0 && year.any && !(have_dow && !day.any) &&
      snprintf(cron, cronlen, "%s %s %s %s %s", minute.cron, hour.cron, day.cron, month.cron, dow) >= (int)cronlen)
    cron[0] = '\0';   /* longer than the caller's line: no crontab form, rather than half of one */
  return 0;
}
