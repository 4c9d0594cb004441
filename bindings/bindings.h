/*
** bindings: turns the models layer into Lua values, and nothing else.
** Shared between the binding files; the public face is mutuals.h.
*/
#ifndef MUTUALS_BINDINGS_H
#define MUTUALS_BINDINGS_H

#include <lua.h>
#include <lauxlib.h>
#include "../models/model.h"

#define MU_STORE_MT "mutuals.store"
#define MU_RECORD_MT "mutuals.record"
#define MU_COLLECTION_MT "mutuals.collection"
#define MU_CURSOR_MT "mutuals.cursor"
#define MU_QVALUE_MT "mutuals.qvalue"

typedef struct {
  mu_store *s;      /* NULL once closed */
  int read_only;    /* db:sql may only read (a sandboxed script's store) */
  int in_use;       /* C frames running Lua code while they hold s (a transaction's fn, an import's transform) */
} lstore;

typedef struct {
  const mu_entity *e;
  long long id;
} lrecord;

typedef struct {
  mu_query q;
} lcollection;

/* store.c */
void mu_open_store(lua_State *L);
lstore *mu_checkstore(lua_State *L, int idx);
mu_store *mu_checkopen(lua_State *L, int idx);
int mu_push_store(lua_State *L, const char *path, int flags);

/* record.c */
void mu_open_record(lua_State *L);
void mu_push_record(lua_State *L, int store_idx, const mu_entity *e, const mu_value *row);
lrecord *mu_checkrecord(lua_State *L, int idx);
void mu_record_store(lua_State *L, int idx);      /* pushes the record's store */
void mu_push_record_measure(lua_State *L, int idx, const char *field);   /* NULL: the entity's measure */
int mu_record_get_by_id(lua_State *L, int store_idx, const mu_entity *e, long long id);

/* collection.c */
void mu_open_collection(lua_State *L);
lcollection *mu_push_collection(lua_State *L, int store_idx, const mu_entity *e);
lcollection *mu_checkcollection(lua_State *L, int idx);
void mu_collection_store(lua_State *L, int idx);  /* pushes the collection's store */

/* values.c */
mu_value mu_tovalue(lua_State *L, int idx, const char *what);
void mu_pushvalue(lua_State *L, const mu_value *v);
void mu_pushcolumn(lua_State *L, sqlite3_stmt *st, int col);
void mu_push_errors(lua_State *L, const char *head, const char *errors);
int mu_no_field(lua_State *L, const mu_entity *e, const char *name);   /* raises, listing the fields */
int mu_field_names(lua_State *L, int tidx, const mu_entity *e, const char **names,
                   mu_value *vals, size_t max);

/* qvalue.c */
void mu_open_qvalue(lua_State *L);          /* adds qualified to the module table on top */
mu_qv *mu_checkqv(lua_State *L, int idx);
void mu_push_qv(lua_State *L, const mu_qv *q);
void mu_toqv(lua_State *L, int idx, mu_qv *out);   /* a qualified value or a plain number */

/* analysis.c: the survey methods and the table of every entity-specific method */
typedef struct {
  const char *entity, *name;
  int collection;                                  /* 0: a method of records; 1: of collections */
  lua_CFunction f;
} mu_method;
void mu_open_analysis(lua_State *L);               /* adds functions to the module table on top */
lrecord *mu_check_entity_record(lua_State *L, int idx, const char *entity, const char *method);
lcollection *mu_check_entity_collection(lua_State *L, int idx, const char *entity, const char *method);
int mu_record_method(lua_State *L, const mu_entity *e, const char *name);     /* pushes method or returns 0 */
int mu_collection_method(lua_State *L, const mu_entity *e, const char *name); /* likewise */
void mu_method_names(lua_State *L, const mu_entity *e, int collection);      /* appends to the table on top */

/* stats.c: mutuals.wilson and mutuals.two_prop */
void mu_open_stats(lua_State *L);
void mu_push_test(lua_State *L, double p1, double n1, double p2, double n2);
void mu_check_keys(lua_State *L, int t, const char *const *keys, const char *fn);  /* raises for unknown options */
int mu_show(lua_State *L);   /* mutuals.show(x [, opts]): x as an aligned table (show.lua) */

/* microdata.c: design-based crosstabs, tests and microdata import */
extern const mu_method mu_microdata_methods[];
int mu_survey_difference(lua_State *L);
int mu_survey_crosstab_design(lua_State *L);

/* targets.c: growth, progress toward targets, deadlines */
extern const mu_method mu_target_methods[];
void mu_open_targets(lua_State *L);

/* io.c */
int mu_l_import(lua_State *L);
int mu_l_export(lua_State *L);
int mu_export_query(lua_State *L, mu_store *s, const mu_query *q, int opts);   /* io.c */
int mu_l_undo(lua_State *L);
mu_format mu_checkformat(lua_State *L, int opts, const char *file);

/* remote.c */
int mu_l_sync(lua_State *L);
void mu_open_remote(lua_State *L);          /* adds fetch to the module table on top */

/* lualib.c */
void mu_open_lualib(lua_State *L);          /* base64, and preloads mutuals.report */

/* help.c */
void mu_open_help(lua_State *L);

#endif
