-- The columnar cache of survey designs (migration 6): an estimate read from
-- the cache must be the estimate the rows give, whatever changed since the
-- cache was written, and a store that cannot be written still answers.
local util = require "tests.spec.util"

local function survey_with(db, dir, key, rows)
  local s = db.surveys:insert{key = key, title = "Cache " .. key, source_id = 1}
  local q = db.questions:insert{survey_id = s, key = "q1", text = "Interested?", source_id = 1}
  for i, k in ipairs{"yes", "no"} do db.options:insert{question_id = q, key = k, label = k, ordinal = i} end
  local lines = {"id,department,weight,q1"}
  for n = 1, rows do
    lines[#lines + 1] = ("r%d,%s,%.2f,%s"):format(n, n % 2 == 0 and "A" or "B", 0.5 + (n % 7) / 3,
                                                  n % 3 == 0 and "yes" or "no")
  end
  util.write(dir .. "/" .. key .. ".csv", table.concat(lines, "\n") .. "\n")
  s:import(dir .. "/" .. key .. ".csv", {weight = "weight"})
  return s
end

-- The share of "yes" in department A, with its SE.
local function yes_in_a(s)
  for _, c in ipairs(s:crosstab{question = "q1", by = "department", min_base = 0}) do
    if c.group == "A" and c.option == "yes" then return c.share, c.se, c.n end
  end
end

local function cached(db, id)
  return db:sql("SELECT count(*) AS n FROM survey_cache WHERE survey_id = ?", id)[1].n
end

describe("survey cache", function()
  local db, path, dir
  setup(function() db, path, dir = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("writes the cache on first use and gives the same numbers from it", function()
    local s = survey_with(db, dir, "c1", 200)
    assert.are.equal(0, cached(db, s.id))
    local share, se, n = yes_in_a(s)
    assert.is_true(cached(db, s.id) >= 2)   -- the design and the variables used
    local share2, se2, n2 = yes_in_a(s)
    assert.are.same({share, se, n}, {share2, se2, n2})
  end)

  it("sees an update, a delete and an insert below the largest id", function()
    local s = survey_with(db, dir, "c2", 200)
    local before = yes_in_a(s)
    db:sql("UPDATE respondents SET weight = weight * 9 WHERE survey_id = ? AND key = 'r6'", s.id)
    local after_update = yes_in_a(s)
    assert.are_not.equal(before, after_update)
    db:sql("DELETE FROM responses WHERE survey_id = ? AND respondent = 'r12'", s.id)
    local _, _, n_delete = yes_in_a(s)
    assert.are.equal(32, n_delete)   -- 33 "yes" in A (every sixth of 200), one answer gone
    -- a row given an explicit id in a gap below the largest one: the largest id does not move
    local gap = db:sql("SELECT id FROM responses WHERE survey_id = ? AND respondent = 'r18'", s.id)[1].id
    db:sql("DELETE FROM responses WHERE id = ?", gap)
    assert.are.equal(31, select(3, yes_in_a(s)))
    db:sql("INSERT INTO responses (id, survey_id, respondent, question_id, option_id, department, weight) " ..
           "SELECT ?, survey_id, 'r18', question_id, option_id, 'A', 1 FROM responses WHERE survey_id = ? AND " ..
           "respondent = 'r24'", gap, s.id)
    assert.are.equal(32, select(3, yes_in_a(s)))
  end)

  it("is not written inside a read snapshot, and a read-only store still answers", function()
    local s = survey_with(db, dir, "c3", 100)
    db:read(function() yes_in_a(s) end)
    assert.are.equal(0, cached(db, s.id))
    local share = yes_in_a(s)
    db:close()
    local ro = require("mutuals").open(path, {read_only = true})
    local s2 = ro.surveys:get("c3")
    assert.are.equal(share, yes_in_a(s2))
    ro:close()
    db = require("mutuals").open(path)
  end)

  it("lets go of the store after an estimate, though its design is not collected yet", function()
    -- the design's open blobs kept the connection's read snapshot: the script no longer saw another
    -- program's writes, and its own next write failed as busy after waiting 30 s
    local s = survey_with(db, dir, "c7", 60)
    collectgarbage("stop")
    yes_in_a(s)
    yes_in_a(s)   -- the second from the cache, in chunks
    s:chisq{"q1", "department"}
    local other = require("mutuals").open(path)
    other:sql("INSERT INTO settings (key, value) VALUES ('probe.snapshot', 'x')")
    other:close()
    local seen = #db:sql("SELECT 1 FROM settings WHERE key = 'probe.snapshot'")
    local ok, err = pcall(db.transaction, db, function() db:sql("DELETE FROM settings WHERE key = 'probe.snapshot'") end)
    collectgarbage("restart")
    assert.are.equal(1, seen)
    assert.is_true(ok, err)
  end)

  it("a damaged entry is refused and rebuilt from the rows, never read past its end", function()
    local s = survey_with(db, dir, "c6", 120)
    local share, se, n = yes_in_a(s)
    -- the test of association and the difference read the cache too, and fall back to the rows alike
    local function chi() return s:chisq{"q1", "department"}.f end
    local function diff()
      local d = s:difference{question = "q1", option = "yes", by = "department", a = "A", b = "B"}
      return d.diff, d.se
    end
    local f, d, dse = chi(), diff()
    for _, damage in ipairs{"substr(data, 1, length(data) - 3)", "zeroblob(length(data))", "randomblob(40)",
                            "data || x'00'", "x''"} do
      db:sql("UPDATE survey_cache SET data = " .. damage .. " WHERE survey_id = ?", s.id)
      assert.are.same({share, se, n}, {yes_in_a(s)}, damage)
      db:sql("UPDATE survey_cache SET data = " .. damage .. " WHERE survey_id = ?", s.id)
      assert.are.equal(f, chi(), damage)
      db:sql("UPDATE survey_cache SET data = " .. damage .. " WHERE survey_id = ?", s.id)
      assert.are.same({d, dse}, {diff()}, damage)
    end
    -- a code out of range in a well-formed entry is found as the chunk is read: each estimate starts again
    -- from the rows (both variables have two levels, coded in 2 bits: x'ff' is a fourth level in each)
    local bad = "UPDATE survey_cache SET data = substr(data, 1, length(data) - 1) || x'ff' " ..
                "WHERE survey_id = ? AND name LIKE 'var:%'"
    for _, estimate in ipairs{function() return yes_in_a(s) end, chi, diff} do
      local want = {estimate()}
      db:sql(bad, s.id)
      assert.are.same(want, {estimate()})
    end
  end)

  it("reads a large survey in chunks to the same table as from its rows", function()
    -- 40,000 respondents: three chunks of the cache, with strata and clusters, and one without
    local s = db.surveys:insert{key = "big", title = "Cache big", source_id = 1}
    local q = db.questions:insert{survey_id = s, key = "q1", text = "Interested?", source_id = 1}
    for i, k in ipairs{"yes", "no", "dont_know"} do db.options:insert{question_id = q, key = k, label = k, ordinal = i} end
    local lines = {"id,department,grade,stratum,psu,weight,q1"}
    for n = 1, 40000 do
      local h = n % 5
      lines[#lines + 1] = ("r%d,%s,%s,s%d,p%d_%d,%.3f,%s"):format(n, string.char(65 + n * 7 % 9), n % 4 == 0 and "SCS" or "G7",
        h, h, n % 97, 0.4 + (n * 13 % 17) / 5, ({"yes", "no", "dont_know", ""})[n * 11 % 4 + 1])
    end
    util.write(dir .. "/big.csv", table.concat(lines, "\n") .. "\n")
    s:import(dir .. "/big.csv", {weight = "weight", strata = "stratum", psu = "psu"})
    local function tables()
      local out = {}
      for _, spec in ipairs{{question = "q1", by = "department"}, {question = "q1", by = {"department", "grade"}},
                            {question = "q1", where = {grade = "SCS"}, by = "department"}} do
        spec.min_base = 0
        out[#out + 1] = s:crosstab(spec)
      end
      return out
    end
    local from_rows = tables()            -- first use: from the rows, in memory, then cached
    assert.is_true(cached(db, s.id) >= 3)
    local from_cache = tables()           -- then read in chunks
    for t = 1, #from_rows do
      assert.are.equal(#from_rows[t], #from_cache[t])
      for i, c in ipairs(from_rows[t]) do
        local d = from_cache[t][i]
        assert.are.same({c.group, c.option, c.n, c.base_n}, {d.group, d.option, d.n, d.base_n})
        for _, f in ipairs{"share", "se", "deff", "df", "lo_beta", "hi_logit"} do
          local x, y = c[f], d[f]
          assert.is_true(x == y or (x ~= x and y ~= y) or math.abs(x - y) <= 1e-12 * math.max(1, math.abs(x)),
                         ("table %d cell %d %s: %s from rows, %s from the cache"):format(t, i, f, x, y))
        end
      end
    end
  end)

  it("an import counts as one change and puts its trigger back", function()
    local s = survey_with(db, dir, "c4", 50)
    local triggers = db:sql("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_inserted'")
    assert.are.equal(4, triggers[1].n)
    local changes = db:sql("SELECT n FROM data_changes")[1].n
    survey_with(db, dir, "c5", 10)
    assert.are.equal(changes + 2, db:sql("SELECT n FROM data_changes")[1].n)   -- respondents and responses
    assert.is_truthy(s)
  end)
end)
