-- Collections: filters, order, limits, aggregates and lazy iteration.
local util = require "tests.spec.util"

describe("collections", function()
  local db, path
  setup(function() db, path = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("count and # agree", function()
    assert.are.equal(6, db.mutuals:count())
    assert.are.equal(6, #db.mutuals)
  end)

  it("filter with a table of equalities", function()
    assert.are.equal(4, db.mutuals:where{status = "operating"}:count())
    assert.are.equal(1, db.mutuals:where{status = "operating", legal_form = "cic"}:count())
  end)

  it("filter with operators", function()
    assert.are.equal(2, db.mutuals:where("staff", ">=", 500):count())
    assert.are.equal(1, db.mutuals:where("staff", "<", 1000):count())
    assert.are.equal(4, db.mutuals:where{staff = {"is null"}}:count())
    assert.are.equal(4, db.mutuals:where("staff", "is null"):count())
    assert.are.equal(2, db.mutuals:where("staff", "is not null"):count())
    assert.are.equal(2, db.mutuals:where("name", "like", "%Health%"):count())
    assert.are.equal(5, db.mutuals:where("status", "~=", "blocked"):count())
  end)

  it("is immutable: each filter returns a new collection", function()
    local all = db.mutuals
    local some = all:where{status = "blocked"}
    assert.are.equal(6, all:count())
    assert.are.equal(1, some:count())
  end)

  it("orders ascending and descending, and limits", function()
    local names = {}
    for m in db.mutuals:order("-name"):limit(2):rows() do names[#names + 1] = m.name end
    assert.are.same({"MyCSP", "Gloucestershire Care Services"}, names)
    local first = db.mutuals:order("name", "asc"):offset(1):first()
    assert.are.equal("Central Surrey Health", first.name)
    local biggest = db.mutuals:where("staff", "is not null"):order("staff", "desc"):first()
    assert.are.equal("Gloucestershire Care Services", biggest.name)
  end)

  it("sums, averages, min and max as qualified values", function()
    -- about 500 (MyCSP) and more than 3,000 (Gloucestershire)
    local staff = db.mutuals:where("staff", "is not null")
    assert.are.equal("more than approximately 3,500 people", staff:sum("staff"):text())
    assert.are.equal(3500, staff:sum("staff").value)
    assert.are.equal(1750, staff:avg("staff").value)
    assert.are.equal("approximately 500 people", staff:min("staff"):text())
    assert.are.equal("more than 3,000 people", staff:max("staff"):text())
    local none = db.mutuals:where{status = "dissolved"}:sum("staff")
    assert.are.equal(0, none.value)
    assert.are.equal("exact", none.qualifier)
    -- a required plain number stays a plain number
    assert.are.equal(7, db.options:where{question_id = 1}:sum("ordinal") + 1)
  end)

  it("groups with counts and aggregates", function()
    local g = db.mutuals:group("status")
    local by = {}
    for _, row in ipairs(g) do by[row.status] = row.count end
    assert.are.same({operating = 4, blocked = 1, proposed = 1}, by)
    local s = db.observations:where{metric = "mutuals"}:group("qualifier", "max", "value")
    local max = {}
    for _, row in ipairs(s) do max[row.qualifier] = row.max end
    assert.are.equal(100, max.exact.value)
    assert.are.equal("at_least", max.at_least.qualifier)
    assert.are.equal(58, max.at_least.value)
  end)

  it("gets by id or natural key", function()
    assert.are.equal("MyCSP", db.mutuals:get(1).name)
    assert.are.equal(1, db.mutuals:get("MyCSP").id)
    assert.is_nil(db.mutuals:get("Nobody"))
    assert.has_error(function() db.observations:get("x") end, "observation has no natural key: get it by id")
  end)

  it("lists as a Lua table of records", function()
    local list = db.barriers:order("key"):list()
    assert.are.equal(db.barriers:count(), #list)
    assert.are.equal("attitudes", list[1].key)
  end)

  it("iterates lazily and closes its cursor on break", function()
    local seen = 0
    for _ in db.observations:rows() do
      seen = seen + 1
      if seen == 3 then break end
    end
    assert.are.equal(3, seen)
    -- the store is still usable for writes: no statement left open
    db:transaction(function(s) s.sectors:insert{name = "After break", source_id = 1} end)
  end)

  it("iterates chosen fields' values without records", function()
    local got = {}
    for name, staff in db.mutuals:where("staff", "is not null"):order("name"):values("name", "staff") do
      got[#got + 1] = name .. "=" .. staff
    end
    assert.are.same({"Gloucestershire Care Services=3000", "MyCSP=500"}, got)
    local n = 0
    for _ in db.observations:values("id") do
      n = n + 1
      if n == 2 then break end
    end
    assert.are.equal(2, n)
    assert.has_error(function() db.mutuals:values("nope") end)
    assert.has_error(function() db.mutuals:values() end)
  end)

  it("names the fields when a field is unknown", function()
    local ok, err = pcall(function() return db.mutuals:where{stafff = 1} end)
    assert.is_false(ok)
    assert.matches("mutual has no field 'stafff': did you mean 'staff'%? %(fields: id, name, parent_id", err)
    assert.has_error(function() db.mutuals:order("nope") end)
    assert.has_error(function() db.mutuals:sum("nope") end)
  end)

  it("rejects unknown operators and missing values", function()
    assert.has_error(function() db.mutuals:where("staff", "<>", 1) end)
    assert.has_error(function() db.mutuals:where("staff", ">") end)
    assert.has_error(function() db.mutuals:limit(-1) end)
  end)

  it("lists an entity's fields", function()
    local fields = db.bodies:fields()
    assert.are.same({"id", "abbrev", "name", "tier", "source_id"}, fields)
  end)
end)
