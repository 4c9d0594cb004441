-- Survey analysis, growth, targets and deadlines.
local mutuals = require "mutuals"
local util = require "tests.spec.util"

-- Wilson interval written out independently of the C code.
local function wilson(p, n)
  local z = 1.959963984540054
  local d = 1 + z * z / n
  local c = (p + z * z / (2 * n)) / d
  local h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
  return c - h, c + h
end

-- Days from 1970-01-01 (os.time would depend on the time zone).
local function days(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end

local function near(a, b) assert.is_true(math.abs(a - b) < 1e-9, ("%s ~= %s"):format(a, b)) end

describe("survey analysis", function()
  local db, path, survey
  setup(function()
    db, path = util.fresh()
    survey = db.surveys:get("csl2012")
  end)
  teardown(function() util.drop(db, path) end)

  it("gives Wilson 95% intervals where the base is known", function()
    local rows = survey:shares{question = "interest", source = "csw_ship"}
    assert.are.equal(3, #rows)
    for _, r in ipairs(rows) do
      assert.are.equal(1395, r.n)
      -- from the count (223), not the rounded share (0.16)
      assert.are.equal("count", r.interval_from)
      local lo, hi = wilson(r.count / 1395, 1395)
      near(lo, r.lo)
      near(hi, r.hi)
    end
  end)

  it("gives no interval without a base", function()
    for _, r in ipairs(survey:shares{question = "interest", by = "department"}) do
      assert.is_nil(r.n)
      assert.is_nil(r.lo)
      assert.is_nil(r.hi)
    end
  end)

  it("cannot test a difference without bases, and says why", function()
    local t, why = survey:compare{question = "interest", option = "no", by = "department", a = "DCLG", b = "HMRC"}
    assert.is_nil(t)
    assert.matches("no base %(number of respondents%) was published for department 'DCLG'", why)
  end)

  it("raises for an unknown question or breakdown", function()
    assert.has_error(function() survey:shares{question = "nope"} end)
    assert.has_error(function() survey:crosstab{question = "interest", by = "colour"} end)
  end)

  it("tabulates weighted microdata and tests a difference", function()
    local s = db.surveys:insert{key = "micro", title = "Microdata test", source_id = 1}
    local q = db.questions:insert{survey_id = s, key = "q", text = "Q?", source_id = 1}
    local yes = db.options:insert{question_id = q, key = "yes", label = "Yes", ordinal = 1}
    local no = db.options:insert{question_id = q, key = "no", label = "No", ordinal = 2}
    db:transaction(function()
      -- A: 3 yes (weight 1) + 1 no (weight 3) => weighted yes 0.5; B: 1 yes, 3 no (weight 1)
      local rows = {{"a1", "A", yes, 1}, {"a2", "A", yes, 1}, {"a3", "A", yes, 1}, {"a4", "A", no, 3},
                    {"b1", "B", yes, 1}, {"b2", "B", no, 1}, {"b3", "B", no, 1}, {"b4", "B", no, 1}}
      for _, r in ipairs(rows) do
        db.responses:insert{survey_id = s, respondent = r[1], question_id = q, option_id = r[3],
                            department = r[2], weight = r[4]}
      end
    end)
    -- groups of four are below the disclosure threshold (10 by default): suppressed
    local hidden = s:crosstab{question = "q", by = "department"}
    assert.are.equal("primary", hidden[1].suppressed)
    assert.is_nil(hidden[1].share)
    local tab = s:crosstab{question = "q", by = "department", min_base = 0}
    assert.are.equal(4, #tab)
    local a_yes = tab[1]
    assert.are.same({"A", "yes", 3, 3}, {a_yes.group, a_yes.option, a_yes.n, a_yes.weight})
    near(0.5, a_yes.share)
    assert.are.equal(4, a_yes.group_n)
    -- design-based (each respondent its own PSU, one stratum of 8): z = w (y - p) / X within A, 0 outside
    local se = math.sqrt(8 / 7 * (3 * (1 / 12) ^ 2 + 0.25 ^ 2))
    near(se, a_yes.se)
    -- logit interval on t with the domain's 4 PSUs - 1 stratum = 3 degrees of freedom
    local t3, expit = 3.182446305284263, function(x) return 1 / (1 + math.exp(-x)) end
    near(expit(-t3 * se / 0.25), a_yes.lo)
    near(expit(t3 * se / 0.25), a_yes.hi)
    near(0.25, tab[3].share)
    local overall = s:crosstab{question = "q", min_base = 0}
    assert.are.equal(2, #overall)
    near(4 / 10, overall[1].share)
    -- the difference, design-based: the two domains' linearised variables together
    -- as the crosstab: groups of four are under the disclosure threshold, so no difference is given out
    assert.has_error(function() s:compare{question = "q", option = "yes", by = "department", a = "A", b = "B"} end,
      "difference: group 'A' has 4 respondents who answered q, under the disclosure threshold of 10 (min_base): " ..
      "its share is not published, so no difference is given")
    assert.has_error(function() s:difference{question = "q", option = "yes", by = "department", a = "A", b = "A"} end,
      "difference: a and b are the same group ('A'): name two groups")
    local t = s:compare{question = "q", option = "yes", by = "department", a = "A", b = "B", min_base = 0}
    near(0.25, t.diff)
    local se_diff = math.sqrt(8 / 7 * (3 * (1 / 12) ^ 2 + 0.25 ^ 2 + (0.75 / 4) ^ 2 + 3 * (0.25 / 4) ^ 2))
    near(se_diff, t.se)
    near(0.25 / se_diff, t.z)
  end)

  it("two_prop matches a worked example", function()
    -- p1 = .5, n1 = 100; p2 = .4, n2 = 100: pooled .45, se = sqrt(.45*.55*.02)
    local t = mutuals.two_prop(0.5, 100, 0.4, 100)
    near((0.1) / math.sqrt(0.45 * 0.55 * 0.02), t.z)
    assert.is_true(t.p > 0.15 and t.p < 0.16)
  end)

  it("wilson checks its arguments", function()
    assert.has_error(function() mutuals.wilson(1.5, 10) end)
    assert.has_error(function() mutuals.wilson(0.5, 0) end)
    local lo, hi = mutuals.wilson(0, 10)
    assert.are.equal(0, lo)
    assert.is_true(hi > 0.2 and hi < 0.35)
  end)
end)

describe("growth, targets and deadlines", function()
  local db, path
  setup(function() db, path = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("six-fold from 9 to at least 58 is at least 6.4-fold", function()
    local from = db.observations:where{metric = "mutuals", as_of = "2010"}:first()
    local to = db.observations:where{metric = "mutuals", qualifier = "at_least"}:first()
    local g = from:growth(to)
    near(58 / 9, g.ratio.value)
    assert.is_nil(g.ratio.hi)
    assert.are.equal("at_least", g.qualifier)
    assert.are.equal("at least 6.4-fold", g.ratio:text())
    -- '2010' is any day of 2010 and '2012-06' any day of June 2012: the rate is bounded over all of them
    near((days(2012, 6, 1) - days(2010, 12, 31)) / 365.2425, g.years_min)
    near((days(2012, 6, 30) - days(2010, 1, 1)) / 365.2425, g.years_max)
    near((58 / 9) ^ (1 / g.years_max) - 1, g.cagr.lo)
    assert.is_nil(g.cagr.hi)
    assert.are.equal("at least 111% a year", g.cagr:text())
  end)

  it("refuses a change as if it were a level", function()
    local change = db.observations:where{metric = "sickness_days_per_employee"}:first()
    local level = db.observations:where{metric = "mutuals"}:first()
    assert.has_error(function() mutuals.growth(level, change) end)
  end)

  it("refuses to compare different units", function()
    assert.has_error(function()
      mutuals.growth({value = 1, unit = "GBP", as_of = "2010"}, {value = 2, unit = "people", as_of = "2011"})
    end, "growth: units differ ('GBP' and 'people'): convert one first")
  end)

  it("measures progress toward one million by 2015, keeping rival figures", function()
    local target = db.programmes:get("one_million")
    local p = target:progress{as_of = "2012-12"}
    assert.are.equal(1000000, p.target.value)
    assert.are.equal("2015", p.due)
    -- the latest staff figure on or before the date is August 2012's "around 45,000"
    assert.are.equal(1, #p.observations)
    assert.are.equal("2012-08", p.figure_date)
    near(0.045, p.observations[1].share.value)
    assert.are.equal("around", p.observations[1].figure.qualifier)
    assert.is_true(p.observations[1].share.approximate)
    local early = target:progress{as_of = "2012-06-30"}
    near(0.02, early.observations[1].share.value)
    -- a figure dated after the target's year says nothing of it; one from before does, with its date
    local late = target:progress{as_of = "2026-11-23"}
    assert.are.equal("2014-07", late.figure_date)
    near(0.035, late.observations[1].share.value)
    assert.are.equal("England and Wales", late.observations[1].share.geography)
    assert.has_error(function() db.programmes:get("msp"):progress{as_of = "2013"} end)
  end)

  it("lists recommendations overdue as of a date", function()
    local function keys(c)
      local t = {}
      for r in c:order("key"):rows() do t[#t + 1] = r.key end
      return t
    end
    -- the bundled statuses are unknown: past the deadline, but not known to be overdue
    assert.are.same({"department_plans", "staff_pathways"}, keys(db.recommendations:past_deadline("2013-05")))
    assert.are.same({}, keys(db.recommendations:overdue("2013-05")))
    db.recommendations:get("department_plans"):update{status = "in_progress"}
    db.recommendations:get("staff_pathways"):update{status = "accepted"}
    assert.are.same({}, keys(db.recommendations:overdue("2012-12-31")))
    assert.are.same({"department_plans"}, keys(db.recommendations:overdue("2013-01-01")))
    assert.are.same({"department_plans", "staff_pathways"}, keys(db.recommendations:overdue("2013-05")))
    db.recommendations:get("department_plans"):update{status = "implemented"}
    assert.are.same({"staff_pathways"}, keys(db.recommendations:overdue("2013-05")))
    assert.has_error(function() db.recommendations:overdue("soon") end)
  end)
end)
