-- What real files hold that one row per mutual cannot (migration 9): a
-- mutual's further bodies with their roles, disputed facts as claims per
-- source, dates marked inferred, confidence, publications with their title
-- variants and the sources that discuss them, which list names a service
-- area; and imports that replace rows (--mode replace).
local mutuals = require "mutuals"
local util = require "tests.spec.util"

describe("model depth", function()
  local db, path, dir
  before_each(function() db, path, dir = util.fresh() end)
  after_each(function() util.drop(db, path) end)

  it("keeps the Taskforce's report as a publication, found by the titles the sources write", function()
    local p = db.publications:get("next_steps")
    assert.are.same({"Public Service Mutuals: The Next Steps", "Mutuals Taskforce", "2012-06-25", "report"},
                    {p.title, p.publisher, p.published, p.kind})
    for _, variant in ipairs{"Public Sector Mutuals: The Next Steps", "The Public Sector Mutuals next steps report",
                             "next steps report", "progress report on public service mutuals"} do
      assert.are.equal(p.id, db.publications:get(variant).id, variant)
    end
    local keys = {}
    for s in p.sources:rows() do keys[#keys + 1] = s.key end
    table.sort(keys)
    assert.are.same({"bssec", "seed000", "seed001", "seed002", "seed003", "thirdsector_2012"}, keys)
    assert.are.equal("next_steps", db.sources:get("seed001").publications:first().key)
    assert.is_nil(db.publications:get("Next Stepz"))
  end)

  it("counts only the service areas the report's list names: 7 of its 12 are named, 5 areas come from elsewhere",
    function()
      local listed = db.publications:get("next_steps").sectors
      assert.are.equal(7, listed:count())
      assert.are.equal(12, db.sectors:count())   -- the trap: the store's 12 are not the report's 12
      local elsewhere = {}
      for s in db.sectors:rows() do
        if s.lists:count() == 0 then elsewhere[#elsewhere + 1] = s.name end
      end
      table.sort(elsewhere)
      assert.are.same({"Audit", "Pensions Administration", "Probation", "Social Care", "Youth Services"}, elsewhere)
      -- the figure is the report's own: 12, of which the store can name 7
      local twelve = db.observations:where{metric = "service_areas", as_of = "2012-06"}:first()
      assert.are.same({12, "seed002"}, {twelve.value, twelve.source.key})
    end)

  it("ties a mutual to more bodies than its parent, each with a role, and imports them by name", function()
    local m = db.mutuals:get("MyCSP")
    assert.are.equal("DWP", m.parent.abbrev)
    local link = m.bodies:first()
    assert.are.same({"CO", "sponsor", "sel_2012"}, {link.body.abbrev, link.role, link.source.key})
    assert.are.equal("MyCSP", db.bodies:get("CO").mutual_links:first().mutual.name)
    util.write(dir .. "/links.csv", "mutual,body,role,source\nMyCSP,Cabinet Office,commissioner,seed000\n" ..
                                    "Central Surrey Health,DWP,partner,seed002\n")
    local rows = db:import("mutual_bodies", dir .. "/links.csv")
    assert.are.equal(2, rows)
    assert.are.equal(2, m.bodies:count())
    util.write(dir .. "/bad.csv", "mutual,body,role,source\nMyCSP,DWP,sponsr,seed000\n")
    local ok, err = pcall(db.import, db, "mutual_bodies", dir .. "/bad.csv")
    assert.is_false(ok)
    assert.matches("bad.csv:2: role: 'sponsr' is invalid: must be one of: parent sponsor commissioner partner " ..
                   "(did you mean 'sponsor'?)", err, 1, true)
  end)

  it("keeps a disputed fact as claims, each with its source; check asks why a disputed field holds a value", function()
    local hull = db.mutuals:get("Hull City Health Care Partnership")
    assert.is_nil(hull.spun_out)
    local claims = {}
    for c in hull.claims:where{field = "spun_out"}:rows() do claims[#claims + 1] = c.value .. " " .. c.source.key end
    table.sort(claims)
    assert.are.same({"2009 seed002", "2010 healthestate"}, claims)
    -- "set up in April": the month was read into the words
    local april = db.mutuals:get("MyCSP").claims:where{field = "spun_out", value = "2012-04"}:first()
    assert.are.equal(1, april.inferred)
    assert.are.equal(1, db.status_changes:where{date = "2012-04"}:first().date_inferred)
    -- a disputed field given a value is a problem until explained; agreeing precisions are not a dispute
    local function disputed()
      local keys = {}
      for _, i in ipairs((db:check())) do
        if i.kind == "disputed" then keys[#keys + 1] = i.key .. (i.known and " (known)" or "") end
      end
      return keys
    end
    assert.are.same({"disputed:mutual:1:parent_id (known)"}, disputed())
    hull:update{spun_out = "2010"}
    assert.are.same({"disputed:mutual:1:parent_id (known)", "disputed:mutual:4:spun_out"}, disputed())
    -- a claim names a field its subject has, by natural key in a file
    util.write(dir .. "/claims.csv", "subject_type,subject,field,value,source\nmutual,MyCSP,stafff,650,seed001\n")
    local ok, err = pcall(db.import, db, "claims", dir .. "/claims.csv")
    assert.is_false(ok)
    assert.matches("claims.csv:2: field: a mutual has no field 'stafff': did you mean 'staff'?", err, 1, true)
    util.write(dir .. "/claims.csv", "subject_type,subject,field,value,confidence,source\n" ..
                                     "mutual,MyCSP,staff,650,low,seed001\n")
    assert.are.equal(1, (db:import("claims", dir .. "/claims.csv")))
  end)

  it("grades rows by confidence, an enum like any other", function()
    local m = db.mutuals:get("MyCSP")
    m:update{confidence = "high"}
    assert.are.equal("high", db.mutuals:get("MyCSP").confidence)
    assert.has_error(function() m:update{confidence = "hgh"} end,
      "mutual.confidence: 'hgh' is invalid: must be one of: high medium low (did you mean 'high'?)")
    assert.are.equal(1, db.mutuals:where{confidence = "high"}:count())
  end)

  it("replaces a row with what the file says (fields it lacks reset), and an undo puts it back", function()
    local before = db:export("mutuals", {fields = {"name", "parent", "staff", "spun_out", "source"}})
    util.write(dir .. "/r.csv", "name,status\nMyCSP,operating\n")
    local rows, counts = db:import("mutuals", dir .. "/r.csv", {mode = "replace"})
    assert.are.same({1, 1, 0}, {rows, counts.updated, counts.inserted})
    local m = db.mutuals:get("MyCSP")
    assert.are.same({"operating", 0}, {m.status, m.spun_out_inferred})
    assert.is_nil(m.parent_id)
    assert.is_nil(m.staff)
    assert.matches("^import:", m.source.key)   -- the file, as for a new row
    -- the same file again: its own source is new each time, so the row changes again (never silently kept)
    db:undo(counts.import)
    assert.are.equal(before, db:export("mutuals", {fields = {"name", "parent", "staff", "spun_out", "source"}}))
    -- upsert, by contrast, leaves the fields the file lacks alone
    local _, up = db:import("mutuals", dir .. "/r.csv", {mode = "upsert"})
    assert.are.same({0, 1}, {up.updated, up.unchanged})
    -- a replace needs every required column, of every row
    util.write(dir .. "/r2.csv", "name,staff\nMyCSP,3\n")
    local ok, err = pcall(db.import, db, "mutuals", dir .. "/r2.csv", {mode = "replace"})
    assert.is_false(ok)
    assert.matches("missing column 'status'", err, 1, true)
    assert.has_error(function() db:import("mutuals", dir .. "/r.csv", {mode = "swap"}) end)
  end)

  it("round-trips the new entities through export and import into an empty store", function()
    local empty <close> = assert(mutuals.open(dir .. "/empty.db", {empty = true}))
    local kinds = {"sources", "bodies", "sectors", "mutuals", "publications", "source_publications", "sector_lists",
                   "mutual_bodies", "claims", "aliases"}
    empty:transaction(function()
      for _, k in ipairs(kinds) do
        util.write(dir .. "/" .. k .. ".jsonl", db:export(k, {format = "jsonl"}))
        empty:import(k, dir .. "/" .. k .. ".jsonl", {mode = "upsert"})
      end
    end)
    for _, k in ipairs(kinds) do
      assert.are.equal(db:export(k, {format = "jsonl"}), empty:export(k, {format = "jsonl"}), k)
    end
  end)
end)
