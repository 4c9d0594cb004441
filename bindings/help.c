/*
** mutuals.help(x): the documentation of a mutuals type, function or entity,
** built from the entity descriptions (fields, relations) and the method
** docs below, so that it cannot drift from what the objects really offer.
*/
#include <string.h>
#include "bindings.h"

typedef struct { const char *name, *doc; } doc_entry;

static const doc_entry module_docs[] = {
  {"open", "mutuals.open([path [, {readonly = true}]]) -> store | nil, message\n"
           "  Opens (creating and loading the bundled dataset if new) the store at path,\n"
           "  default mutuals.default_path(). Use `local db <close> = mutuals.open()`."},
  {"store", "mutuals.store() -> store\n  The shared default store, opened on first use; raises if it cannot be opened."},
  {"default_path", "mutuals.default_path() -> path\n  $MUTUALS_DB, else ${XDG_DATA_HOME:-~/.local/share}/mutuals/store.db."},
  {"wilson", "mutuals.wilson(share, n [, z]) | mutuals.wilson{count =, n = [, z =]} -> lo, hi\n"
             "  Wilson score interval (95% by default); n must be a whole number > 0, the share in [0, 1]."},
  {"two_prop", "mutuals.two_prop(p1, n1, p2, n2) | mutuals.two_prop{count_a =, n_a =, count_b =, n_b =}\n"
               "  -> {diff, z, p, ...}  two-proportion z-test, two-sided; arguments are checked."},
  {"growth", "mutuals.growth(from, to) -> {ratio, cagr, qualifier, years_min, years_max, from, to}\n"
             "  Growth between two figures; ratio and cagr are qualified values that keep bounds\n"
             "  ('at least 6.4-fold'), the rate spanning every day the dates allow ('2010' is all of 2010)."},
  {"qualified", "mutuals.qualified(value [, qualifier [, {unit =, as_of =, geography =, source =, nonneg =}]])\n"
                "  -> a qualified value: exact, at_least, more_than, at_most, up_to, less_than,\n"
                "  approximately, around or unknown (value nil). help(q) for what it does."},
  {"sum", "mutuals.sum(list [, {nonneg = true}]) -> qualified value  (false in the list: unknown)"},
  {"max", "mutuals.max(list) -> qualified value: what is known of the largest"},
  {"min", "mutuals.min(list) -> qualified value: what is known of the smallest"},
  {"date_span", "mutuals.date_span(date) -> first, last  days (since 1970) a date covers: '2010' is all of 2010"},
  {"help", "mutuals.help([x]) -> text\n  Documentation of a store, collection, record, function or entity name."},
  {"entities", "mutuals.entities() -> {name, ...}\n  The collection names a store offers."},
  {"show", "mutuals.show(x [, {width, limit, columns}]) -> text\n  A collection, a list of records or db:sql's rows as an "
           "aligned table: the row count, columns fitted to width\n  ($COLUMNS or 100), long cells cut with '…', an "
           "unknown shown as NULL; limit rows (20; false for all).\n  The REPL prints collections and query results so."},
  {"clock", "mutuals.clock() -> seconds\n  A monotonic wall clock, for timing a step: local t = mutuals.clock(); ...; "
            "print(mutuals.clock() - t)."},
  {"base64", "mutuals.base64(bytes) -> text  standard Base64 (a chart's PNG inside an HTML page)"},
  {"fetch", "mutuals.fetch(url [, opts]) -> {status, body, headers, sha256, bytes, attempts} | nil, message\n"
            "  GET over http/https only; TLS verified; opts: timeout, connect_timeout, low_speed_time (s),\n"
            "  max_bytes, max_redirects, retries, backoff, max_retry_time (s), progress, etag, last_modified."},
  {NULL, NULL},
};

static const doc_entry store_docs[] = {
  {"close", "db:close()  closes the store (also on <close> and garbage collection)"},
  {"path", "db:path() -> path of the database file"},
  {"transaction", "db:transaction(fn, ...) -> fn's results\n"
                  "    commits when fn returns; rolls back everything when fn raises, and re-raises"},
  {"read", "db:read(fn, ...) -> fn's results\n"
           "    a read-only transaction: one consistent snapshot for fn, no write lock taken, writes refused"},
  {"sql", "db:sql(statement, ...) -> rows, changes\n    raw SQL; values only as ? parameters"},
  {"init", "db:init()  drops everything and reloads the bundled dataset"},
  {"check", "db:check() -> {{kind, key, message, known}, ...}, unexplained\n"
            "    what contradicts itself: claims that cannot both be true, rival figures, derived\n"
            "    figures that no longer match, facts held twice, rows without a source"},
  {"collection", "db:collection(name) -> collection (same as db[name])"},
  {"import", "db:import(kind, file [, {format, mode = 'insert'|'upsert'|'replace', dry_run, map, ignore,\n"
             "    max_errors}]) -> rows, {inserted, updated, unchanged, import}\n"
             "    all or nothing; raises FILE:LINE: field: reason for each bad row; upsert matches rows by\n"
             "    natural key (or UNIQUE columns, or content) and updates the columns given; replace makes\n"
             "    such rows what the file says; map = {column = 'field'}, ignore = {'column'};\n"
             "    transform = function(row) -> fields or nil (leave the row out), for what mapping cannot do"},
  {"export", "db:export(kind [, {format = 'csv'|'json'|'jsonl', out = file, ids = false, fields = {...}}])\n"
             "    references by natural key, so another store can import it; ids = true: this store's ids"},
  {"undo", "db:undo(import_id [, {dry_run = true}]) -> {deleted, restored}\n"
           "    take an import back (mutuals imports lists them), or raise saying what depends on it"},
  {"sync", "db:sync(kind, url [, opts]) -> {rows, not_modified, offline, source, ...} | nil, message\n"
           "    fetch and import in one transaction, replacing the rows the URL gave before;\n"
           "    a 304 keeps them; {offline = true} uses what is stored; opts as mutuals.fetch, plus format"},
  {NULL, NULL},
};

static const doc_entry collection_docs[] = {
  {"where", "c:where{field = value, field = {op, value}} | c:where(field, [op,] value) -> collection"},
  {"order", "c:order('name', '-staff') | c:order('staff', 'desc') -> collection"},
  {"limit", "c:limit(n) -> collection"},
  {"offset", "c:offset(n) -> collection"},
  {"count", "c:count() -> n (also #c)"},
  {"sum", "c:sum(field) -> total: a qualified value for a measure or a field that may be unknown\n"
          "    (bounds stay bounds; an unknown is never 0); two claims of one quantity are refused"},
  {"avg", "c:avg(field) -> mean (qualified, as sum)"},
  {"min", "c:min(field) -> smallest (qualified: what is known of it)"},
  {"max", "c:max(field) -> largest (qualified: what is known of it)"},
  {"group", "c:group(by [, 'sum'|'avg'|'min'|'max', field]) -> {{[by]=, count=, sum=}, ...}"},
  {"rows", "for rec in c:rows() do ... end  lazily, one record at a time"},
  {"values", "for a, b in c:values('a', 'b') do ... end  lazily, just those fields: fast over large data"},
  {"list", "c:list() -> {record, ...}"},
  {"first", "c:first() -> record | nil"},
  {"get", "c:get(id | key) -> record | nil"},
  {"insert", "c:insert{field = value, ...} -> record (validated)"},
  {"entity", "c:entity() -> entity name"},
  {"fields", "c:fields() -> {field name, ...}"},
  {"table", "c:table([{width, limit, columns}]) -> text\n  The collection as an aligned table (mutuals.show)."},
  {"export", "c:export([path,] [{format = 'csv'|'json'|'jsonl', fields = {...}, ids}]) -> text | true\n"
             "  The collection's own rows (its conditions), as db:export writes a whole one; to path atomically."},
  {"overdue", "recommendations:overdue(as_of) -> past the deadline with a known status that is not done"},
  {"past_deadline", "recommendations:past_deadline(as_of) -> past the deadline, whatever the status"},
  {NULL, NULL},
};

static const doc_entry record_docs[] = {
  {"update", "rec:update{field = value, ...} -> rec (validated)"},
  {"delete", "rec:delete()"},
  {"totable", "rec:totable() -> plain table of fields"},
  {"entity", "rec:entity() -> entity name"},
  {"shares", "survey:shares{question =, by = 'overall'|'department'|'grade'|'answer', source =}\n"
             "    -> rows {option, label, group, share, qualifier, n, lo, hi, source}; lo/hi only with a base"},
  {"crosstab", "survey:crosstab{question =, by = var | {var, ...}, where = {var = value}, ci = 'logit'|'beta'|'wilson',\n"
               "    level = 0.95, min_base =} -> cells {group, option, n, weight, share, se, deff, n_eff, df, lo, hi,\n"
               "    suppressed, why}, with .totals (each group), .overall (each answer), .all and .without_group\n"
               "    (answered, no value for the breakdown): design-based, as R's\n"
               "    survey; var: a question or a respondent attribute; small groups suppressed (min_base, store\n"
               "    default 10); a share, SE or interval that does not exist is nil, and why says why"},
  {"mean", "survey:mean{question =, scores = {option = score, ...}, by =, where =, level = 0.95, min_base =}\n"
           "    -> rows {group, mean, se, lo, hi, deff, df, n, weight, suppressed, why}, with .all and .unscored:\n"
           "    design-based mean of the options' scores (svymean, na.rm = TRUE; unscored options out of the base);\n"
           "    without scores the options must be numbers themselves"},
  {"chisq", "survey:chisq{a, b, where =} -> {f, ndf, ddf, p, chisq}: Rao-Scott test of association (svychisq)"},
  {"difference", "survey:difference{question =, option =, by =, a =, b =, level = 0.95, min_base =}\n"
                 "    -> {share_a, share_b, diff, se, z, p, lo, hi, n_a, n_b, why}: design-based; refused when a group's\n"
                 "    base is under the disclosure threshold (min_base, store default 10) or is one respondent"},
  {"import", "survey:import(file, {form = 'wide'|'long', id =, weight =, strata =, psu =, fpc =}) ->\n"
             "    {respondents, answers}: a supplier's microdata, all or nothing; other columns are attributes;\n"
             "    a long file's rows in any order, each respondent's rows agreeing on design and attributes"},
  {"compare", "survey:compare{question =, option =, by =, a =, b =} -> {diff, z, p, ...} | nil, why\n"
              "    design-based with microdata, else published shares with published bases"},
  {"measure", "rec:measure([field]) -> qualified value of a figure: qualifier, unit, date, area, source"},
  {"growth", "obs:growth(other) -> {ratio, cagr, qualifier, years_min, years_max} (see mutuals.growth)"},
  {"progress", "target:progress{as_of =, metric = 'staff'} -> {target, due, figure_date, observations =\n"
               "    {{observation, figure, share}}}: the latest figures dated no later than as_of and the\n"
               "    target's date, each share of the target a qualified value"},
  {NULL, NULL},
};

static const doc_entry qvalue_docs[] = {
  {"fields", "q.value (the stated number; nil for a range or unknown), q.lo, q.hi (nil where unbounded),\n"
             "    q.qualifier, q.known, q.approximate, q.unit, q.as_of, q.geography, q.sources,\n"
             "    q.n_terms, q.n_known (an aggregate: how many terms were known)"},
  {"text", "q:text([{unit = false}]) -> 'at least 58 organisations'; tostring(q) adds date, area, sources"},
  {"contains", "q:contains(x) -> whether x is a value the figure allows"},
  {"arithmetic", "q + x, q - x, q * x, q / x, -q  by interval rules: bounds stay bounds, an unknown\n"
                 "    stays unknown, units must agree; q < x and q <= x raise when the figures allow either"},
  {NULL, NULL},
};

/* The report library (bindings/report.lua): local report = require "mutuals.report". */
static const doc_entry report_docs[] = {
  {"new", "report.new{title =, subtitle =, db =, as_of =, strict =} -> r\n"
          "    a report; strict: rendering refuses a sentence, table or chart without a citation"},
  {"heading", "r:heading(text [, level = 2]) -> r"},
  {"paragraph", "r:paragraph(text [, sources]) -> r  the sources' marks end the text, before its full stop"},
  {"table", "r:table{columns =, rows =, caption =, name =, align = {'l', 'r', ...}, sources =} -> r\n"
            "    cells may be qualified values: shown as 'at least 58', typed in the CSV and JSON"},
  {"chart", "r:chart{type = 'bar'|'line'|'stacked', labels =, series = {{name =, values =}}, percent =, sources =}\n"
            "    | r:chart{type = 'time', series = report.series(observations), ylabel =, sources =} -> r\n"
            "    a time axis proportional to dates, each figure over the period its date covers, bounds as bounds"},
  {"series", "report.series(observations [, {name = function}]) -> {series, ...}, with .undated\n"
             "    split so that no series mixes a metric, unit, geography, or levels with changes"},
  {"cite", "r:cite(source id | record) -> '[n]'  the citation mark, numbered in order of first use"},
  {"cite_all", "r:cite_all({ids, records or qualified values}) -> '[1][3]'  each source once"},
  {"figure", "r:figure(observation | qualified value [, {unit = true}]) -> 'at least 58 [1]'"},
  {"render", "r:render('html'|'md'|'csv'|'json' [, {charts = false}]) -> text  (what mutuals report writes;\n"
             "    charts = false: each chart's data as a table, no gnuplot needed; the JSON follows\n"
             "    doc/report.schema.json, the CSV is one tidy table of cells with their figures)"},
  {"markdown", "r:markdown(), r:html(), r:csv(), r:json() -> text  each as r:render(kind)"},
  {"drawn", "r:drawn([kind]) -> {bytes, ...}  the charts drawn once per render ({missing = true} without gnuplot)"},
  {"save_charts", "r:save_charts(dir [, 'svg'|'png']) -> {path, ...}  each chart as a file (needs gnuplot)"},
  {"source_list", "r:source_list() -> {{mark, text, location}, ...}  the sources cited, in order"},
  {"uncited", "report.uncited(r) -> {what, ...}  sentences, tables and charts without a citation"},
  {"format", "report.format.number(n [, decimals]), .percent(share [, decimals]), .money(v), .date(d),\n"
             "    .qualified(q | value, unit, qualifier), .qualifier(name)  text for figures, never losing a bound"},
  {"is_qualified", "report.is_qualified(x) -> whether x is a qualified value"},
  {"draw", "report.draw(chart [, 'svg'|'png']) -> bytes; report.draw_many(charts, kind): one gnuplot for all"},
  {"sentences", "report.sentences(text) -> {sentence, ...}  as strict mode checks them"},
  {NULL, NULL},
};

static void add_docs(luaL_Buffer *b, const char *title, const doc_entry *d) {
  luaL_addstring(b, title);
  for (; d->name; d++) {
    luaL_addstring(b, "\n  ");
    luaL_addstring(b, d->doc);
  }
  luaL_addchar(b, '\n');
}

/*
** A record's methods: those of every record ("rec:"), and those of its own
** kind only (a survey's crosstab, a programme's progress, growth for a row
** with a figure): help on a mutual does not list what a mutual cannot do.
*/
static void add_record_docs(luaL_Buffer *b, const mu_entity *e) {
  if (!e) {   /* the reference: every kind's */
    add_docs(b, "record methods (rec: every record; survey:, target:, obs: those kinds only):", record_docs);
    return;
  }
  int has_measure = e->nmeasures > 0 && e->measures[0].value != NULL;
  luaL_addstring(b, "methods:");
  for (const doc_entry *d = record_docs; d->name; d++) {
    size_t n = strcspn(d->doc, ":");
    int mine = strncmp(d->doc, "rec", n) == 0 && n == 3;
    if (strncmp(d->doc, "survey:", 7) == 0) mine = strcmp(e->name, "survey") == 0;
    else if (strncmp(d->doc, "target:", 7) == 0) mine = strcmp(e->name, "programme") == 0;
    else if (strncmp(d->doc, "obs:", 4) == 0) mine = has_measure;
    if (!mine) continue;
    luaL_addstring(b, "\n  ");
    luaL_addstring(b, d->doc);
  }
  luaL_addchar(b, '\n');
}

/*
** How a file's row is found again in the store (import --mode upsert or replace, and so the round trip of an
** export): the natural key, else the table's UNIQUE columns, else the row's whole content. The UNIQUE
** columns are the store's own schema: named when a store is at hand.
*/
static void add_identity(luaL_Buffer *b, const mu_entity *e, mu_store *s) {
  const mu_field *ident[MU_MERGE_MAX];
  int n = s ? mu_identity(s, e, ident, MU_MERGE_MAX) : 0;
  luaL_addstring(b, "\nidentity (how an import finds a row again): ");
  if (e->key) {
    luaL_addstring(b, "its natural key, ");
    luaL_addstring(b, e->key);
    luaL_addstring(b, ", or an alias of it");
  } else if (n > 0) {
    for (int k = 0; k < n; k++) {
      if (k) luaL_addstring(b, " and ");
      luaL_addstring(b, ident[k]->name);
    }
    luaL_addstring(b, " (the table's UNIQUE columns)");
  } else if (s) {
    luaL_addstring(b, "its content: every column a file gives (no key: two rows saying the same are one row)");
  } else {
    luaL_addstring(b, "its table's UNIQUE columns, else its content (help(db.");
    luaL_addstring(b, e->plural);
    luaL_addstring(b, ") names them)");
  }
}

static void add_entity(luaL_Buffer *b, const mu_entity *e, mu_store *s) {
  luaL_addstring(b, e->name);
  luaL_addstring(b, " (collection db.");
  luaL_addstring(b, e->plural);
  luaL_addstring(b, "): ");
  luaL_addstring(b, e->doc);
  luaL_addstring(b, "\nfields:");
  for (size_t i = 0; i < e->nfields; i++) {
    luaL_addstring(b, "\n  ");
    luaL_addstring(b, e->fields[i].name);
    luaL_addstring(b, " - ");
    luaL_addstring(b, e->fields[i].doc);
  }
  add_identity(b, e, s);
  if (e->nrels) luaL_addstring(b, "\nrelations:");
  for (size_t i = 0; i < e->nrels; i++) {
    luaL_addstring(b, "\n  ");
    luaL_addstring(b, e->rels[i].name);
    luaL_addstring(b, e->rels[i].kind == MU_REL_ONE ? " -> " : " -> collection of ");
    luaL_addstring(b, e->rels[i].target);
    luaL_addstring(b, ": ");
    luaL_addstring(b, e->rels[i].doc);
  }
  luaL_addchar(b, '\n');
}

static int doc_lookup(lua_State *L, const doc_entry *d, const char *name) {
  for (; d->name; d++)
    if (strcmp(d->name, name) == 0) {
      lua_pushstring(L, d->doc);
      return 1;
    }
  return 0;
}

/* Is the value at idx the report library (require "mutuals.report"), or a report made by it? */
static int is_report(lua_State *L, int idx) {
  int found = 0;
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, "mutuals.report") == LUA_TTABLE) {
    found = lua_rawequal(L, idx, -1);
    if (!found && lua_getmetatable(L, idx)) {
      lua_getfield(L, -2, "Report");
      found = lua_rawequal(L, -1, -2);
      lua_pop(L, 2);
    }
  }
  lua_pop(L, 2);
  return found;
}

/*
** help("all"): the whole reference, every section in turn; the manual page
** mutuals-api(7) is generated from it (doc/api.lua), so the two cannot drift.
*/
static void add_all(lua_State *L, luaL_Buffer *b) {
  (void)L;
  add_docs(b, "MODULE: local mutuals = require \"mutuals\"", module_docs);
  add_docs(b, "\nSTORE: db = mutuals.open(path) or mutuals.store()", store_docs);
  add_docs(b, "\nCOLLECTION: db.mutuals, db.bodies, ...: a lazy query, run in SQL", collection_docs);
  luaL_addstring(b, "\nRECORD: a row, from c:get(), c:first(), c:rows(), c:list()\n");
  add_record_docs(b, NULL);
  add_docs(b, "\nQUALIFIED VALUE: a figure as its source states it, with what is known of it", qvalue_docs);
  add_docs(b, "\nREPORT: local report = require \"mutuals.report\"", report_docs);
  luaL_addstring(b, "\nENTITIES\n");
  for (const mu_entity *const *e = mu_entities; *e; e++) {
    luaL_addchar(b, '\n');
    add_entity(b, *e, NULL);
  }
}

static int l_help(lua_State *L) {
  luaL_Buffer b;
  if (lua_isnoneornil(L, 1)) {
    luaL_buffinit(L, &b);
    add_docs(&b, "mutuals: UK public service mutuals as Lua objects.\n", module_docs);
    luaL_addstring(&b, "\nhelp(db), help(db.mutuals), help(record), help('mutual'), help(report) for more;\n"
                       "help('all') for everything (also man 7 mutuals-api).\n");
    luaL_pushresult(&b);
    return 1;
  }
  if (luaL_testudata(L, 1, MU_STORE_MT)) {
    luaL_buffinit(L, &b);
    add_docs(&b, "store: the SQLite store. Methods:", store_docs);
    luaL_addstring(&b, "collections:");
    for (const mu_entity *const *e = mu_entities; *e; e++) {
      luaL_addstring(&b, " db.");
      luaL_addstring(&b, (*e)->plural);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    return 1;
  }
  lcollection *c = luaL_testudata(L, 1, MU_COLLECTION_MT);
  if (c) {
    luaL_buffinit(L, &b);
    lua_getiuservalue(L, 1, 1);   /* the collection's store */
    mu_store *s = luaL_testudata(L, -1, MU_STORE_MT) ? mu_checkstore(L, -1)->s : NULL;
    lua_pop(L, 1);
    add_docs(&b, "collection: a lazy query, run in SQL. Methods:", collection_docs);
    add_entity(&b, c->q.e, s);
    luaL_pushresult(&b);
    return 1;
  }
  if (luaL_testudata(L, 1, MU_QVALUE_MT)) {
    luaL_buffinit(L, &b);
    add_docs(&b, "qualified value: a figure as its source states it, with what is known of it.", qvalue_docs);
    luaL_pushresult(&b);
    return 1;
  }
  lrecord *r = luaL_testudata(L, 1, MU_RECORD_MT);
  if (r) {
    luaL_buffinit(L, &b);
    mu_record_store(L, 1);
    mu_store *s = luaL_testudata(L, -1, MU_STORE_MT) ? mu_checkstore(L, -1)->s : NULL;
    lua_pop(L, 1);
    add_entity(&b, r->e, s);
    add_record_docs(&b, r->e);
    luaL_pushresult(&b);
    return 1;
  }
  if (lua_type(L, 1) == LUA_TTABLE && is_report(L, 1)) {
    luaL_buffinit(L, &b);
    add_docs(&b, "report: a cited report, rendered as HTML, Markdown, CSV or JSON.", report_docs);
    luaL_pushresult(&b);
    return 1;
  }
  if (lua_type(L, 1) == LUA_TSTRING) {
    const char *name = lua_tostring(L, 1);
    if (strcmp(name, "all") == 0) {
      luaL_buffinit(L, &b);
      add_all(L, &b);
      luaL_pushresult(&b);
      return 1;
    }
    if (strcmp(name, "report") == 0) {
      luaL_buffinit(L, &b);
      add_docs(&b, "report: a cited report, rendered as HTML, Markdown, CSV or JSON.", report_docs);
      luaL_pushresult(&b);
      return 1;
    }
    const mu_entity *e = mu_entity_find(name);
    if (e) {
      luaL_buffinit(L, &b);
      add_entity(&b, e, NULL);
      luaL_pushresult(&b);
      return 1;
    }
    if (doc_lookup(L, module_docs, name) || doc_lookup(L, store_docs, name) ||
        doc_lookup(L, collection_docs, name) || doc_lookup(L, record_docs, name) || doc_lookup(L, report_docs, name))
      return 1;
    return luaL_error(L, "help: nothing is documented under '%s'", name);
  }
  if (lua_iscfunction(L, 1)) {
    /* A module function: find its name in the module table. */
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "mutuals");
    lua_pushnil(L);
    while (lua_istable(L, -2) && lua_next(L, -2)) {
      if (lua_rawequal(L, -1, 1) && lua_type(L, -2) == LUA_TSTRING &&
          doc_lookup(L, module_docs, lua_tostring(L, -2)))
        return 1;
      lua_pop(L, 1);
    }
  }
  lua_pushfstring(L, "no mutuals documentation for this %s", luaL_typename(L, 1));
  return 1;
}

void mu_open_help(lua_State *L) {
  lua_pushcfunction(L, l_help);
  lua_setfield(L, -2, "help");
}
