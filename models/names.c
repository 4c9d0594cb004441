/*
** Finding a row by what people call it. Files and analysts name a body by
** its abbreviation, its full name, an old name or a source's variant; a
** mutual by its name with or without its legal form. A name resolves, in
** order, by the entity's natural key, by its label (its name field) when
** exactly one row has it, and by the aliases table (migration 7). Nothing
** else: a name that matches none of them is refused with the closest name
** the store knows as a suggestion (did you mean), never taken as a guess.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

/* The single id the statement yields for text; 0 for none; -2 for more than one. */
static long long one_id(sqlite3_stmt *st, const char *text, size_t len, int at) {
  sqlite3_bind_text(st, at, text, (int)len, SQLITE_STATIC);
  long long id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  if (id && sqlite3_step(st) == SQLITE_ROW) id = -2;
  return id;
}

static long long by_sql(mu_store *s, const char *sql, const mu_entity *e, const char *text, size_t len) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) return -1;
  int at = 1;
  if (sqlite3_bind_parameter_count(st) == 2) sqlite3_bind_text(st, at++, e->name, -1, SQLITE_STATIC);
  long long id = one_id(st, text, len, at);
  sqlite3_finalize(st);
  return id;
}

/* Does a contain b, ignoring case (for "MyCSP Ltd" and "MyCSP")? */
static int contains(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (m < 3 || m > n) return 0;
  for (size_t i = 0; i + m <= n; i++) {
    size_t k = 0;
    while (k < m && tolower((unsigned char)a[i + k]) == tolower((unsigned char)b[k])) k++;
    if (k == m) return 1;
  }
  return 0;
}

/* The name the store knows that is closest to text: by spelling, else one containing it or contained in it. */
static char *closest(mu_store *s, const mu_entity *e, const char *text) {
  sqlite3_str *q = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendf(q, "SELECT \"%w\" FROM \"%w\"", e->key, e->table);
  if (e->label && strcmp(e->label, e->key)) sqlite3_str_appendf(q, " UNION SELECT \"%w\" FROM \"%w\"", e->label, e->table);
  sqlite3_str_appendall(q, " UNION SELECT alias FROM aliases WHERE entity = ?1 LIMIT 5000");
  char *sql = sqlite3_str_finish(q), *found = NULL;
  sqlite3_stmt *st;
  if (!sql || sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
    sqlite3_free(sql);
    return NULL;
  }
  sqlite3_free(sql);
  sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC);
  char **names = NULL;
  size_t n = 0, cap = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (!name) continue;
    if (n == cap) {
      char **g = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *g);
      if (!g) break;
      names = g;
    }
    if (!(names[n] = strdup(name))) break;
    n++;
  }
  sqlite3_finalize(st);
  const char *best = mu_closest(text, (const char *const *)names, n);
  for (size_t i = 0; !best && i < n; i++)
    if (contains(text, names[i]) || contains(names[i], text)) best = names[i];
  if (best) found = strdup(best);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return found;
}

/* By key, by label (one row only), by alias: the id, 0 for none, -2 for a label more than one row has. */
long long mu_find_name(mu_store *s, const mu_entity *e, const char *text, size_t len) {
  if (!e->key) return 0;
  char *sql = sqlite3_mprintf("SELECT id FROM \"%w\" WHERE \"%w\" = ?", e->table, e->key);
  long long id = sql ? by_sql(s, sql, e, text, len) : -1;
  sqlite3_free(sql);
  if (id) return id;
  if (e->label && strcmp(e->label, e->key)) {
    sql = sqlite3_mprintf("SELECT id FROM \"%w\" WHERE \"%w\" = ? LIMIT 2", e->table, e->label);
    id = sql ? by_sql(s, sql, e, text, len) : -1;
    sqlite3_free(sql);
    if (id) return id;
  }
  id = by_sql(s, "SELECT target_id FROM aliases WHERE entity = ? AND alias = ?", e, text, len);
  return id == -2 ? -3 : id;
}

long long mu_resolve_name(mu_store *s, const mu_entity *e, const char *text, size_t len, char *why, size_t whylen) {
  if (!e->key) {
    snprintf(why, whylen, "a %s has no name to find it by: give its id", e->name);
    return 0;
  }
  long long id = mu_find_name(s, e, text, len);
  if (id > 0 || id == -1) return id;
  if (id == -2) {
    snprintf(why, whylen, "more than one %s has %s '%.*s': give its %s", e->name, e->label,
             (int)(len > 80 ? 80 : len), text, e->key);
    return 0;
  }
  if (id == -3) {   /* UNIQUE (entity, alias) makes this a damaged store, but say so rather than pick */
    snprintf(why, whylen, "the alias '%.*s' names more than one %s", (int)(len > 80 ? 80 : len), text, e->name);
    return 0;
  }
  char given[200];
  snprintf(given, sizeof given, "%.*s", (int)(len < sizeof given - 1 ? len : sizeof given - 1), text);
  char *near = closest(s, e, given);
  snprintf(why, whylen, "no %s with %s%s%s or alias '%s'%s%s%s", e->name, e->key,
           e->label && strcmp(e->label, e->key) ? ", " : "", e->label && strcmp(e->label, e->key) ? e->label : "",
           given, near ? ": did you mean '" : "", near ? near : "", near ? "'?" : "");
  free(near);
  return 0;
}
