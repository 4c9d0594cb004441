-- Long loops are read ahead on a second thread (models/readahead.c). Whatever
-- the loop body does with the store, every row must arrive once and in order,
-- as the same query answers through db:sql, which never reads ahead.
local util = require "tests.spec.util"

local N = 20000   -- well past the 2,048 rows a loop reads before it reads ahead

describe("loops read ahead", function()
  local db, path, dir

  setup(function()
    db, path, dir = util.fresh()
    local t = {"survey_id,respondent,question_id,option_id,department,grade,weight"}
    for i = 1, N do t[#t + 1] = ("1,R%05d,1,%d,D%02d,EO,%g"):format(i, i % 3 + 1, i % 7, 1 + i % 5 / 4) end
    util.write(dir .. "/r.csv", table.concat(t, "\n") .. "\n")
    assert.are.equal(N, db:import("responses", dir .. "/r.csv"))
  end)
  teardown(function() util.drop(db, path) end)

  local function expected()
    local rows = db:sql("SELECT id, respondent, weight FROM responses ORDER BY id")
    assert.are.equal(N, #rows)
    return rows
  end

  -- Runs body(i, id, respondent, weight) on each row of an ordered values()
  -- loop and checks the rows against db:sql's.
  local function check_loop(body)
    local want, i = expected(), 0
    for id, respondent, weight in db.responses:order("id"):values("id", "respondent", "weight") do
      i = i + 1
      local w = want[i]
      if id ~= w.id or respondent ~= w.respondent or weight ~= w.weight then
        error(("row %d: got %s %s %s, want %s %s %s"):format(i, id, respondent, weight, w.id, w.respondent, w.weight))
      end
      if body then body(i, id) end
    end
    assert.are.equal(N, i)
  end

  it("values(): every row once and in order", function() check_loop() end)

  it("rows(): every record's fields, in order", function()
    local want, i = expected(), 0
    for rec in db.responses:order("id"):rows() do
      i = i + 1
      assert.are.same({want[i].id, want[i].respondent, want[i].weight}, {rec.id, rec.respondent, rec.weight})
    end
    assert.are.equal(N, i)
  end)

  it("survives queries, relations and writes inside the loop", function()
    local sectors = db.sectors:count()
    check_loop(function(i, id)
      if i % 4000 == 0 then
        assert.are.equal(N, db.responses:count())
        assert.are.equal(id, db.responses:get(id).id)
        assert.are.equal(1, db.responses:get(id).survey.id)
        db:sql("INSERT INTO sectors(name, source_id) VALUES (?, 1)", "sector " .. i)
        db:transaction(function() db.sectors:insert{name = "tx " .. i, source_id = 1} end)
      end
    end)
    assert.are.equal(sectors + 2 * N // 4000, db.sectors:count())
  end)

  it("nests loops over the same table", function()
    check_loop(function(i)
      if i % 5000 == 0 then
        local n = 0
        for _ in db.responses:limit(3000):values("id") do n = n + 1 end
        assert.are.equal(3000, n)
        assert.are.equal(2500, #db.responses:where{grade = "EO"}:limit(2500):list())
      end
    end)
  end)

  it("takes two loops in turns", function()
    local a = db.responses:order("id"):values("id")
    local b = db.responses:order("id", "desc"):values("id")
    for i = 1, N do
      assert.are.equal(i, a())
      assert.are.equal(N + 1 - i, b())
    end
    assert.is_nil(a())
    assert.is_nil(b())
  end)

  it("lets a loop break, then uses the store", function()
    local n = 0
    for _ in db.responses:values("id") do
      n = n + 1
      if n == 5000 then break end
    end
    assert.are.equal(N, db.responses:count())
    check_loop()
  end)

  it("closes the scan when the loop body raises", function()
    local ok, err = pcall(check_loop, function(i) if i == 6000 then error("stop here") end end)
    assert.is_false(ok)
    assert.matches("stop here", err)
    db:transaction(function() db.sectors:insert{name = "after an error", source_id = 1} end)
    check_loop()
  end)

  it("lets go of an abandoned iterator", function()
    local next_id = db.responses:order("id"):values("id")
    for i = 1, 4000 do assert.are.equal(i, next_id()) end
    next_id = nil   -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    check_loop()
  end)

  it("stops a loop whose store is closed under it", function()
    local other = assert(require("mutuals").open(path))
    local ok, err = pcall(function()
      local n = 0
      for _ in other.responses:values("id") do
        n = n + 1
        if n == 3000 then other:close() end
      end
    end)
    assert.is_false(ok)
    assert.matches("the store is closed", err, 1, true)
  end)
end)
