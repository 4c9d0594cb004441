-- The store: opening, closing, transactions, the raw-SQL escape hatch.
local mutuals = require "mutuals"
local util = require "tests.spec.util"

describe("mutuals.open", function()
  it("creates a new store loaded with the bundled dataset", function()
    local db, path = util.fresh()
    assert.are.equal(path, db:path())
    assert.is_true(db.mutuals:count() > 0)
    assert.are.equal(mutuals.schema_version, db:sql("PRAGMA user_version")[1].user_version)
    util.drop(db, path)
  end)

  it("closes with <close> and refuses use afterwards", function()
    local _, path = util.fresh()
    local outer
    do
      local db <close> = assert(mutuals.open(path))
      outer = db
    end
    assert.are.equal("mutuals.store (closed)", tostring(outer))
    assert.has_error(function() return outer.mutuals end, "the store is closed")
    outer:close()  -- twice is harmless
    util.drop(nil, path)
  end)

  it("returns nil and a message for a file that is not a database", function()
    local dir = util.tmpdir()
    util.write(dir .. "/junk.db", ("not sqlite\n"):rep(200))
    local db, err = mutuals.open(dir .. "/junk.db")
    assert.is_nil(db)
    assert.matches("junk.db", err)
    os.remove(dir .. "/junk.db")
  end)

  it("refuses an SQLite database that is not a store, leaving it untouched", function()
    local dir = util.tmpdir()
    local other = assert(mutuals.open(dir .. "/a.db"))
    other:close()
    -- make a foreign database with the sqlite3 shell
    assert(os.execute("sqlite3 '" .. dir .. "/foreign.db' 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'"))
    local db, err = mutuals.open(dir .. "/foreign.db")
    assert.is_nil(db)
    assert.matches("not a mutuals store", err)
    assert(os.execute("test \"$(sqlite3 '" .. dir .. "/foreign.db' 'SELECT count(*) FROM sqlite_schema')\" = 1"))
  end)

  it("opens read-only and refuses writes", function()
    local db, path = util.fresh()
    db:close()
    local ro = assert(mutuals.open(path, {readonly = true}))
    assert.has_error(function() ro.sectors:insert{name = "Transport", source_id = 1} end)
    ro:close()
    util.drop(nil, path)
  end)
end)

describe("store:transaction", function()
  local db, path
  before_each(function() db, path = util.fresh() end)
  after_each(function() util.drop(db, path) end)

  it("commits and returns the function's results", function()
    local a, b = db:transaction(function(s)
      s.sectors:insert{name = "Transport", source_id = 1}
      return 1, 2
    end)
    assert.are.same({1, 2}, {a, b})
    assert.is_not_nil(db.sectors:get("Transport"))
  end)

  it("rolls back everything and re-raises when the function raises", function()
    local before = db.sectors:count()
    local ok, err = pcall(db.transaction, db, function(s)
      s.sectors:insert{name = "Transport", source_id = 1}
      s.sectors:insert{name = "Prisons", source_id = 1}
      error("stop here")
    end)
    assert.is_false(ok)
    assert.matches("stop here", err)
    assert.are.equal(before, db.sectors:count())
  end)

  it("rolls back when a write inside breaks a rule", function()
    local before = db.mutuals:count()
    assert.has_error(function()
      db:transaction(function(s)
        s.mutuals:insert{name = "A", status = "operating", source_id = 1}
        s.mutuals:insert{name = "B", status = "sideways", source_id = 1}
      end)
    end)
    assert.are.equal(before, db.mutuals:count())
  end)

  it("nests: an inner failure undoes only the inner part", function()
    db:transaction(function(s)
      s.sectors:insert{name = "Outer", source_id = 1}
      pcall(s.transaction, s, function(t)
        t.sectors:insert{name = "Inner", source_id = 1}
        error("inner")
      end)
    end)
    assert.is_not_nil(db.sectors:get("Outer"))
    assert.is_nil(db.sectors:get("Inner"))
  end)
end)

describe("store:sql", function()
  local db, path
  setup(function() db, path = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("binds values to ? parameters", function()
    local rows = db:sql("SELECT name FROM mutuals WHERE status = ? ORDER BY name", "blocked")
    assert.are.same({{name = "Gloucestershire Care Services"}}, rows)
  end)

  it("treats an injection attempt as a plain value", function()
    local rows = db:sql("SELECT count(*) AS n FROM mutuals WHERE name = ?", "x' OR '1'='1")
    assert.are.equal(0, rows[1].n)
  end)

  it("insists the number of values matches the parameters", function()
    assert.has_error(function() db:sql("SELECT ? + ?", 1) end,
      "sql: the statement has 2 parameters but 1 value was given")
  end)

  it("runs one statement at a time", function()
    assert.has_error(function() db:sql("SELECT 1; DELETE FROM mutuals") end,
      "sql: one statement at a time (found more after the first)")
    assert.is_true(db.mutuals:count() > 0)
  end)

  it("reports SQL errors with the statement's own message", function()
    assert.has_error(function() db:sql("SELECT nope FROM mutuals") end, "sql: no such column: nope")
  end)

  it("rejects values SQL cannot hold", function()
    assert.has_error(function() db:sql("SELECT ?", {}) end)
  end)
end)

describe("store indexing", function()
  it("names the collections when a field does not exist", function()
    local db, path = util.fresh()
    local ok, err = pcall(function() return db.mutualz end)
    assert.is_false(ok)
    assert.matches("the store has no field 'mutualz' %(collections: sources, bodies", err)
    assert.are.equal(db.bodies:count(), db.departments:count())
    util.drop(db, path)
  end)
end)

-- Closing the store from inside code the store is running (a transaction's function, an import's
-- transform) would free it under the C that called the Lua: refused, and the store goes on.
describe("store:close while the store is running Lua", function()
  it("is refused inside a transaction, a read and an import's transform, and works after", function()
    local db, path = util.fresh()
    local refusal = "close: the store is in use by a transaction or an import still running: close it after"
    local ok, err = pcall(db.transaction, db, function() db:close() end)
    assert.is_false(ok)
    assert.matches(refusal, err, 1, true)
    ok, err = pcall(db.read, db, function() db:close() end)
    assert.is_false(ok)
    assert.matches(refusal, err, 1, true)
    local f = os.tmpname()
    util.write(f, "name,status\nX,proposed\n")
    ok, err = pcall(db.import, db, "mutuals", f, {transform = function(r) db:close() return r end})
    os.remove(f)
    assert.is_false(ok)
    assert.matches(refusal, err, 1, true)
    assert.are.equal(6, db.mutuals:count())   -- still open, nothing written
    util.drop(db, path)
  end)
end)
