-- Import and export: round trips, and bad files that must leave the store unchanged.
local mutuals = require "mutuals"
local util = require "tests.spec.util"

-- Every table's export, to compare two stores.
local function snapshot(db, kinds)
  local t = {}
  for _, k in ipairs(kinds) do t[k] = db:export(k) end
  return t
end

describe("export and import", function()
  local db, path, dir
  before_each(function() db, path, dir = util.fresh() end)
  after_each(function() util.drop(db, path) end)

  it("exports CSV with references by natural key and no store ids, or with ids when asked", function()
    local csv = db:export("bodies")
    assert.are.equal("abbrev,name,tier,source", csv:match("^[^\n]+"))
    assert.matches('\n"DWP","Department for Work and Pensions","central","seed000"\n', csv, 1, true)
    local with_ids = db:export("bodies", {ids = true})
    assert.are.equal("id,abbrev,name,tier,source_id", with_ids:match("^[^\n]+"))
    assert.matches('\n1,"DWP","Department for Work and Pensions","central",1\n', with_ids, 1, true)
  end)

  it("exports JSON with every field, an unknown as null", function()
    local json = db:export("mutuals", {format = "json"})
    assert.matches('^%[\n{"name":"MyCSP","parent":"DWP",', json)
    assert.truthy(json:find('"staff":null', 1, true))
  end)

  it("exports JSON Lines: one object a line, no array", function()
    local jsonl = db:export("mutuals", {format = "jsonl"})
    local n = 0
    for line in jsonl:gmatch("[^\n]+") do
      n = n + 1
      assert.matches("^{.*}$", line)
    end
    assert.are.equal(db.mutuals:count(), n)
  end)

  it("refuses unknown options", function()
    assert.has_error(function() db:export("bodies", {id = true}) end)
    assert.has_error(function() db:import("bodies", "x.csv", {mod = "upsert"}) end)
  end)

  for _, format in ipairs{"csv", "json"} do
    it("round-trips every entity through " .. format .. " into an empty store", function()
      local kinds = mutuals.entities()
      local files = {}
      for _, k in ipairs(kinds) do
        files[k] = dir .. "/" .. k .. "." .. format
        assert.is_true(db:export(k, {out = files[k], format = format}))
      end
      local empty <close> = assert(mutuals.open(dir .. "/empty.db", {empty = true}))
      assert.are.equal(0, empty.mutuals:count())
      empty:transaction(function()
        for _, k in ipairs(kinds) do empty:import(k, files[k], {format = format}) end
      end)
      -- the imports record nothing of their own: every row named its source
      assert.are.same(snapshot(db, kinds), snapshot(empty, kinds))
    end)
  end

  it("imports relations by natural key and records the file as the source", function()
    local f = dir .. "/new.csv"
    util.write(f, "name,parent,status,staff\nProbation Mutual,MoJ,pipeline,120\nYouth Co,DfE,proposed,\n")
    assert.are.equal(2, db:import("mutuals", f))
    local m = db.mutuals:get("Probation Mutual")
    assert.are.equal("MoJ", m.parent.abbrev)
    assert.are.equal(120, m.staff)
    assert.is_nil(db.mutuals:get("Youth Co").staff)
    assert.are.equal("import", m.source.kind)
    assert.are.equal(f, m.source.location)
    assert.are.equal(2, m.source.rows)
  end)

  it("streams JSON Lines", function()
    local f = dir .. "/s.jsonl"
    util.write(f, '{"name": "Transport", "source": "seed001"}\n\n{"name": "Prisons", "source": "seed001"}\n')
    assert.are.equal(2, db:import("sectors", f))
    assert.are.equal("seed001", db.sectors:get("Prisons").source.key)
  end)

  local bad = {
    {"wrong type", "name,status,staff\nA,operating,many\n", "x.csv:2: staff: 'many' is invalid: must be a whole number"},
    {"missing column", "name,staff\nA,1\n", "x.csv:1: missing column 'status' (required for mutual)"},
    {"unknown column", "name,status,colour\nA,operating,red\n", "x.csv:1: column 'colour' is not a field of mutual"},
    {"unknown department", "name,parent,status\nA,XYZ,operating\n", "x.csv:2: parent: no body with abbrev, name or alias 'XYZ'"},
    {"duplicate key", "name,status\nA,operating\nA,operating\n",
     "x.csv:3: duplicate: the store already has a mutual with name 'A' (use --mode upsert to update it)"},
    {"duplicate of a stored key", "name,status\nMyCSP,operating\n",
     "x.csv:2: duplicate: the store already has a mutual with name 'MyCSP'"},
    {"broken quoting", 'name,status\n"A,operating\n', "x.csv:2: malformed CSV"},
    {"invalid UTF-8", "name,status\n\255\254,operating\n", "x.csv:2: name: is not valid UTF-8"},
    {"empty file", "", "x.csv: empty file: expected a header line"},
    {"ragged row", "name,status\nA,operating,extra\n", "x.csv:2: expected 2 fields, found 3"},
    {"bad enum", "name,status\nA,Operating\n", "x.csv:2: status: 'Operating' is invalid: must be one of"},
    {"dangling reference", "name,status,parent_id\nA,operating,999\n", "x.csv:2: parent_id: no body has id 999"},
    {"bad date", "name,status,spun_out\nA,operating,31/12/2012\n", "x.csv:2: spun_out: '31/12/2012' is invalid"},
  }
  for _, case in ipairs(bad) do
    it("rejects a file with " .. case[1] .. ", naming file, line and field, writing nothing", function()
      local f = dir .. "/x.csv"
      util.write(f, "ok,status\n") -- replaced below; keeps the name in messages short
      util.write(f, case[2])
      local before = snapshot(db, {"mutuals", "sources"})
      local ok, err = pcall(db.import, db, "mutuals", f)
      assert.is_false(ok)
      assert.matches(case[3]:gsub("x%.csv", f), err, 1, true)
      assert.matches("nothing was written", err, 1, true)
      assert.are.same(before, snapshot(db, {"mutuals", "sources"}))
    end)
  end

  it("reports every bad row, up to a limit", function()
    local f = dir .. "/many.csv"
    local rows = {"name,status,staff"}
    for i = 1, 30 do rows[#rows + 1] = ("M%d,operating,-%d"):format(i, i) end
    util.write(f, table.concat(rows, "\n") .. "\n")
    local ok, err = pcall(db.import, db, "mutuals", f, {max_errors = 5})
    assert.is_false(ok)
    local _, n = err:gsub("staff: '%-%d+' is invalid", "")
    assert.are.equal(5, n)
    assert.matches("stopped after 5 errors; later rows were not checked", err, 1, true)
  end)

  it("rejects malformed JSON with its line", function()
    local f = dir .. "/bad.json"
    util.write(f, '[{"name": "A", "status": "operating"},\n {"name": }]')
    local ok, err = pcall(db.import, db, "mutuals", f)
    assert.is_false(ok)
    assert.matches(f .. ":2: malformed JSON", err, 1, true)
  end)

  it("names the element of a JSON array", function()
    local f = dir .. "/bad2.json"
    util.write(f, '[{"name": "A", "status": "operating"}, {"name": "B", "status": 7}]')
    local ok, err = pcall(db.import, db, "mutuals", f)
    assert.is_false(ok)
    assert.matches(f .. ": element 2: status:", err, 1, true)
    assert.is_nil(db.mutuals:get("A"))
  end)

  it("leaves the previous file in place when an export cannot be written", function()
    local out = dir .. "/keep.csv"
    util.write(out, "previous\n")
    assert.has_error(function() db:export("nope", {out = out}) end)
    assert.are.equal("previous\n", util.read(out))
    assert.has_error(function() db:export("mutuals", {out = dir .. "/no/such/dir/x.csv"}) end)
  end)
end)

-- A large import sets the table's plain indexes aside and builds them again
-- (models/bulk.c); whatever happens, the store ends with the same indexes.
-- (Observations: since migration 10 the responses table has only its UNIQUE key.)
describe("bulk import", function()
  local db, path, dir
  before_each(function() db, path, dir = util.fresh() end)
  after_each(function() util.drop(db, path) end)

  local function index_sql()
    local rows = db:sql("SELECT sql FROM sqlite_schema WHERE tbl_name = 'observations' AND type = 'index'"
                        .. " AND sql IS NOT NULL")
    return #rows == 1 and rows[1].sql or nil
  end
  local function observations(n, last, prefix)
    local t = {"metric,subject_type,value,unit,as_of,source"}
    for i = 1, n do t[#t + 1] = ("%s%04d,sector,%d,people,2012-0%d,seed000"):format(prefix or "m", i, i, i % 9 + 1) end
    if last then t[#t + 1] = last end
    return table.concat(t, "\n") .. "\n"
  end

  it("keeps the plain index queries read", function()
    local before = assert(index_sql())
    local n = db.observations:count()
    local f = dir .. "/o.csv"
    util.write(f, observations(500))
    assert.are.equal(500, db:import("observations", f))
    assert.are.equal(before, index_sql())
    local plan = db:sql("EXPLAIN QUERY PLAN SELECT value FROM observations WHERE metric = 'm0001' AND as_of = '2012-02'")
    assert.matches("USING INDEX observations_metric", plan[1].detail, 1, true)
    assert.are.equal(n + 500, db.observations:count())
  end)

  it("gives the index back when the import fails", function()
    local before = assert(index_sql())
    local n = db.observations:count()
    local f = dir .. "/o.csv"
    util.write(f, observations(200, "m9999,sector,-,people,2012,seed000"))
    local ok, err = pcall(db.import, db, "observations", f)
    assert.is_false(ok)
    assert.matches(f .. ":202: value:", err, 1, true)
    assert.are.equal(before, index_sql())
    assert.are.equal(n, db.observations:count())
  end)

  it("imports while a loop reads the same index", function()
    local f = dir .. "/o.csv"
    util.write(f, observations(50))
    db:import("observations", f)
    local before, n = index_sql(), db.observations:count()
    util.write(f, observations(2000, nil, "s"))
    local seen = 0
    for m in db.observations:where{metric = "m0001"}:values("metric") do
      seen = seen + 1
      assert.are.equal("m0001", m)
      assert.are.equal(2000, db:import("observations", f))
    end
    assert.are.equal(1, seen)
    assert.are.equal(before, index_sql())
    assert.are.equal(n + 2000, db.observations:count())
  end)
end)
