/*
** Field validation: the one place where a value is checked against the
** rules of its field, for Lua writes and file imports alike. The database's
** CHECK constraints repeat these rules as a last line of defence; checking
** here first lets the message name the field, the value and the rule.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

/* RFC 3629 UTF-8, no overlongs or surrogates. */
int mu_valid_utf8(const char *text, size_t n) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t len;
    unsigned min;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xE0) == 0xC0) { len = 2; min = 0x80; c &= 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; min = 0x800; c &= 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; min = 0x10000; c &= 0x07; }
    else return 0;
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return 0;
      c = (c << 6) | (s[i + k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    i += len;
  }
  return 1;
}

static int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return d[m - 1];
}

static int digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

/* 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', with a real month and day. */
int mu_date_valid(const char *s, size_t n) {
  if (!(n == 4 || n == 7 || n == 10) || !digits(s, 4)) return 0;
  int y = atoi(s);
  if (y < 1000) return 0;
  if (n == 4) return 1;
  if (s[4] != '-' || !digits(s + 5, 2)) return 0;
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  if (m < 1 || m > 12) return 0;
  if (n == 7) return 1;
  if (s[7] != '-' || !digits(s + 8, 2)) return 0;
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  return d >= 1 && d <= days_in_month(y, m);
}

/* Convert text holding a whole number or a number to MU_VINT or MU_VREAL. */
static int text_to_number(mu_value *v, int want_int) {
  char buf[64], *end;
  if (v->len == 0 || v->len >= sizeof buf) return 0;
  memcpy(buf, v->s, v->len);
  buf[v->len] = '\0';
  errno = 0;
  if (want_int) {
    long long i = strtoll(buf, &end, 10);
    if (*end || errno) return 0;
    v->kind = MU_VINT;
    v->i = i;
  } else {
    double r = strtod(buf, &end);
    if (*end || errno || !isfinite(r)) return 0;
    v->kind = MU_VREAL;
    v->r = r;
  }
  return 1;
}

static int check_integer(mu_value *v) {
  if (v->kind == MU_VTEXT && !text_to_number(v, 1)) return 0;
  if (v->kind == MU_VREAL) {
    if (!(v->r == floor(v->r)) || fabs(v->r) > 9007199254740992.0) return 0;
    v->kind = MU_VINT;
    v->i = (long long)v->r;
  }
  return v->kind == MU_VINT;
}

static int check_real(mu_value *v) {
  if (v->kind == MU_VTEXT && !text_to_number(v, 0)) return 0;
  if (v->kind == MU_VINT) {
    v->kind = MU_VREAL;
    v->r = (double)v->i;
  }
  return v->kind == MU_VREAL && isfinite(v->r);
}

static void list_choices(const char *const *c, char *why, size_t whylen) {
  size_t used = (size_t)snprintf(why, whylen, "must be one of:");
  for (; *c && used < whylen; c++)
    used += (size_t)snprintf(why + used, whylen - used, " %s", *c);
}

int mu_field_check(const mu_field *f, mu_value *v, char *why, size_t whylen) {
  if (v->kind == MU_VNULL) {
    if (f->flags & MU_REQUIRED) {
      snprintf(why, whylen, "is required");
      return -1;
    }
    return 0;
  }
  if (v->kind == MU_VTEXT && !mu_valid_utf8(v->s, v->len)) {
    snprintf(why, whylen, "is not valid UTF-8");
    return -1;
  }
  switch (f->type) {
    case MU_T_ID: case MU_T_INT: case MU_T_REF:
      if (!check_integer(v)) { snprintf(why, whylen, "must be a whole number"); return -1; }
      if ((f->type != MU_T_INT || (f->flags & MU_POSITIVE)) && v->i <= 0) {
        snprintf(why, whylen, "must be greater than 0"); return -1;
      }
      if ((f->flags & MU_NONNEG) && v->i < 0) { snprintf(why, whylen, "must be 0 or more"); return -1; }
      return 0;
    case MU_T_BOOL:
      if (!check_integer(v) || (v->i != 0 && v->i != 1)) { snprintf(why, whylen, "must be 0 or 1"); return -1; }
      return 0;
    case MU_T_REAL:
      if (!check_real(v)) { snprintf(why, whylen, "must be a number"); return -1; }
      if ((f->flags & MU_NONNEG) && v->r < 0) { snprintf(why, whylen, "must be 0 or more"); return -1; }
      if ((f->flags & MU_POSITIVE) && v->r <= 0) { snprintf(why, whylen, "must be greater than 0"); return -1; }
      if ((f->flags & MU_SHARE) && (v->r < 0 || v->r > 1)) {
        snprintf(why, whylen, "must be a share between 0 and 1"); return -1;
      }
      return 0;
    case MU_T_TEXT:
      if (v->kind != MU_VTEXT) { snprintf(why, whylen, "must be text"); return -1; }
      if ((f->flags & MU_REQUIRED) && v->len == 0) { snprintf(why, whylen, "must not be empty"); return -1; }
      return 0;
    case MU_T_DATE:
      if (v->kind != MU_VTEXT || !mu_date_valid(v->s, v->len)) {
        snprintf(why, whylen, "must be a date YYYY, YYYY-MM or YYYY-MM-DD"); return -1;
      }
      return 0;
    case MU_T_ENUM:
      if (v->kind == MU_VTEXT)
        for (const char *const *c = f->choices; *c; c++)
          if (strlen(*c) == v->len && memcmp(*c, v->s, v->len) == 0) return 0;
      list_choices(f->choices, why, whylen);
      if (v->kind == MU_VTEXT && v->len < 64) {
        char given[64];
        snprintf(given, sizeof given, "%.*s", (int)v->len, v->s);
        const char *near = mu_closest(given, f->choices, (size_t)-1);
        size_t used = strlen(why);
        if (near && used < whylen) snprintf(why + used, whylen - used, " (did you mean '%s'?)", near);
      }
      return -1;
  }
  snprintf(why, whylen, "has an unknown type");
  return -1;
}

/*
** A CHECK constraint SQLite refused, in the entity's words: the field it
** names (the store's rules repeat the validator's, so this is rare).
*/
const char *mu_check_words(const mu_entity *e, const char *msg, char *buf, size_t len) {
  const char *rule = strstr(msg, "CHECK constraint failed: ");
  rule = rule ? rule + 25 : msg;
  for (size_t i = 0; i < e->nfields; i++) {
    const char *at = strstr(rule, e->fields[i].name);
    size_t n = strlen(e->fields[i].name);
    if (at && (at == rule || !(at[-1] == '_' || (at[-1] >= 'a' && at[-1] <= 'z'))) &&
        !(at[n] == '_' || (at[n] >= 'a' && at[n] <= 'z'))) {
      snprintf(buf, len, "%s: the value breaks the store's rule for %s.%s (%s)", e->fields[i].name, e->name,
               e->fields[i].name, rule);
      return buf;
    }
  }
  snprintf(buf, len, "the row breaks a rule of the store's %s table (%s)", e->table, rule);
  return buf;
}

