-- Names and aliases (issue 13): a row is found by its natural key, its name,
-- or an alias the sources use, kept verbatim; anything else is refused with
-- the closest name the store knows, never guessed.
local util = require "tests.spec.util"

describe("names and aliases", function()
  local db, path, dir
  before_each(function() db, path, dir = util.fresh() end)
  after_each(function() util.drop(db, path) end)

  it("finds a body by abbreviation, by full name, and by a source's variant", function()
    assert.are.equal("DWP", db.bodies:get("DWP").abbrev)
    assert.are.equal("DWP", db.bodies:get("Department for Work and Pensions").abbrev)
    assert.are.equal("DCLG", db.bodies:get("Communities and Local Government department").abbrev)
  end)

  it("registers every name variant the bundled sources use, each with its source", function()
    local want = {
      {"mutual", "Hull City Health Care Partnership", "City Health Care Partnership CIC", "seed002"},
      {"mutual", "Audit Commission", "Audit Commission (mutualised)", "seed004"},
      {"body", "Communities and Local Government department", "DCLG", "seed001"},
    }
    for _, w in ipairs(want) do
      local coll = w[1] == "mutual" and db.mutuals or db.bodies
      local rec = coll:get(w[2])
      assert.is_truthy(rec, w[2])
      assert.are.equal(w[3], w[1] == "mutual" and rec.name or rec.abbrev)
      local a = db.aliases:where{alias = w[2]}:first()
      assert.are.equal(w[4], a.source.key)
    end
  end)

  it("refuses an unknown name with the closest one, and never guesses", function()
    local rec, why = db.bodies:get("Department for Work & Pensions")
    assert.is_nil(rec)
    assert.matches("did you mean 'Department for Work and Pensions'", why, 1, true)
    rec, why = db.mutuals:get("MyCSP Ltd")
    assert.is_nil(rec)
    assert.matches("no mutual with name or alias 'MyCSP Ltd': did you mean 'MyCSP'?", why, 1, true)
    rec, why = db.bodies:get("Cabinet Ofice")
    assert.is_nil(rec)
    assert.matches("did you mean 'Cabinet Office'", why, 1, true)
  end)

  it("resolves import references through names and aliases, and suggests for the rest", function()
    util.write(dir .. "/m.csv", "name,parent,status\nNew One,Cabinet Office,proposed\nNew Two,Department for Work and Pensions,pipeline\n")
    assert.are.equal(2, db:import("mutuals", dir .. "/m.csv"))
    assert.are.equal("CO", db.mutuals:get("New One").parent.abbrev)
    assert.are.equal("DWP", db.mutuals:get("New Two").parent.abbrev)
    util.write(dir .. "/bad.csv", "name,parent,status\nNew Three,Cabinet Ofice,proposed\n")
    local ok, err = pcall(db.import, db, "mutuals", dir .. "/bad.csv")
    assert.is_false(ok)
    assert.matches("bad.csv:2: parent: no body with abbrev, name or alias 'Cabinet Ofice': did you mean 'Cabinet Office'?",
                   err, 1, true)
  end)

  it("filters by a relation's name, and refuses a name that matches nothing rather than count 0", function()
    local n = db.mutuals:where{parent_id = db.bodies:get("DWP").id}:count()
    assert.is_true(n > 0)
    assert.are.equal(n, db.mutuals:where{parent = "DWP"}:count())
    assert.are.equal(n, db.mutuals:where{parent = "Department for Work and Pensions"}:count())
    assert.are.equal(n, db.mutuals:where("parent", "DWP"):count())
    local ok, err = pcall(function() return db.mutuals:where{parent = "DWPP"}:count() end)
    assert.is_false(ok)
    assert.matches("where parent: no body with abbrev, name or alias 'DWPP': did you mean 'DWP'?", err, 1, true)
  end)

  it("takes an analyst's own alias, which then resolves like the rest", function()
    util.write(dir .. "/a.csv", "entity,target,alias,kind,note\nmutual,MyCSP,MyCSP Ltd,name,with its legal form\n")
    local _, counts = db:import("aliases", dir .. "/a.csv")
    assert.are.equal(1, counts.inserted)
    assert.are.equal("MyCSP", db.mutuals:get("MyCSP Ltd").name)
    util.write(dir .. "/a2.csv", "entity,target,alias,kind\nmutual,MyCSPP,Mine,name\n")
    local ok, err = pcall(db.import, db, "aliases", dir .. "/a2.csv")
    assert.is_false(ok)
    assert.matches("target: no mutual with name or alias 'MyCSPP': did you mean 'MyCSP'?", err, 1, true)
  end)
end)
