-- Records: fields, relations both ways, identity, validation of writes.
local util = require "tests.spec.util"

describe("records", function()
  local db, path
  before_each(function() db, path = util.fresh() end)
  after_each(function() util.drop(db, path) end)

  it("reads fields; unknown values read as nil", function()
    local m = db.mutuals:get("Essex Community Services")
    assert.are.equal("operating", m.status)
    assert.are.equal("2011-04", m.spun_out)
    assert.is_nil(m.staff)
    assert.is_nil(m.parent)
  end)

  it("raises for a field that does not exist", function()
    local m = db.mutuals:get(1)
    assert.has_error(function() return m.nmae end,
      "mutual has no field, relation or method 'nmae' (try help(record))")
  end)

  it("follows relations in both directions", function()
    local m = db.mutuals:get("MyCSP")
    assert.are.equal("DWP", m.parent.abbrev)
    assert.are.equal(m.parent, m.department)
    assert.is_true(m.parent.mutuals:count() >= 1)
    assert.are.equal(m, m.parent.mutuals:first())
    local rec = db.recommendations:get("eu_procurement_exemption")
    local keys = {}
    for b in rec.barriers:order("key"):rows() do keys[#keys + 1] = b.key end
    assert.are.same({"eu_procurement", "procurement"}, keys)
    assert.is_true(db.barriers:get("eu_procurement").recommendations:count() >= 1)
    assert.are.equal("seed000", m.source.key)
    assert.are.equal("Pensions Administration", m.sectors:first().name)
    assert.are.equal(1, db.sectors:get("Pensions Administration").mutuals:count())
  end)

  it("compares by entity and id", function()
    assert.are.equal(db.mutuals:get(1), db.mutuals:get("MyCSP"))
    assert.are_not.equal(db.mutuals:get(1), db.mutuals:get(2))
    assert.are_not.equal(db.mutuals:get(1), db.bodies:get(1))
  end)

  it("prints as entity, id and label", function()
    assert.are.equal("mutual 1: MyCSP", tostring(db.mutuals:get(1)))
    assert.are.equal("body 3: Department for Communities and Local Government", tostring(db.bodies:get("DCLG")))
  end)

  it("iterates its fields in order with pairs, skipping unknowns", function()
    local names = {}
    for k in pairs(db.bodies:get("DWP")) do names[#names + 1] = k end
    assert.are.same({"id", "abbrev", "name", "tier", "source_id"}, names)
    local t = db.bodies:get("DWP"):totable()
    assert.are.equal("DWP", t.abbrev)
  end)

  it("is read-only except through update", function()
    local m = db.mutuals:get(1)
    assert.has_error(function() m.staff = 1 end, "mutual records are read-only: use rec:update{staff = ...}")
    m:update{staff = 520, staff_qualifier = "exact"}
    assert.are.equal(520, m.staff)
    assert.are.equal(520, db.mutuals:get(1).staff)
  end)

  it("validates writes, naming entity, field, value and rule", function()
    local m = db.mutuals:get(1)
    assert.has_error(function() m:update{staff = -5} end, "mutual.staff: -5 is invalid: must be 0 or more")
    assert.has_error(function() m:update{status = "gone"} end,
      "mutual.status: 'gone' is invalid: must be one of: proposed pipeline operating blocked failed dissolved")
    assert.has_error(function() m:update{spun_out = "2012-13"} end,
      "mutual.spun_out: '2012-13' is invalid: must be a date YYYY, YYYY-MM or YYYY-MM-DD")
    assert.has_error(function() m:update{parent_id = 999} end,
      "mutual.parent_id: 999 is invalid: no body has that id")
    assert.has_error(function() m:update{staff = 1.5} end, "mutual.staff: 1.5 is invalid: must be a whole number")
    assert.has_error(function() m:update{name = "Essex Community Services"} end,
      "mutual.name: the value is already used by another mutual: it must be unique")
    assert.has_error(function() m:update{colour = "red"} end)
    assert.has_error(function() db.mutuals:insert{name = "No source", status = "operating"} end,
      "mutual.source_id: nil is invalid: is required")
    assert.has_error(function() db.results:insert{question_id = 1, option_id = 1, breakdown = "overall", grp = "x",
                                                  share = 1.2, source_id = 1} end,
      "result.share: 1.2 is invalid: must be a share between 0 and 1")
    assert.has_error(function() db.sectors:insert{name = "bad \255 utf8", source_id = 1} end)
    assert.are.equal("MyCSP", db.mutuals:get(1).name)
  end)

  it("accepts records as references", function()
    local dwp = db.bodies:get("DWP")
    local m = db.mutuals:insert{name = "New mutual", parent_id = dwp, status = "pipeline", source_id = 1}
    assert.are.equal(dwp, m.parent)
    assert.are.equal("pipeline", m.status)
  end)

  it("deletes, refusing while other rows refer to it", function()
    local m = db.mutuals:insert{name = "Short-lived", status = "proposed", source_id = 1}
    m:delete()
    assert.is_nil(db.mutuals:get("Short-lived"))
    assert.has_error(function() db.bodies:get("DWP"):delete() end)
    assert.is_not_nil(db.bodies:get("DWP"))
  end)
end)
