-- Round trips and merging (issue 13): an export is a file another store,
-- or the same one, can take back. References go by natural key, store ids
-- stay home, --mode upsert matches rows by their identity (natural key,
-- else UNIQUE columns, else content), and a dry run only counts.
local mutuals = require "mutuals"
local util = require "tests.spec.util"

local function export_all(db, format)
  local t = {}
  for _, k in ipairs(mutuals.entities()) do t[k] = db:export(k, {format = format}) end
  return t
end

-- The counts an import returns, without its id in the history.
local function counts_of(c)
  return {inserted = c.inserted, updated = c.updated, unchanged = c.unchanged, dry_run = c.dry_run}
end

local file_bytes = util.bytes

describe("round trips and merging", function()
  local db, path, dir
  before_each(function() db, path, dir = util.fresh() end)
  after_each(function() util.drop(db, path) end)

  for _, format in ipairs{"csv", "json", "jsonl"} do
    it("takes back its own " .. format .. " export of every entity unchanged, and fills an empty store byte for byte",
      function()
        local files, before = {}, export_all(db, format)
        for _, k in ipairs(mutuals.entities()) do
          files[k] = dir .. "/" .. k .. "." .. format
          util.write(files[k], before[k])
        end
        -- into the same store: every row found, none changed
        for _, k in ipairs(mutuals.entities()) do
          local rows, counts = db:import(k, files[k], {mode = "upsert"})
          assert.are.same({inserted = 0, updated = 0, unchanged = rows, dry_run = false}, counts_of(counts), k)
        end
        assert.are.same(before, export_all(db, format))
        -- into an empty store, in the order of the entities: the same export, byte for byte
        local empty <close> = assert(mutuals.open(dir .. "/empty.db", {empty = true}))
        empty:transaction(function()
          for _, k in ipairs(mutuals.entities()) do empty:import(k, files[k], {mode = "upsert"}) end
        end)
        assert.are.same(before, export_all(empty, format))
      end)
  end

  it("updates only what changed, leaves the rest, and inserts what is new", function()
    local csv = db:export("mutuals")
    local changed = csv:gsub('"MyCSP","DWP","joint_venture","operating",500,', '"MyCSP","DWP","joint_venture","operating",650,')
    changed = changed .. '"Probation Mutual","MoJ",,"pipeline",120,,,,"seed000",0,\n'
    util.write(dir .. "/m.csv", changed)
    local n = db.mutuals:count()
    local rows, counts = db:import("mutuals", dir .. "/m.csv", {mode = "upsert"})
    assert.are.equal(n + 1, rows)
    assert.are.same({inserted = 1, updated = 1, unchanged = n - 1, dry_run = false}, counts_of(counts))
    assert.are.equal(650, db.mutuals:get("MyCSP").staff)
    assert.are.equal("MoJ", db.mutuals:get("Probation Mutual").parent.abbrev)
  end)

  it("brings in a real, messy list in one command: mapped columns, names and aliases, upsert", function()
    -- tests/fixtures/real_mutuals.csv: the bundled mutuals as an analyst's own spreadsheet has them, with
    -- its own column names, a website column, full department names and the sources' variant names
    local rows, counts = db:import("mutuals", "tests/fixtures/real_mutuals.csv", {
      mode = "upsert", ignore = {"Website", "Our notes"},
      map = {Organisation = "name", ["Parent department"] = "parent", Status = "status",
             ["Staff (approx.)"] = "staff", ["Staff figure"] = "staff_qualifier", Source = "source"}})
    assert.are.equal(6, rows)
    assert.are.same({inserted = 0, updated = 0, unchanged = 6, dry_run = false}, counts_of(counts))
    assert.are.equal(6, db.mutuals:count())
    local hull = db.mutuals:get("City Health Care Partnership CIC")
    assert.are.same({"NHS Hull", "operating"}, {hull.parent.abbrev, hull.status})
    assert.are.equal("DCLG", db.mutuals:get("Audit Commission (mutualised)").parent.abbrev)
    assert.are.same({500, "approximately", "DWP"}, {db.mutuals:get("MyCSP").staff, db.mutuals:get("MyCSP").staff_qualifier,
                                                     db.mutuals:get("MyCSP").parent.abbrev})
  end)

  it("refuses a second row under a known row's alias, and a mapping of a column the file lacks", function()
    util.write(dir .. "/m.csv", "name,status\nHull City Health Care Partnership,operating\n")
    local ok, err = pcall(db.import, db, "mutuals", dir .. "/m.csv")
    assert.is_false(ok)
    assert.matches("duplicate: the store already has a mutual with 'Hull City Health Care Partnership' as the file calls " ..
                   "it: name 'City Health Care Partnership CIC'", err, 1, true)
    ok, err = pcall(db.import, db, "mutuals", dir .. "/m.csv", {map = {Name = "name"}})
    assert.is_false(ok)
    assert.matches("--map 'Name=name': the file has no column 'Name'", err, 1, true)
    util.write(dir .. "/x.csv", "name,status,website\nNew Co,proposed,http://x\n")
    ok, err = pcall(db.import, db, "mutuals", dir .. "/x.csv")
    assert.is_false(ok)
    assert.matches("column 'website' is not a field of mutual", err, 1, true)
    assert.matches("leave it out with --ignore website", err, 1, true)
    assert.are.equal(1, db:import("mutuals", dir .. "/x.csv", {ignore = {"website"}}))
  end)

  it("exports a collection's own rows and chosen fields, a figure with its qualifier", function()
    local csv = db.mutuals:where{status = "blocked"}:export{fields = {"name", "staff"}}
    assert.are.equal('name,staff,staff_qualifier\n"Gloucestershire Care Services",3000,"more_than"\n', csv)
    assert.is_true(db.mutuals:where{parent = "DWP"}:export(dir .. "/dwp.jsonl"))
    local n = 0
    for _ in io.lines(dir .. "/dwp.jsonl") do n = n + 1 end
    assert.are.equal(db.mutuals:where{parent = "DWP"}:count(), n)
    assert.has_error(function() db.mutuals:export{fields = {"nme"}} end, "export: mutual has no field 'nme': did you mean 'name'?")
    -- and back: the chosen rows merge into the store they came from, unchanged
    local _, counts = db:import("mutuals", dir .. "/dwp.jsonl", {mode = "upsert"})
    assert.are.same({inserted = 0, updated = 0, unchanged = n, dry_run = false}, counts_of(counts))
  end)

  it("counts a dry run without writing a byte", function()
    local csv = db:export("mutuals"):gsub(',500,', ',650,') .. '"New Co",,,"proposed",,,,,"seed000",0,"low"\n'
    util.write(dir .. "/m.csv", csv)
    db:close()
    local before, wal = file_bytes(path), file_bytes(path .. "-wal")
    db = assert(mutuals.open(path))
    local _, counts = db:import("mutuals", dir .. "/m.csv", {mode = "upsert", dry_run = true})
    assert.are.same({inserted = 1, updated = 1, dry_run = true}, {inserted = counts.inserted, updated = counts.updated,
                                                                   dry_run = counts.dry_run})
    assert.is_nil(db.mutuals:get("New Co"))
    db:close()
    assert.are.equal(before, file_bytes(path))
    assert.are.equal(wal, file_bytes(path .. "-wal"))
    db = assert(mutuals.open(path))
  end)

  it("merges a row without a natural key by its content: the same row is unchanged, a new figure a new claim", function()
    local before = db.observations:count()
    util.write(dir .. "/o.csv", "metric,value,unit,as_of,subject_type,subject,source\n" ..
                               "staff,700,people,2013,mutual,MyCSP,seed000\n")
    assert.are.equal(1, select(2, db:import("observations", dir .. "/o.csv", {mode = "upsert"})).inserted)
    assert.are.equal(1, select(2, db:import("observations", dir .. "/o.csv", {mode = "upsert"})).unchanged)
    util.write(dir .. "/o.csv", "metric,value,unit,as_of,subject_type,subject,source\n" ..
                               "staff,710,people,2013,mutual,MyCSP,seed000\n")
    assert.are.equal(1, select(2, db:import("observations", dir .. "/o.csv", {mode = "upsert"})).inserted)
    assert.are.equal(before + 2, db.observations:count())
  end)

  it("refuses an id that is another row's here, rather than merging into it", function()
    util.write(dir .. "/b.csv", "id,abbrev,name,tier\n2,DWP,Department for Work and Pensions,central\n")
    local ok, err = pcall(db.import, db, "bodies", dir .. "/b.csv", {mode = "upsert"})
    assert.is_false(ok)
    assert.matches("id: 2, but this body is row 1 here: drop the id column to merge by abbrev", err, 1, true)
  end)

  it("reports every duplicate of an insert, not only the first", function()
    util.write(dir .. "/m.csv", "name,status\nMyCSP,operating\nbad,nonsense\nCentral Surrey Health,operating\n")
    local ok, err = pcall(db.import, db, "mutuals", dir .. "/m.csv")
    assert.is_false(ok)
    assert.matches("m.csv:2: duplicate: the store already has a mutual with name 'MyCSP'", err, 1, true)
    assert.matches("m.csv:3: status", err, 1, true)
    assert.matches("m.csv:4: duplicate: the store already has a mutual with name 'Central Surrey Health'", err, 1, true)
  end)

  it("writes an observation's subject by natural key and reads it back", function()
    local csv = db:export("observations")
    assert.matches("subject_type,subject,subject_id", csv, 1, true)
    util.write(dir .. "/o.csv", "metric,value,unit,as_of,subject_type,subject,source\n" ..
                               "staff,700,people,2013,mutual,MyCSP,seed000\n")
    local _, counts = db:import("observations", dir .. "/o.csv", {mode = "upsert"})
    assert.are.equal(1, counts.inserted)
    util.write(dir .. "/o2.csv", "metric,value,unit,as_of,subject_type,subject,source\n" ..
                                "staff,700,people,2013,mutual,MyCSPP,seed000\n")
    local ok, err = pcall(db.import, db, "observations", dir .. "/o2.csv")
    assert.is_false(ok)
    assert.matches("subject: no mutual with name or alias 'MyCSPP': did you mean 'MyCSP'?", err, 1, true)
  end)

  it("puts each record through a transform (what mapping cannot do): split, compute, clean, leave out", function()
    util.write(dir .. "/list.csv", "Organisation,Parents,Staff text\nMyCSP,DWP; Cabinet Office,about 650\n" ..
                                   "New Spinout Ltd,MoJ,120\n(draft) Ignore me,,\n")
    local seen = {}
    local function transform(r)
      seen[#seen + 1] = r
      if r.Organisation:match("^%(draft%)") then return nil end
      local approx, n = (r["Staff text"] or ""):match("^(%a*)%s*(%d+)$")
      return {name = r.Organisation, parent = r.Parents:match("^[^;]+"), status = "operating", staff = tonumber(n),
              staff_qualifier = approx == "about" and "approximately" or "exact", source = "seed000"}
    end
    local rows, c = db:import("mutuals", dir .. "/list.csv", {mode = "upsert", transform = transform})
    assert.are.same({2, 1, 1, 1}, {rows, c.inserted, c.updated, c.skipped})
    assert.is_nil(seen[3].Parents)   -- an empty cell is absent, as nil
    local m = db.mutuals:get("MyCSP")
    assert.are.same({650, "approximately", "DWP"}, {m.staff, m.staff_qualifier, m.parent.abbrev})
    assert.are.equal("MoJ", db.mutuals:get("New Spinout Ltd").parent.abbrev)
    -- JSON Lines too, and the transform's result is checked like a file's row
    util.write(dir .. "/list.jsonl", '{"org": "Probation Co", "people": 80}\n')
    local _, j = db:import("mutuals", dir .. "/list.jsonl", {transform = function(r)
      return {name = r.org, status = "pipeline", staff = r.people, source = "seed000"} end})
    assert.are.equal(1, j.inserted)
    -- a failing transform is that record's error, and nothing is written
    local n = db.mutuals:count()
    local ok, err = pcall(db.import, db, "mutuals", dir .. "/list.csv", {transform = function(r)
      if r.Organisation == "MyCSP" then error("cannot read the staff") end
      return {name = r.Organisation, status = "operating", source = "seed000", team = {}}
    end})
    assert.is_false(ok)
    assert.matches("list.csv:2: transform: .*cannot read the staff", err)
    assert.matches("list.csv:3: transform: the transform gave 'team' a table", err, 1, true)
    assert.are.equal(n, db.mutuals:count())
    assert.has_error(function() db:import("mutuals", dir .. "/list.csv", {transform = "upper"}) end,
      "import: transform must be a function (a row's table -> its fields, or nil), got string")
  end)
end)
