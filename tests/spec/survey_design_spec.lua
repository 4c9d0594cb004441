-- Design-based survey estimates against golden values from R's survey
-- package (tests/survey/golden.R, its output golden.csv): three designs on
-- one synthetic file (weights only; stratified; stratified and clustered
-- with a finite population correction and unequal weights), with missing
-- answers and an empty cell. Every value must agree to 1e-6.
local util = require "tests.spec.util"

local function golden()
  local rows = {}
  for line in io.lines("tests/survey/golden.csv") do
    if not line:match("^#") and not line:match("^design,") then
      local design, kind, group, option, value = line:match("^([^,]*),([^,]*),([^,]*),([^,]*),(.*)$")
      rows[#rows + 1] = {design = design, kind = kind, group = group, option = option, value = tonumber(value)}
    end
  end
  return rows
end

local function close(got, want, what)
  assert(got ~= nil, what .. ": no value (R gives " .. tostring(want) .. ")")
  assert(math.abs(got - want) <= 1e-6 * math.max(1, math.abs(want)),
    ("%s: %.12g, R gives %.12g"):format(what, got, want))
end

describe("design-based estimates (golden values from R survey 4.1.1)", function()
  local db, path, surveys
  setup(function()
    db, path = util.fresh()
    surveys = {}
    local designs = {
      weights = {id = "id", weight = "weight"},
      strata = {id = "id", weight = "weight", strata = "stratum"},
      cluster = {id = "id", weight = "weight", strata = "stratum", psu = "psu", fpc = "fpc"},
    }
    for name, opts in pairs(designs) do
      local s = db.surveys:insert{key = "staff_" .. name, title = "Synthetic staff survey (" .. name .. ")",
                                  source_id = 1}
      local q1 = db.questions:insert{survey_id = s, key = "q1", text = "Interested?", source_id = 1}
      for i, k in ipairs{"yes", "no", "dont_know"} do
        db.options:insert{question_id = q1, key = k, label = k, ordinal = i}
      end
      local q2 = db.questions:insert{survey_id = s, key = "q2", text = "Agree?", source_id = 1}
      for i, k in ipairs{"strongly_agree", "agree", "disagree", "strongly_disagree"} do
        db.options:insert{question_id = q2, key = k, label = k, ordinal = i}
      end
      local got = s:import("scripts/data/synthetic_staff_survey.csv", opts)
      assert(got.respondents == 2955, got.respondents)
      surveys[name] = s
    end
  end)
  teardown(function() util.drop(db, path) end)

  local function cell(t, group, option)
    for _, c in ipairs(t) do
      if (group == "all" or c.group == group) and c.option == option then return c end
    end
    if group == "all" then
      for _, c in ipairs(t.overall) do if c.option == option then return c end end
    end
  end

  it("matches R for shares, SEs, design effects, intervals, df, Rao-Scott and differences", function()
    local checked = 0
    local tables = {}
    local function table_for(design, kind)
      local key = design .. kind
      if not tables[key] then
        local s = surveys[design]
        if kind == "all" then tables[key] = s:crosstab{question = "q1", min_base = 0}
        elseif kind == "dept" then tables[key] = s:crosstab{question = "q1", by = "department", min_base = 0}
        elseif kind == "inC" then tables[key] = s:crosstab{question = "q1", by = "grade", where = {department = "C"},
                                                           min_base = 0}
        end
      end
      return tables[key]
    end
    local rows, share = golden(), {}
    for _, g in ipairs(rows) do
      if g.kind == "share" then share[g.design .. g.group .. g.option] = g.value end
    end
    for _, g in ipairs(rows) do
      local s, what = surveys[g.design], ("%s %s %s %s"):format(g.design, g.kind, g.group, g.option)
      local kind = g.kind
      -- A share of 0 or 1 (department F: nine people, all "no") has no interval and no design effect:
      -- mutuals gives none, where R returns numerical noise (a deff of 1e32, a logit interval of 1e-11).
      local p = share[g.design .. g.group .. g.option]
      if (kind == "deff" or kind:match("^lo_") or kind:match("^hi_")) and (p == 0 or p == 1 or g.value ~= g.value) then
        local t = table_for(g.design, g.group == "all" and "all" or "dept")
        assert.is_nil(cell(t, g.group, g.option)[kind], what .. ": no value expected")
        kind = "skip"
      end
      if kind == "share" or kind == "se" or kind == "deff" then
        local t = table_for(g.design, g.group == "all" and "all" or "dept")
        local c = g.group == "all" and cell(t, "all", g.option) or cell(t, g.group, g.option)
        close(c[kind], g.value, what)
      elseif kind:match("^lo_") or kind:match("^hi_") or kind == "df" then
        local t = table_for(g.design, g.group == "all" and "all" or "dept")
        close(cell(t, g.group, g.option)[kind], g.value, what)
      elseif kind:match("^chisq_") then
        local a, b = g.group:match("^(%w+)_(%w+)$")
        local r = s:chisq{a, b}
        close(r[({chisq_f = "f", chisq_ndf = "ndf", chisq_ddf = "ddf", chisq_p = "p"})[kind]], g.value, what)
      elseif kind == "diff" or kind == "diff_se" then
        local d = s:difference{question = "q1", option = "no", by = "department", a = "A", b = "B"}
        close(kind == "diff" and d.diff or d.se, g.value, what)
      elseif kind == "share_in_C" or kind == "se_in_C" then
        local c = cell(table_for(g.design, "inC"), g.group, g.option)
        close(kind == "share_in_C" and c.share or c.se, g.value, what)
      elseif kind:match("^group_") then
        -- a department's share of everyone who answered: the table's margin (t.totals)
        local t, total = table_for(g.design, "dept"), nil
        for _, c in ipairs(t.totals) do
          if c.group == g.group or g.group == "all" then total = c end
        end
        local field = ({group_share = "share", group_se = "se", group_lo_logit = "lo_logit",
                        group_hi_logit = "hi_logit", group_df = "df"})[kind]
        close(total[field], g.value, what)
      elseif kind ~= "skip" then
        error("unknown golden kind " .. kind)
      end
      checked = checked + 1
    end
    assert.is_true(checked > 300, "only " .. checked .. " golden values")
  end)

  it("returns every cell, the empty one included, with margins", function()
    local t = surveys.cluster:crosstab{question = "q1", by = "department", min_base = 0}
    assert.are.equal(18, #t)
    local empty = cell(t, "E", "dont_know")
    assert.are.same({0, 0}, {empty.n, empty.share})
    assert.is_nil(empty.lo)
    assert.are.equal(6, #t.totals)
    local sum = 0
    for _, g in ipairs(t.totals) do sum = sum + g.share end
    assert.is_true(math.abs(sum - 1) < 1e-12)
    assert.are.equal(3, #t.overall)
    assert.are.equal("logit", t.ci)
  end)
end)
