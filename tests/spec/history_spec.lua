-- The history of imports and undo (issue 13): every import is recorded with
-- what it read and what it changed, and can be taken back unless something
-- since depends on it, in which case the refusal says what.
local util = require "tests.spec.util"

local file_bytes = util.bytes

describe("import history and undo", function()
  local db, path, dir
  before_each(function() db, path, dir = util.fresh() end)
  after_each(function() util.drop(db, path) end)

  it("records an import with its file's SHA-256 and counts, and undoes it to the row", function()
    local before = db:export("mutuals")
    util.write(dir .. "/m.csv", "name,parent,status\nNew One,Cabinet Office,proposed\nNew Two,DWP,pipeline\n")
    local _, counts = db:import("mutuals", dir .. "/m.csv")
    local rec = db:sql("SELECT * FROM imports WHERE id = ?", counts.import)[1]
    assert.are.same({"mutuals", "insert", "db:import", 2, 0, 0}, {rec.kind, rec.mode, rec.command, rec.inserted,
                                                                  rec.updated, rec.unchanged})
    assert.are.equal(64, #rec.sha256)
    assert.are.same({deleted = 3, restored = 0, dry_run = false}, db:undo(counts.import))   -- two rows and the file's source
    assert.are.equal(before, db:export("mutuals"))
    assert.matches("was undone already", select(2, pcall(db.undo, db, counts.import)), 1, true)
  end)

  it("puts updated values back, and refuses when a row changed since", function()
    util.write(dir .. "/m.csv", "name,staff\nMyCSP,650\n")
    local _, counts = db:import("mutuals", dir .. "/m.csv", {mode = "upsert"})
    assert.are.equal(650, db.mutuals:get("MyCSP").staff)
    db:undo(counts.import)
    assert.are.equal(500, db.mutuals:get("MyCSP").staff)
    local _, again = db:import("mutuals", dir .. "/m.csv", {mode = "upsert"})
    db.mutuals:get("MyCSP"):update{staff = 700}   -- by hand, after the import
    local ok, err = pcall(db.undo, db, again.import)
    assert.is_false(ok)
    assert.matches("mutual 1 no longer holds what this import wrote", err, 1, true)
    assert.are.equal(700, db.mutuals:get("MyCSP").staff)
  end)

  it("refuses while a later import depends on it, naming it, and undoes in order", function()
    util.write(dir .. "/b.csv", "abbrev,name,tier\nDoH,Department of Health,central\n")
    local _, first = db:import("bodies", dir .. "/b.csv")
    util.write(dir .. "/m.csv", "name,parent,status\nHealth Co,DoH,proposed\n")
    local _, second = db:import("mutuals", dir .. "/m.csv")
    local ok, err = pcall(db.undo, db, first.import)
    assert.is_false(ok)
    assert.matches("mutual %d+ refers %(by parent_id%) to a row this import added to bodies", err)
    db:undo(second.import)
    db:undo(first.import)
    assert.is_nil((db.bodies:get("DoH")))
  end)

  it("a refused or dry-run undo leaves the store byte-identical", function()
    util.write(dir .. "/m.csv", "name,status\nNew One,proposed\n")
    local _, counts = db:import("mutuals", dir .. "/m.csv")
    db:close()
    local bytes, wal = file_bytes(path), file_bytes(path .. "-wal")
    db = require("mutuals").open(path)
    assert.are.equal(2, db:undo(counts.import, {dry_run = true}).deleted)
    db:close()
    assert.are.equal(bytes, file_bytes(path))
    assert.are.equal(wal, file_bytes(path .. "-wal"))
    db = require("mutuals").open(path)
    assert.is_truthy(db.mutuals:get("New One"))
  end)

  it("records microdata and fetches too, and a failed import leaves no record", function()
    local n = db:sql("SELECT count(*) AS n FROM imports")[1].n
    util.write(dir .. "/bad.csv", "name,status\nX,nonsense\n")
    assert.is_false(pcall(db.import, db, "mutuals", dir .. "/bad.csv"))
    assert.are.equal(n, db:sql("SELECT count(*) AS n FROM imports")[1].n)
  end)
end)
