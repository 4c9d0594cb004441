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
        elseif kind == "nested" then tables[key] = s:crosstab{question = "q1", by = {"department", "grade"}, min_base = 0}
        elseif kind == "by_q2" then tables[key] = s:crosstab{question = "q1", by = "q2", min_base = 0}
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
      elseif kind == "weighted" then   -- svytable: the cell's weighted count
        close(cell(table_for(g.design, "dept"), g.group, g.option).weight, g.value, what)
      elseif kind:match("_nested$") or kind:match("_by_q2$") then
        -- nested groups (department / grade) and a question by a question: the same domain estimates
        local c = cell(table_for(g.design, kind:match("_nested$") and "nested" or "by_q2"), g.group, g.option)
        close(kind:match("^share") and c.share or c.se, g.value, what)
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
      elseif kind:match("^mean") then
        -- means of scores: q2 on the People Survey's scale, q1 as yes = 1, no = 0 with "don't know" unscored
        local scores = g.option == "score2" and {strongly_agree = 100, agree = 75, disagree = 25, strongly_disagree = 0}
                       or {yes = 1, no = 0}
        local inC = kind:match("_in_C$")
        local key = ("mean %s %s %s %s"):format(g.design, g.option, g.group == "all", inC)
        if not tables[key] then
          tables[key] = s:mean{question = g.option == "score2" and "q2" or "q1", scores = scores, min_base = 0,
                               by = g.group ~= "all" and (inC and "grade" or "department") or nil,
                               where = inC and {department = "C"} or nil}
        end
        local t, row = tables[key], nil
        if g.group == "all" then row = t.all end
        for _, r in ipairs(t) do if r.group == g.group then row = r end end
        local field = ({mean = "mean", mean_se = "se", mean_deff = "deff", mean_lo = "lo", mean_hi = "hi",
                        mean_in_C = "mean", mean_se_in_C = "se"})[kind]
        close(row[field], g.value, what)
      elseif kind ~= "skip" then
        error("unknown golden kind " .. kind)
      end
      checked = checked + 1
    end
    assert.is_true(checked > 900, "only " .. checked .. " golden values")
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

  it("gives means of scores: unscored options out of the base, no mean where nobody is scored, refusals", function()
    local s = surveys.cluster
    local m = s:mean{question = "q1", scores = {yes = 1, no = 0}, by = "department", min_base = 0}
    assert.are.same({"dont_know"}, m.unscored)
    assert.are.equal(6, #m)
    -- the mean of yes = 1, no = 0 is the share of yes among those who said yes or no
    local t, w, n = s:crosstab{question = "q1", min_base = 0}, {}, {}
    for _, c in ipairs(t.overall) do w[c.option], n[c.option] = c.weight, c.n end
    assert.is_true(math.abs(m.all.mean - w.yes / (w.yes + w.no)) < 1e-12)
    assert.are.equal(n.yes + n.no, m.all.n)
    -- a domain where nobody is scored has no mean: absent, never 0
    local none = s:mean{question = "q1", scores = {dont_know = 1}, where = {department = "F"}, min_base = 0}
    assert.is_nil(none.all.mean)
    assert.are.equal(0, none.all.n)
    -- options named by their label; a typo gets a suggestion; a score must be a number
    assert.has_error(function() s:mean{question = "q1", scores = {yse = 1}} end,
      "mean: 'yse' is not a value of q1: did you mean 'yes'? (values: yes, no, dont_know)")
    assert.has_error(function() s:mean{question = "q1", scores = {yes = "high"}} end,
      "mean: the score of 'yes' must be a number, got string")
    -- without scores the options must be numbers themselves
    assert.has_error(function() s:mean{question = "q1"} end,
      "mean: the options of q1 are not numbers (yes, no, dont_know): give scores = {option = score, ...}")
    assert.has_error(function() s:mean{question = "department", scores = {A = 1}} end,
      "mean: 'department' is an attribute, not a question: tabulate a question by it")
    assert.has_error(function() s:mean{question = "q1", scores = {yes = 1}, ci = "wilson"} end)
  end)

  it("suppresses a small group's mean and another, so that neither follows from the whole", function()
    local m = surveys.weights:mean{question = "q2", by = "department",
                                   scores = {strongly_agree = 100, agree = 75, disagree = 25, strongly_disagree = 0}}
    local hidden = {}
    for _, g in ipairs(m) do
      if g.suppressed then hidden[#hidden + 1] = g.group .. ":" .. g.suppressed end
      if g.suppressed then assert.is_nil(g.mean) assert.is_nil(g.n) end
    end
    table.sort(hidden)
    assert.are.equal(2, #hidden)
    assert.are.equal("F:primary", hidden[2])
    assert.is_not_nil(m.all.mean)
  end)
end)
