/*
** Writes: insert, update and delete of one row, with every value checked
** first so that an error names the entity, field, value and rule rather
** than repeating SQLite's constraint text.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static void describe(const mu_value *v, char *buf, size_t len) {
  switch (v->kind) {
    case MU_VNULL: snprintf(buf, len, "nil"); break;
    case MU_VINT: snprintf(buf, len, "%lld", v->i); break;
    case MU_VREAL: snprintf(buf, len, "%.14g", v->r); break;
    case MU_VTEXT: snprintf(buf, len, "'%.*s'", v->len > 60 ? 60 : (int)v->len, v->s); break;
  }
}

/* Does `target` hold a row with this id? */
static int ref_exists(mu_store *s, const char *target, long long id) {
  const mu_entity *t = mu_entity_find(target);
  sqlite3_stmt *st;
  char *sql = sqlite3_mprintf("SELECT 1 FROM \"%w\" WHERE id = ?", t->table);
  int found = 0;
  if (sql && sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, id);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
  }
  sqlite3_free(sql);
  return found;
}

/*
** A polymorphic reference (an observation's subject): the type names the
** entity, the id a row of it, and the `none` type takes no id. 0 when the
** pair holds; else -1 with the reason in why.
*/
int mu_poly_check(mu_store *s, const mu_entity *e, const mu_value *type, const mu_value *id, char *why,
                  size_t len) {
  const mu_poly *p = e->poly;
  char t[64];
  if (!p || type->kind != MU_VTEXT) return 0;
  snprintf(t, sizeof t, "%.*s", (int)type->len, type->s);
  if (strcmp(t, p->none) == 0) {
    if (id->kind == MU_VNULL) return 0;
    snprintf(why, len, "%s must be empty when %s is '%s'", p->id_field, p->type_field, t);
    return -1;
  }
  const mu_entity *target = mu_entity_find(t);
  if (!target) return 0;   /* the enum check names the allowed types */
  if (id->kind == MU_VNULL) {
    snprintf(why, len, "%s is required when %s is '%s': which %s?", p->id_field, p->type_field, t, t);
    return -1;
  }
  if (id->kind != MU_VINT || !ref_exists(s, target->name, id->i)) {
    if (id->kind == MU_VINT)
      snprintf(why, len, "%s: no %s has id %lld", p->id_field, t, id->i);
    else
      snprintf(why, len, "%s must be the id of a %s", p->id_field, t);
    return -1;
  }
  return 0;
}

int mu_poly_field_check(const mu_entity *e, const mu_value *type, const mu_value *field, char *why, size_t len) {
  const mu_poly *p = e->poly;
  char t[64], f[64];
  if (!p || !p->field_field || type->kind != MU_VTEXT || field->kind != MU_VTEXT) return 0;
  snprintf(t, sizeof t, "%.*s", (int)type->len, type->s);
  snprintf(f, sizeof f, "%.*s", (int)field->len, field->s);
  const mu_entity *target = mu_entity_find(t);
  if (!target || mu_field_find(target, f)) return 0;
  const char *near = mu_closest_field(target, f);
  snprintf(why, len, "%s: a %s has no field '%s'%s%s%s", p->field_field, t, f, near ? ": did you mean '" : "",
           near ? near : "", near ? "'?" : "");
  return -1;
}

/* The polymorphic pair among names/vals, completed from row id's stored values (id < 0: none). */
static int check_poly(mu_store *s, const mu_entity *e, const char *const *names, mu_value *vals, size_t n,
                      long long id, char *err, size_t errlen) {
  const mu_poly *p = e->poly;
  mu_value type = {MU_VNULL, 0, 0, NULL, 0}, ref = {MU_VNULL, 0, 0, NULL, 0}, field = {MU_VNULL, 0, 0, NULL, 0};
  int have_type = 0, have_id = 0;
  char why[256], stored[64];
  if (!p) return 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(names[i], p->type_field) == 0) { type = vals[i]; have_type = 1; }
    if (strcmp(names[i], p->id_field) == 0) { ref = vals[i]; have_id = 1; }
    if (p->field_field && strcmp(names[i], p->field_field) == 0) field = vals[i];
  }
  if (!have_type && !have_id && field.kind == MU_VNULL) return 0;
  if (id >= 0 && (!have_type || !have_id)) {
    sqlite3_stmt *st;
    char *sql = sqlite3_mprintf("SELECT \"%w\", \"%w\" FROM \"%w\" WHERE id = ?", p->type_field, p->id_field,
                                e->table);
    if (sql && sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, id);
      if (sqlite3_step(st) == SQLITE_ROW) {
        if (!have_type) {
          snprintf(stored, sizeof stored, "%s", sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
          type.kind = MU_VTEXT;
          type.s = stored;
          type.len = strlen(stored);
        }
        if (!have_id && sqlite3_column_type(st, 1) == SQLITE_INTEGER) {
          ref.kind = MU_VINT;
          ref.i = sqlite3_column_int64(st, 1);
        }
      }
      sqlite3_finalize(st);
    }
    sqlite3_free(sql);
  }
  if (mu_poly_check(s, e, &type, &ref, why, sizeof why) || mu_poly_field_check(e, &type, &field, why, sizeof why)) {
    snprintf(err, errlen, "%s.%s", e->name, why);
    return -1;
  }
  return 0;
}

/* Check names and values; resolve each name to its field. */
static int check_all(mu_store *s, const mu_entity *e, const char *const *names, mu_value *vals,
                     size_t n, const mu_field **fields, char *err, size_t errlen) {
  char why[256], shown[96];
  for (size_t i = 0; i < n; i++) {
    const mu_field *f = mu_field_find(e, names[i]);
    if (!f) {
      snprintf(err, errlen, "%s has no field '%s'", e->name, names[i]);
      return -1;
    }
    describe(&vals[i], shown, sizeof shown);
    if (mu_field_check(f, &vals[i], why, sizeof why)) {
      snprintf(err, errlen, "%s.%s: %s is invalid: %s", e->name, f->name, shown, why);
      return -1;
    }
    if (f->type == MU_T_REF && vals[i].kind == MU_VINT && !ref_exists(s, f->ref, vals[i].i)) {
      snprintf(err, errlen, "%s.%s: %s is invalid: no %s has that id", e->name, f->name, shown, f->ref);
      return -1;
    }
    fields[i] = f;
  }
  return 0;
}

/* Turn SQLite's constraint text into the entity.field form. */
static void constraint_error(mu_store *s, const mu_entity *e, char *err, size_t errlen) {
  const char *msg = sqlite3_errmsg(mu_store_db(s));
  const char *dot = strstr(msg, "UNIQUE constraint failed: ");
  if (dot && (dot = strchr(dot, '.')))
    snprintf(err, errlen, "%s.%s: the value is already used by another %s: it must be unique",
             e->name, dot + 1, e->name);
  else if (strstr(msg, "CHECK constraint failed")) {
    char words[512];
    snprintf(err, errlen, "%s.%s", e->name, mu_check_words(e, msg, words, sizeof words));
  } else
    snprintf(err, errlen, "%s: %s", e->name, msg);
}

static int run(mu_store *s, const mu_entity *e, sqlite3_str *str, mu_value *vals, size_t n,
               long long id, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  char *sql = sqlite3_str_finish(str);
  int rc = -1;
  if (!sql) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (sqlite3_prepare_v2(mu_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", e->name, sqlite3_errmsg(mu_store_db(s)));
    goto done;
  }
  for (size_t i = 0; i < n; i++) mu_bind_value(st, (int)i + 1, &vals[i]);
  if (id >= 0) sqlite3_bind_int64(st, (int)n + 1, id);
  if (sqlite3_step(st) != SQLITE_DONE)
    constraint_error(s, e, err, errlen);
  else
    rc = 0;
done:
  sqlite3_finalize(st);
  sqlite3_free(sql);
  return rc;
}

long long mu_insert(mu_store *s, const mu_entity *e, const char *const *names, mu_value *vals, size_t n,
                    char *err, size_t errlen) {
  const mu_field *fields[64];
  if (n > 64) {
    snprintf(err, errlen, "%s: too many fields", e->name);
    return -1;
  }
  /* Required fields must be present. */
  for (size_t k = 0; k < e->nfields; k++) {
    const mu_field *f = &e->fields[k];
    int given = 0;
    if (!(f->flags & MU_REQUIRED) || f->type == MU_T_ID) continue;
    for (size_t i = 0; i < n && !given; i++) given = strcmp(names[i], f->name) == 0;
    if (!given && !(f->flags & MU_DEFAULTED)) {
      snprintf(err, errlen, "%s.%s: nil is invalid: is required", e->name, f->name);
      return -1;
    }
  }
  if (check_all(s, e, names, vals, n, fields, err, errlen) || check_poly(s, e, names, vals, n, -1, err, errlen))
    return -1;
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendf(str, "INSERT INTO \"%w\" (", e->table);
  for (size_t i = 0; i < n; i++) sqlite3_str_appendf(str, "%s\"%w\"", i ? ", " : "", fields[i]->name);
  sqlite3_str_appendall(str, n ? ") VALUES (" : ") DEFAULT VALUES");
  for (size_t i = 0; i < n; i++) sqlite3_str_appendall(str, i ? ", ?" : "?");
  if (n) sqlite3_str_appendall(str, ")");
  if (run(s, e, str, vals, n, -1, err, errlen)) return -1;
  return sqlite3_last_insert_rowid(mu_store_db(s));
}

int mu_update(mu_store *s, const mu_entity *e, long long id, const char *const *names, mu_value *vals,
              size_t n, char *err, size_t errlen) {
  const mu_field *fields[64];
  if (n == 0) return 0;
  if (n > 64) {
    snprintf(err, errlen, "%s: too many fields", e->name);
    return -1;
  }
  if (check_all(s, e, names, vals, n, fields, err, errlen)) return -1;
  for (size_t i = 0; i < n; i++)
    if (fields[i]->type == MU_T_ID) {
      snprintf(err, errlen, "%s.id: cannot be changed", e->name);
      return -1;
    }
  if (check_poly(s, e, names, vals, n, id, err, errlen)) return -1;
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendf(str, "UPDATE \"%w\" SET ", e->table);
  for (size_t i = 0; i < n; i++) sqlite3_str_appendf(str, "%s\"%w\" = ?", i ? ", " : "", fields[i]->name);
  sqlite3_str_appendall(str, " WHERE id = ?");
  if (run(s, e, str, vals, n, id, err, errlen)) return -1;
  if (sqlite3_changes(mu_store_db(s)) == 0) {
    snprintf(err, errlen, "%s %lld: no such row (deleted?)", e->name, id);
    return -1;
  }
  return 0;
}

int mu_delete(mu_store *s, const mu_entity *e, long long id, char *err, size_t errlen) {
  sqlite3_str *str = sqlite3_str_new(mu_store_db(s));
  sqlite3_str_appendf(str, "DELETE FROM \"%w\" WHERE id = ?", e->table);
  if (run(s, e, str, NULL, 0, id, err, errlen)) {
    if (strstr(err, "FOREIGN KEY"))
      snprintf(err, errlen, "%s %lld: cannot delete: other rows still refer to it; delete or change them first",
               e->name, id);
    return -1;
  }
  return 0;
}
