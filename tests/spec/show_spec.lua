-- mutuals.show and collection:table(): aligned tables that never hide an
-- unknown, say how many rows there are, and fit the width they are given.
local mutuals = require "mutuals"
local util = require "tests.spec.util"

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

describe("tables in the console", function()
  local db, path
  setup(function() db, path = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("prints a collection with its fields as columns, NULL for an unknown, and the row count", function()
    local t = db.mutuals:table()
    local l = lines(t)
    assert.matches("│ id │ name", l[2], 1, true)
    assert.matches("NULL", t, 1, true)
    assert.are.equal("6 rows", l[#l])
    assert.are.equal(6 + 5, #l)   -- three rules, a header, six rows, the count
  end)

  it("fits the width by cutting long cells with an ellipsis, aligned in characters", function()
    local t = mutuals.show(db.bodies, {width = 60})
    for _, l in ipairs(lines(t)) do
      if l:match("^[┌│├└]") then assert.is_true(utf8.len(l) <= 60, l) end
    end
    assert.matches("…", t, 1, true)
    local widths = {}
    for _, l in ipairs(lines(t)) do
      if l:match("^[┌│├└]") then widths[utf8.len(l)] = true end
    end
    assert.are.equal(1, #(function() local k = {} for w in pairs(widths) do k[#k + 1] = w end return k end)())
  end)

  it("shows the first rows of a long collection and says how many there are", function()
    local t = mutuals.show(db.observations, {limit = 3})
    assert.matches(("3 of %d rows"):format(db.observations:count()), t, 1, true)
    local all = mutuals.show(db.observations, {limit = false})
    assert.matches(("%d rows$"):format(db.observations:count()), all)
  end)

  it("keeps a column of db:sql that is NULL in every row, and ignores db:sql's count", function()
    local t = mutuals.show(db:sql("SELECT abbrev, NULL AS note FROM bodies WHERE abbrev = 'DWP'"))
    assert.matches("│ abbrev │ note │", t, 1, true)
    assert.matches("│ DWP    │ NULL │", t, 1, true)
  end)

  it("takes a list of records or rows, and the columns to show", function()
    local t = mutuals.show(db.mutuals:list(), {columns = {"name", "staff"}})
    assert.matches("│ name", t, 1, true)
    assert.is_nil(t:find("status", 1, true))
    assert.matches("│   500 │", t, 1, true)   -- numbers to the right
  end)

  it("refuses what it cannot show, and unknown options", function()
    assert.has_error(function() mutuals.show(42) end)
    assert.has_error(function() mutuals.show(db.mutuals, {widht = 80}) end)
    assert.has_error(function() mutuals.show(db.mutuals, {limit = -1}) end)
  end)
end)
