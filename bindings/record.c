/*
** A record: one row of one entity as a userdata "mutuals.record". Its first
** user value is the store it came from, its second a table of field values.
** Fields read as rec.name; relations as rec.parent (a record) or
** rec.mutuals (a collection); writes go through rec:update{...}.
*/
#include <stdio.h>
#include <string.h>
#include "bindings.h"

lrecord *mu_checkrecord(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, MU_RECORD_MT);
}

void mu_record_store(lua_State *L, int idx) {
  lua_getiuservalue(L, idx, 1);
}

/* Build a record from row, the values of e's fields in order (the id first). */
void mu_push_record(lua_State *L, int store_idx, const mu_entity *e, const mu_value *row) {
  store_idx = lua_absindex(L, store_idx);
  lrecord *r = lua_newuserdatauv(L, sizeof *r, 2);
  r->e = e;
  r->id = row[0].i;
  luaL_setmetatable(L, MU_RECORD_MT);
  lua_pushvalue(L, store_idx);
  lua_setiuservalue(L, -2, 1);
  lua_createtable(L, 0, (int)e->nfields);
  for (size_t i = 0; i < e->nfields; i++) {
    if (row[i].kind == MU_VNULL) continue;   /* unknown: no entry, so the field reads as nil */
    mu_pushvalue(L, &row[i]);
    lua_setfield(L, -2, e->fields[i].name);
  }
  lua_setiuservalue(L, -2, 2);
}

/* Pushes the record of e with this id, or nil. */
int mu_record_get_by_id(lua_State *L, int store_idx, const mu_entity *e, long long id) {
  mu_store *s = mu_checkopen(L, store_idx);
  mu_query q;
  char err[512];
  mu_value v = {MU_VINT, id, 0, NULL, 0};
  const mu_value *row;
  mu_query_init(&q, e);
  if (mu_query_add(&q, &e->fields[0], MU_OP_EQ, &v)) {
    mu_query_free(&q);
    return luaL_error(L, "out of memory");
  }
  sqlite3_stmt *st = mu_query_rows(s, &q, err, sizeof err);
  mu_query_free(&q);
  if (!st) return luaL_error(L, "%s", err);
  mu_reader *rd = mu_reader_new(s, st, (int)e->nfields, -1);
  if (!rd) {
    sqlite3_finalize(st);
    return luaL_error(L, "out of memory");
  }
  int rc = mu_reader_next(rd, &row, err, sizeof err);
  if (rc == 1)
    mu_push_record(L, store_idx, e, row);
  else
    lua_pushnil(L);
  mu_reader_free(rd);
  if (rc < 0) return luaL_error(L, "%s", err);
  return 1;
}

/* Follow a relation of record at idx: a record (or nil) for ONE, else a collection. */
static int push_relation(lua_State *L, int idx, const mu_relation *rel) {
  lrecord *r = mu_checkrecord(L, idx);
  const mu_entity *target = mu_entity_find(rel->target);
  mu_record_store(L, idx);
  int store_idx = lua_gettop(L);
  if (rel->kind == MU_REL_ONE) {
    lua_getiuservalue(L, idx, 2);
    lua_getfield(L, -1, rel->fk);
    if (lua_isnil(L, -1)) return 1;
    return mu_record_get_by_id(L, store_idx, target, lua_tointeger(L, -1));
  }
  lcollection *c = mu_push_collection(L, store_idx, target);
  if (mu_query_related(&c->q, r->e, rel, r->id)) return luaL_error(L, "out of memory");
  return 1;
}

static int record_update(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  const char *names[64];
  mu_value vals[64];
  char err[1024];
  luaL_checktype(L, 2, LUA_TTABLE);
  int n = mu_field_names(L, 2, r->e, names, vals, 64);
  mu_record_store(L, 1);
  mu_store *s = mu_checkopen(L, -1);
  if (mu_update(s, r->e, r->id, names, vals, (size_t)n, err, sizeof err)) return luaL_error(L, "%s", err);
  /* Refresh the cached values from the store (it may normalise them). */
  mu_record_get_by_id(L, lua_gettop(L), r->e, r->id);
  if (!lua_isnil(L, -1)) {
    lua_getiuservalue(L, -1, 2);
    lua_setiuservalue(L, 1, 2);
  }
  lua_settop(L, 1);
  return 1;
}

static int record_delete(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  char err[1024];
  mu_record_store(L, 1);
  if (mu_delete(mu_checkopen(L, -1), r->e, r->id, err, sizeof err)) return luaL_error(L, "%s", err);
  return 0;
}

/* rec:totable(): a plain table of the fields (nil fields absent). */
static int record_totable(lua_State *L) {
  mu_checkrecord(L, 1);
  lua_newtable(L);
  lua_getiuservalue(L, 1, 2);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_settable(L, -5);
  }
  lua_pop(L, 1);
  return 1;
}

/*
** Pushes the qualified value of measure field f of the record at idx (its
** values in field order, borrowed from the record's own table).
*/
static void push_measure(lua_State *L, int idx, const mu_field *f) {
  lrecord *r = mu_checkrecord(L, idx);
  mu_value row[64];
  mu_qv q;
  char err[256];
  int top = lua_gettop(L);
  luaL_checkstack(L, (int)r->e->nfields + 4, "record too wide");
  lua_getiuservalue(L, idx, 2);
  int t = lua_gettop(L);
  for (size_t i = 0; i < r->e->nfields && i < 64; i++) {
    lua_getfield(L, t, r->e->fields[i].name);   /* stays on the stack while row borrows it */
    row[i] = mu_tovalue(L, -1, r->e->fields[i].name);
  }
  if (mu_measure_row(r->e, f, row, &q, err, sizeof err)) luaL_error(L, "%s", err);
  lua_settop(L, top);
  mu_push_qv(L, &q);
}

/* The record's first measure field, or NULL. */
static const mu_field *first_measure(const mu_entity *e) {
  for (size_t i = 0; i < e->nmeasures; i++)
    if (e->measures[i].value) return mu_field_find(e, e->measures[i].value);
  return NULL;
}

/*
** rec:measure([field]) -> qualified value: the figure with its qualifier,
** unit, date, area and source ("at least 58 organisations (June 2012;
** source 3)"). Any number field may be named; the default is the entity's
** measure (an observation's value, a mutual's staff).
*/
static int record_measure(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  const mu_field *f = NULL;
  if (lua_isnoneornil(L, 2)) {
    f = first_measure(r->e);
    if (!f) return luaL_error(L, "%s has no measure: name a number field", r->e->name);
  } else {
    const char *name = luaL_checkstring(L, 2);
    if (!(f = mu_field_find(r->e, name))) return mu_no_field(L, r->e, name);
    if (!mu_field_numeric(f)) return luaL_error(L, "measure: %s.%s is not a number field", r->e->name, name);
  }
  push_measure(L, 1, f);
  return 1;
}

void mu_push_record_measure(lua_State *L, int idx, const char *field) {
  lrecord *r = mu_checkrecord(L, idx);
  const mu_field *f = field ? mu_field_find(r->e, field) : first_measure(r->e);
  if (!f || !mu_field_numeric(f)) luaL_error(L, "%s has no measure '%s'", r->e->name, field ? field : "");
  push_measure(L, lua_absindex(L, idx), f);
}

static int record_entity(lua_State *L) {
  lua_pushstring(L, mu_checkrecord(L, 1)->e->name);
  return 1;
}

static const luaL_Reg record_methods[] = {
  {"update", record_update},
  {"delete", record_delete},
  {"totable", record_totable},
  {"entity", record_entity},
  {"measure", record_measure},
  {NULL, NULL},
};

static int record_index(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  const char *k = luaL_checkstring(L, 2);
  lua_getiuservalue(L, 1, 2);
  if (lua_getfield(L, -1, k) != LUA_TNIL) return 1;
  if (mu_field_find(r->e, k)) return 1;   /* a field that is unknown (NULL) reads as nil */
  const mu_relation *rel = mu_relation_find(r->e, k);
  if (rel) return push_relation(L, 1, rel);
  for (const luaL_Reg *m = record_methods; m->name; m++)
    if (strcmp(m->name, k) == 0) {
      lua_pushcfunction(L, m->func);
      return 1;
    }
  if (mu_record_method(L, r->e, k)) return 1;
  return luaL_error(L, "%s has no field, relation or method '%s' (try help(record))", r->e->name, k);
}

static int record_newindex(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  return luaL_error(L, "%s records are read-only: use rec:update{%s = ...}", r->e->name,
                    luaL_optstring(L, 2, "field"));
}

static int record_eq(lua_State *L) {
  lrecord *a = luaL_testudata(L, 1, MU_RECORD_MT), *b = luaL_testudata(L, 2, MU_RECORD_MT);
  lua_pushboolean(L, a && b && a->e == b->e && a->id == b->id);
  return 1;
}

/* "mutual 1: MyCSP"; a figure without a name of its own reads as the figure:
   "observation 2: mutuals = at least 58 organisations (June 2012; source 3)". */
static int record_tostring(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  lua_getiuservalue(L, 1, 2);
  lua_getfield(L, -1, r->e->label);
  const char *label = luaL_tolstring(L, -1, NULL);
  const mu_field *m = r->e->key ? NULL : first_measure(r->e);
  if (m) {
    push_measure(L, 1, m);
    const char *figure = luaL_tolstring(L, -1, NULL);
    lua_pushfstring(L, "%s %I: %s = %s", r->e->name, (lua_Integer)r->id, label, figure);
  } else {
    lua_pushfstring(L, "%s %I: %s", r->e->name, (lua_Integer)r->id, label);
  }
  return 1;
}

/* Ordered iteration over fields for pairs(): state is the record, control the last field name. */
static int record_next(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  size_t i = 0;
  if (!lua_isnil(L, 2)) {
    int at = mu_field_index(r->e, luaL_checkstring(L, 2));
    i = at < 0 ? r->e->nfields : (size_t)at + 1;
  }
  lua_getiuservalue(L, 1, 2);
  for (; i < r->e->nfields; i++) {
    if (lua_getfield(L, -1, r->e->fields[i].name) != LUA_TNIL) {
      lua_pushstring(L, r->e->fields[i].name);
      lua_insert(L, -2);
      return 2;
    }
    lua_pop(L, 1);
  }
  lua_pushnil(L);
  return 1;
}

static int record_pairs(lua_State *L) {
  mu_checkrecord(L, 1);
  lua_pushcfunction(L, record_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* __members: fields, relations and methods, for the REPL's completion. */
static int record_members(lua_State *L) {
  lrecord *r = mu_checkrecord(L, 1);
  lua_Integer n = 0;
  lua_newtable(L);
  for (size_t i = 0; i < r->e->nfields; i++) {
    lua_pushstring(L, r->e->fields[i].name);
    lua_rawseti(L, -2, ++n);
  }
  for (size_t i = 0; i < r->e->nrels; i++) {
    lua_pushstring(L, r->e->rels[i].name);
    lua_rawseti(L, -2, ++n);
  }
  for (const luaL_Reg *m = record_methods; m->name; m++) {
    lua_pushstring(L, m->name);
    lua_rawseti(L, -2, ++n);
  }
  mu_method_names(L, r->e, 0);
  return 1;
}

void mu_open_record(lua_State *L) {
  static const luaL_Reg meta[] = {
    {"__members", record_members},
    {"__index", record_index},
    {"__newindex", record_newindex},
    {"__eq", record_eq},
    {"__tostring", record_tostring},
    {"__pairs", record_pairs},
    {NULL, NULL},
  };
  if (luaL_newmetatable(L, MU_RECORD_MT)) {
    luaL_setfuncs(L, meta, 0);
    luaL_newlib(L, record_methods);
    lua_setfield(L, -2, "methods");
  }
  lua_pop(L, 1);
}
