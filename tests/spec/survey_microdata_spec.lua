-- Microdata: importing a supplier's file (wide and long), disclosure
-- control that cannot be undone by subtraction, and the errors an analyst
-- meets on the way.
local util = require "tests.spec.util"

local function new_survey(db, key)
  local s = db.surveys:insert{key = key, title = "Test " .. key, source_id = 1}
  local q = db.questions:insert{survey_id = s, key = "q1", text = "Interested?", source_id = 1}
  for i, k in ipairs{"yes", "no"} do db.options:insert{question_id = q, key = k, label = k:upper(), ordinal = i} end
  local q2 = db.questions:insert{survey_id = s, key = "q2", text = "Agree?", source_id = 1}
  for i, k in ipairs{"agree", "disagree"} do db.options:insert{question_id = q2, key = k, label = k, ordinal = i} end
  return s
end

-- A wide file: groups of the given sizes, answers alternating.
local function wide(path, sizes)
  local lines, n = {"id,department,weight,q1,q2"}, 0
  for _, g in ipairs(sizes) do
    for i = 1, g[2] do
      n = n + 1
      lines[#lines + 1] = ("r%d,%s,%.1f,%s,%s"):format(n, g[1], 1 + (n % 3) / 2, i % 3 == 0 and "yes" or "no",
                                                       i % 2 == 0 and "agree" or "disagree")
    end
  end
  util.write(path, table.concat(lines, "\n") .. "\n")
end

describe("survey microdata", function()
  local db, path, dir
  setup(function() db, path, dir = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("imports a wide file and a long one to the same estimates", function()
    local s1, s2 = new_survey(db, "wide"), new_survey(db, "long")
    wide(dir .. "/w.csv", {{"A", 30}, {"B", 25}})
    assert.are.same({respondents = 55, answers = 110}, s1:import(dir .. "/w.csv", {weight = "weight"}))
    -- the same data, one row per answer
    local out = {"id,department,weight,question,answer"}
    for line in io.lines(dir .. "/w.csv") do
      local id, d, w, a1, a2 = line:match("^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)$")
      if id ~= "id" then
        out[#out + 1] = table.concat({id, d, w, "q1", a1}, ",")
        out[#out + 1] = table.concat({id, d, w, "q2", a2}, ",")
      end
    end
    util.write(dir .. "/l.csv", table.concat(out, "\n") .. "\n")
    assert.are.same({respondents = 55, answers = 110}, s2:import(dir .. "/l.csv", {form = "long", weight = "weight"}))
    local a = s1:crosstab{question = "q1", by = "department"}
    local b = s2:crosstab{question = "q1", by = "department"}
    for i = 1, #a do
      assert.are.same({a[i].group, a[i].option, a[i].n}, {b[i].group, b[i].option, b[i].n})
      assert.is_true(math.abs(a[i].share - b[i].share) < 1e-12 and math.abs(a[i].se - b[i].se) < 1e-12)
    end
  end)

  it("suppresses a small group and enough others that subtraction cannot recover it", function()
    local s = new_survey(db, "small")
    wide(dir .. "/s.csv", {{"A", 30}, {"B", 25}, {"C", 4}})
    s:import(dir .. "/s.csv", {weight = "weight"})
    local t = s:crosstab{question = "q1", by = "department"}
    local by = {}
    for _, g in ipairs(t.totals) do by[g.groups.department] = g end
    -- C alone would be the overall margin minus A and B: B goes too
    assert.are.equal("primary", by.C.suppressed)
    assert.are.equal("complementary", by.B.suppressed)
    assert.is_nil(by.B.n)
    assert.are.equal(30, by.A.n)
    assert.are.equal(59, t.all.base_n)
    for _, c in ipairs(t) do
      if c.groups.department ~= "A" then
        assert.is_not_nil(c.suppressed)
        assert.is_nil(c.share)
        assert.is_nil(c.n)
      end
    end
    -- two small groups whose sum is still small: a third goes with them
    local s2 = new_survey(db, "two_small")
    wide(dir .. "/s2.csv", {{"A", 30}, {"B", 25}, {"C", 3}, {"D", 4}})
    s2:import(dir .. "/s2.csv", {weight = "weight"})
    local hidden, base = 0, 0
    local sizes = {A = 30, B = 25, C = 3, D = 4}
    for _, g in ipairs(s2:crosstab{question = "q1", by = "department"}.totals) do
      if g.suppressed then
        hidden = hidden + 1
        base = base + sizes[g.groups.department]
      end
    end
    assert.is_true(hidden >= 3 and base >= 10, ("hidden %d groups with %d respondents"):format(hidden, base))
    -- per call, and per store
    assert.is_nil(s:crosstab{question = "q1", by = "department", min_base = 0}[5].suppressed)
    db:sql("UPDATE settings SET value = '3' WHERE key = 'disclosure.min_base'")
    assert.is_nil(s:crosstab{question = "q1", by = "department"}.totals[3].suppressed)
    db:sql("UPDATE settings SET value = '10' WHERE key = 'disclosure.min_base'")
  end)

  it("breaks down by another question, nested variables and filters", function()
    local s = new_survey(db, "nested")
    wide(dir .. "/n.csv", {{"A", 40}, {"B", 40}})
    s:import(dir .. "/n.csv", {weight = "weight"})
    local t = s:crosstab{question = "q1", by = "q2", min_base = 0}
    assert.are.same({"agree", "agree", "disagree", "disagree"}, {t[1].group, t[2].group, t[3].group, t[4].group})
    local nested = s:crosstab{question = "q1", by = {"department", "q2"}, min_base = 0}
    assert.are.equal(8, #nested)
    assert.are.same({department = "A", q2 = "agree"}, nested[1].groups)
    assert.are.equal("A / agree", nested[1].group)
    local f = s:crosstab{question = "q1", where = {department = "B"}, min_base = 0}
    assert.are.equal(40, f[1].base_n)
    local chi = s:chisq{"q1", "department"}
    assert.is_true(chi.p >= 0 and chi.p <= 1 and chi.ndf > 0)
  end)

  it("reports what is wrong with a file, and writes nothing", function()
    local s = new_survey(db, "bad")
    util.write(dir .. "/bad.csv", "id,department,weight,q1\nr1,A,1,yes\nr2,A,-1,nope\nr2,B,1,yes\n,C,1,no\n")
    local ok, err = pcall(s.import, s, dir .. "/bad.csv", {weight = "weight"})
    assert.is_false(ok)
    assert.matches("bad.csv:3: weight: '-1' is not a weight", err, 1, true)
    assert.matches("bad.csv:3: q1: 'nope' is not an answer to question q1 (answers: yes, no)", err, 1, true)
    assert.matches("bad.csv:5: id: the respondent id is missing", err, 1, true)
    assert.are.equal(0, db.respondents:where{survey_id = s.id}:count())
    assert.has_error(function() s:import(dir .. "/bad.csv", {wieght = "weight"}) end,
      "import: unknown option 'wieght' (did you mean 'weight'?)")
    local good = new_survey(db, "good")
    wide(dir .. "/g.csv", {{"A", 12}})
    good:import(dir .. "/g.csv")
    local ok2, err2 = pcall(good.crosstab, good, {question = "q1", by = "deprtment"})
    assert.is_false(ok2)
    assert.matches("'deprtment' is neither a question of the survey nor an attribute of its respondents: " ..
                   "did you mean 'department'?", err2, 1, true)
    -- a quote left open at the end of the file is malformed, not quietly the last field
    local open = new_survey(db, "open")
    util.write(dir .. "/open.csv", 'id,department,q1\nr1,A,yes\nr2,B,"no\n')
    local ok3, err3 = pcall(open.import, open, dir .. "/open.csv")
    assert.is_false(ok3)
    assert.matches("open.csv:3: malformed CSV", err3, 1, true)
    assert.are.equal(0, db.respondents:where{survey_id = open.id}:count())
  end)

  it("refuses text that is not UTF-8 rather than leave the attribute out", function()
    -- a file saved as Latin-1: its department was dropped from the respondent without a word, so the
    -- respondent counted as having none
    local s = new_survey(db, "latin1")
    util.write(dir .. "/latin1.csv", "id,department,weight,q1\nr1,A,1,yes\nr2,Caf\233,1,no\n")
    local before = util.read(path)
    local ok, err = pcall(s.import, s, dir .. "/latin1.csv", {weight = "weight"})
    assert.is_false(ok)
    assert.matches("latin1.csv:3: department: is not valid UTF-8 (save the file as UTF-8)", err, 1, true)
    assert.are.equal(0, db.respondents:where{survey_id = s.id}:count())
    util.write(dir .. "/latin1_long.csv", "id,department,question,answer\nr1,Caf\233,q1,yes\n")
    local ok2, err2 = pcall(s.import, s, dir .. "/latin1_long.csv", {form = "long"})
    assert.is_false(ok2)
    assert.matches("latin1_long.csv:2: department: is not valid UTF-8", err2, 1, true)
    util.write(dir .. "/latin1_head.csv", "id,d\233partement,q1\nr1,A,yes\n")
    local ok3, err3 = pcall(s.import, s, dir .. "/latin1_head.csv")
    assert.is_false(ok3)
    assert.matches("latin1_head.csv:1: column 2's name is not valid UTF-8 (save the file as UTF-8)", err3, 1, true)
    assert.are.equal(0, db.responses:where{survey_id = s.id}:count())
    assert.are.equal(before, util.read(path))
  end)

  it("takes a long file in any order, and refuses rows of one respondent that disagree", function()
    -- sorted by question, as suppliers often deliver it: each respondent's rows are apart
    local by_q = new_survey(db, "byq")
    util.write(dir .. "/byq.csv", "id,department,weight,question,answer\nS1,A,1.5,q1,yes\nS2,B,1,q1,no\n" ..
                                  "S1,A,1.5,q2,agree\nS2,B,1,q2,disagree\n")
    local got = by_q:import(dir .. "/byq.csv", {form = "long", weight = "weight"})
    assert.are.same({2, 4}, {got.respondents, got.answers})
    local by_r = new_survey(db, "byr")
    util.write(dir .. "/byr.csv", "id,department,weight,question,answer\nS1,A,1.5,q1,yes\nS1,A,1.5,q2,agree\n" ..
                                  "S2,B,1,q1,no\nS2,B,1,q2,disagree\n")
    by_r:import(dir .. "/byr.csv", {form = "long", weight = "weight"})
    local function cells(s)
      local out = {}
      for _, c in ipairs(s:crosstab{question = "q2", by = "q1", min_base = 0}) do
        out[#out + 1] = ("%s/%s %.6f %d %.6f"):format(c.group, c.option, c.weight, c.n, c.se)
      end
      return table.concat(out, ";")
    end
    assert.are.equal(cells(by_r), cells(by_q))
    -- a later row with another weight or attribute: its value was dropped without a word
    local bad = new_survey(db, "disagree")
    for _, case in ipairs{
      {"id,department,weight,question,answer\nS1,A,1,q1,yes\nS1,A,2,q2,agree\n", "disagree.csv:3: weight: respondent 'S1'"},
      {"id,department,weight,question,answer\nS1,A,1,q1,yes\nS2,B,1,q1,no\nS1,C,1,q2,agree\n",
       "disagree.csv:4: department: respondent 'S1'"},
      {"id,department,weight,question,answer\nS1,A,1,q1,yes\nS1,,1,q2,agree\n", "disagree.csv:3: department: respondent 'S1'"}} do
      util.write(dir .. "/disagree.csv", case[1])
      local ok, err = pcall(bad.import, bad, dir .. "/disagree.csv", {form = "long", weight = "weight"})
      assert.is_false(ok)
      assert.matches(case[2] .. " has another value here than on its earlier rows", err, 1, true)
    end
    assert.are.equal(0, db.respondents:where{survey_id = bad.id}:count())
    -- and a respondent of an earlier import is not taken for a later row of this one
    local ok, err = pcall(by_q.import, by_q, dir .. "/byq.csv", {form = "long", weight = "weight"})
    assert.is_false(ok)
    assert.matches("byq.csv:2: id: respondent 'S1' is already in the survey (imported before)", err, 1, true)
  end)

  it("gives no share, SE or interval that does not exist, and says why", function()
    local s = new_survey(db, "empty")
    local lines = {"id,department,weight,q1,q2"}
    for i = 1, 40 do   -- A answers; B's twenty skip q1; one respondent in C
      lines[#lines + 1] = ("r%d,%s,%d,%s,"):format(i, i <= 20 and "A" or "B", 1 + i % 3,
                                                  i <= 20 and (i % 2 == 0 and "yes" or "no") or "")
    end
    lines[#lines + 1] = "r41,C,1,yes,agree"
    util.write(dir .. "/empty.csv", table.concat(lines, "\n") .. "\n")
    s:import(dir .. "/empty.csv", {weight = "weight"})
    local cells, t = {}, s:crosstab{question = "q1", by = "department", min_base = 0}
    for _, c in ipairs(t) do cells[c.group .. "/" .. c.option] = c end
    -- everyone who answered is a share of 1 of themselves: no interval (it was given as 0 to 0)
    assert.are.same({1, 0, nil, nil}, {t.all.share, t.all.se, t.all.lo, t.all.hi})
    assert.is_truthy(t.all.why)
    local b = cells["B/yes"]   -- nobody in B answered: no share, and an SE of nil, not 0
    assert.are.same({0, nil, nil, nil}, {b.base_n, b.share, b.se, b.lo})
    assert.are.equal("no respondent in the group answered: there is no share", b.why)
    assert.is_nil(cells["A/yes"].why)
    assert.is_truthy(cells["A/yes"].lo)
    assert.are.equal(1, cells["C/yes"].share)
    assert.are.equal("one respondent answered: no interval", cells["C/yes"].why)
    -- the test of association: department B is an empty column (R's svychisq gives F = NaN), refused
    local ok, err = pcall(s.chisq, s, {"q1", "department"})
    assert.is_false(ok)
    assert.matches("department 'B' has no respondent who also answered q1, so the table has an empty column: " ..
                   "no test is possible", err, 1, true)
    -- nor a difference with a group of one respondent (no variance; under any threshold it would give them away)
    local ok2, err2 = pcall(s.difference, s, {question = "q1", option = "yes", by = "department", a = "A", b = "C",
                                                min_base = 0})
    assert.is_false(ok2)
    assert.matches("group 'C' has one respondent who answered q1: no variance, so no test is possible", err2, 1, true)
    -- two groups that all said yes: a difference of 0 with no variance, so no z or p, and why
    local flat = new_survey(db, "flat")
    util.write(dir .. "/flat.csv", "id,department,q1\nf1,A,yes\nf2,A,yes\nf3,B,yes\nf4,B,yes\n")
    flat:import(dir .. "/flat.csv")
    local d = flat:difference{question = "q1", option = "yes", by = "department", a = "A", b = "B", min_base = 0}
    assert.are.same({0, 0, nil, nil}, {d.diff, d.se, d.z, d.p})
    assert.are.equal("both shares have no design-based variance (each 0 or 1): no test is possible", d.why)
    local m = s:mean{question = "q2", scores = {agree = 100, disagree = 0}, by = "department", min_base = 0}
    for _, g in ipairs(m) do
      if g.group == "A" then
        assert.is_nil(g.mean)
        assert.are.equal("no respondent in the group gave a scored answer: there is no mean", g.why)
      elseif g.group == "C" then   -- one respondent: a mean, but an interval of no width is no interval
        assert.are.same({100, nil, nil}, {g.mean, g.lo, g.hi})
        assert.are.equal("one respondent was scored: no interval", g.why)
      end
    end
  end)

  it("refuses a stratum given two finite population corrections, at import and in an estimate", function()
    -- R's svydesign refuses it too; the estimate took whichever value it met last
    local s = new_survey(db, "fpc")
    util.write(dir .. "/fpc.csv", "id,stratum,fpc,q1\nr1,S1,100,yes\nr2,S1,200,no\nr3,S2,50,yes\nr4,S2,50,no\n")
    local ok, err = pcall(s.import, s, dir .. "/fpc.csv", {strata = "stratum", fpc = "fpc"})
    assert.is_false(ok)
    assert.matches("fpc.csv: fpc: stratum 'S1' is given different finite population corrections (100, 200): " ..
                   "a stratum has one", err, 1, true)
    util.write(dir .. "/fpc.csv", "id,stratum,fpc,q1\nr1,S1,100,yes\nr2,S1,100,no\nr3,S2,50,yes\nr4,S2,50,no\n")
    s:import(dir .. "/fpc.csv", {strata = "stratum", fpc = "fpc"})
    assert.is_truthy(s:crosstab{question = "q1", min_base = 0})
    -- a population smaller than the sample: the variance came out negative, and was shown as 0
    db:sql("UPDATE respondents SET fpc = 1.5 WHERE survey_id = ? AND stratum = 'S2'", s.id)
    local ok3, err3 = pcall(s.crosstab, s, {question = "q1", min_base = 0})
    assert.is_false(ok3)
    assert.matches("a stratum's finite population correction (1.5) is smaller than the 2 PSUs sampled in it", err3, 1, true)
    db:sql("UPDATE respondents SET fpc = 50 WHERE survey_id = ? AND stratum = 'S2'", s.id)
    db:sql("UPDATE respondents SET fpc = NULL WHERE survey_id = ? AND key = 'r4'", s.id)
    local ok2, err2 = pcall(s.crosstab, s, {question = "q1", min_base = 0})
    assert.is_false(ok2)
    assert.matches("respondent 'r4' gives stratum 'S2' the finite population correction none where an earlier " ..
                   "respondent gave 50: a stratum has one", err2, 1, true)
  end)

  it("says how many answered with no value for the breakdown", function()
    -- ten of thirty have no department: the groups' shares of the whole came to 2/3 with nothing to say why
    local s = new_survey(db, "nogroup")
    local lines = {"id,department,q1"}
    for i = 1, 30 do
      lines[#lines + 1] = ("r%d,%s,%s"):format(i, i <= 10 and "A" or (i <= 20 and "B" or ""), i % 2 == 0 and "yes" or "no")
    end
    util.write(dir .. "/nogroup.csv", table.concat(lines, "\n") .. "\n")
    s:import(dir .. "/nogroup.csv")
    local t = s:crosstab{question = "q1", by = "department", min_base = 0}
    assert.are.same({10, 10}, {t.without_group.n, t.without_group.weight})
    assert.are.equal("answered, with no value for the breakdown: in .all, in no group", t.without_group.why)
    assert.are.equal(30, t.all.n)
    local small = s:crosstab{question = "q1", by = "department", min_base = 11}   -- under the threshold: hidden
    assert.are.same({"primary", nil}, {small.without_group.suppressed, small.without_group.n})
    assert.is_nil(s:crosstab{question = "q1", by = "department", where = {department = "A"}, min_base = 0}.without_group)
  end)

  it("takes an answer as an option's key before another option's label", function()
    -- keys 1..3 with labels that are other keys' numbers: "3" is key 3, not the option labelled "3"
    local s = db.surveys:insert{key = "codes", title = "Codes", source_id = 1}
    local q = db.questions:insert{survey_id = s, key = "q1", text = "Score?", source_id = 1}
    for i, label in ipairs{"3", "2", "1"} do db.options:insert{question_id = q, key = tostring(i), label = label, ordinal = i} end
    util.write(dir .. "/codes.csv", "id,department,q1\nr1,A,3\nr2,A,3\nr3,A,1\n")
    s:import(dir .. "/codes.csv")
    local n = {}
    for _, c in ipairs(s:crosstab{question = "q1", min_base = 0}) do n[c.option] = c.n end
    assert.are.same({["1"] = 1, ["2"] = 0, ["3"] = 2}, n)
    local t = s:crosstab{question = "q1", by = "department", where = {q1 = "3"}, min_base = 0}
    assert.are.equal(2, t.all.base_n)
  end)

  it("refuses a column given twice, or a question's in other case, rather than guess", function()
    local s = new_survey(db, "twice")
    for _, case in ipairs{{"id,department,department,q1\nr1,A,B,yes\n", "column 'department' is given twice (columns 2 and 3)"},
                          {"id,weight,q1,weight\nr1,1,yes,2\n", "column 'weight' is given twice (columns 2 and 4)"},
                          -- a question's column in other case was taken for an attribute, the question unanswered
                          {"id,weight,q1,Q2\nr1,1,yes,agree\n", "column 'Q2' is not a question of the survey, " ..
                           "but question q2 is (keys are matched exactly): rename the column"}} do
      util.write(dir .. "/twice.csv", case[1])
      local ok, err = pcall(s.import, s, dir .. "/twice.csv", {weight = "weight"})
      assert.is_false(ok)
      assert.matches("twice.csv:1: " .. case[2], err, 1, true)
    end
    assert.are.equal(0, db.respondents:where{survey_id = s.id}:count())
  end)
end)
