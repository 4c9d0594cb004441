-- Sealed answers (issue 12, columns branch): an import seals its survey's answers into columns, and every
-- use of responses reads them as rows: counts, estimates, an undo of the import, a later import merged.
local util = require "tests.spec.util"

describe("sealed answers", function()
  local dir, db
  before_each(function()
    local _
    db, _, dir = util.fresh()
  end)
  after_each(function() db:close() end)

  local function survey(key)
    local s = db.surveys:insert{key = key, title = "Sealed " .. key, source_id = 1}
    local q = db.questions:insert{survey_id = s, key = "q1", text = "Interested?", source_id = 1}
    for i, k in ipairs{"yes", "no"} do db.options:insert{question_id = q, key = k, label = k, ordinal = i} end
    return s
  end

  local function file(name, first, last)
    local lines = {"id,department,weight,q1"}
    for n = first, last do
      lines[#lines + 1] = ("r%05d,%s,%.2f,%s"):format(n, n % 2 == 0 and "A" or "B", 0.5 + (n % 7) / 3,
                                                    n % 3 == 0 and "yes" or "no")
    end
    util.write(dir .. "/" .. name, table.concat(lines, "\n") .. "\n")
    return dir .. "/" .. name
  end

  local function count(sql, ...) return db:sql(sql, ...)[1].n end
  local function last_import() return db:sql("SELECT max(id) AS id FROM imports")[1].id end

  it("are read as rows after an import seals them, and an undo takes them back", function()
    local s = survey("a")
    s:import(file("a.csv", 1, 300), {weight = "weight"})
    local first = last_import()
    assert.are.equal(300, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", s.id))
    assert.are.equal(0, count("SELECT count(*) AS n FROM responses_rows WHERE survey_id = ?", s.id))
    assert.is_true(count("SELECT count(*) AS n FROM response_columns WHERE survey_id = ?", s.id) > 0)
    local t = s:crosstab{question = "q1", by = "department"}
    assert.are.equal(300, t.all.n)
    -- a second file: its answers merged into the sealed ones
    s:import(file("b.csv", 301, 420), {weight = "weight"})
    local second = last_import()
    assert.are.equal(420, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", s.id))
    assert.are.equal(420, s:crosstab{question = "q1", by = "department"}.all.n)
    -- undo the second: only its answers and respondents go
    db:undo(second)
    assert.are.equal(300, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", s.id))
    assert.are.equal(300, count("SELECT count(*) AS n FROM respondents WHERE survey_id = ?", s.id))
    assert.are.equal(300, s:crosstab{question = "q1", by = "department"}.all.n)
    db:undo(first)
    assert.are.equal(0, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", s.id))
  end)

  it("refuses an answer given twice across an import and the sealed answers", function()
    local s = survey("b")
    s:import(file("a.csv", 1, 50), {weight = "weight"})
    local ok, err = pcall(s.import, s, file("again.csv", 40, 60), {weight = "weight"})
    assert.is_false(ok)
    assert.matches("r00040", err, 1, true)
    assert.are.equal(50, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", s.id))
  end)

  -- import responses writes a survey's first answers straight to its columns while they come in
  -- (respondent, question) order; out of order, or a second survey, they go in as rows and are sealed after.
  describe("imported as responses", function()
    local function ids(key)
      local s = survey(key).id
      local q = db:sql("SELECT id FROM questions WHERE survey_id = ?", s)[1].id
      local o = db:sql("SELECT id FROM options WHERE question_id = ? ORDER BY ordinal", q)
      return s, q, o[1].id, o[2].id
    end
    -- n answers of survey s; weights as decimals and whole numbers (kept as REAL either way), grades left empty
    local function answers(s, q, yes, no, n, from)
      local t = {}
      for i = from or 1, (from or 1) + n - 1 do
        local w = i % 5 == 1 and "2" or ("%.3f"):format(0.4 + i % 7 / 3)
        t[#t + 1] = ("%d,r%05d,%d,%d,%s,%s,%s"):format(s, i, q, i % 3 == 0 and yes or no, i % 2 == 0 and "A" or "B",
                                                      i % 4 == 0 and "" or "EO", w)
      end
      return t
    end
    local header = "survey_id,respondent,question_id,option_id,department,grade,weight"
    local function write(name, lines)
      util.write(dir .. "/" .. name, header .. "\n" .. table.concat(lines, "\n") .. "\n")
      return dir .. "/" .. name
    end
    local function held(s)
      return db:sql("SELECT respondent, question_id, option_id, department, grade, weight, typeof(weight) AS wt, "
                    .. "typeof(grade) AS gt FROM responses WHERE survey_id = ? ORDER BY respondent", s)
    end
    local function same_answers(a, b, qa, qb, oa, ob)
      local x, y = held(a), held(b)
      assert.are.equal(#x, #y)
      for i = 1, #x do
        local r, t = x[i], y[i]
        assert.are.same({r.respondent, r.department, r.grade, r.weight, r.wt, r.gt, r.option_id == oa},
                        {t.respondent, t.department, t.grade, t.weight, t.wt, t.gt, t.option_id == ob})
        assert.are.same({qa, qb}, {r.question_id, t.question_id})
      end
    end

    it("in order, straight to columns: the same answers as rows give, and an undo takes them back", function()
      local a, qa, ya, na = ids("in-order")
      local b, qb, yb, nb = ids("reversed")
      local before = count("SELECT n FROM data_changes")
      db:import("responses", write("a.csv", answers(a, qa, ya, na, 3000)))
      local first = last_import()
      assert.are.equal(0, count("SELECT count(*) AS n FROM responses_rows"))
      assert.are.equal(3000, count("SELECT nrows AS n FROM response_columns WHERE survey_id = ? AND name = 'id'", a))
      assert.is_true(count("SELECT n FROM data_changes") > before)
      -- the same answers backwards: the stream gives up at the second, and rows are sealed after
      local back = answers(b, qb, yb, nb, 3000)
      for i = 1, #back // 2 do back[i], back[#back + 1 - i] = back[#back + 1 - i], back[i] end
      db:import("responses", write("b.csv", back))
      assert.are.equal(3000, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", b))
      same_answers(a, b, qa, qb, ya, yb)
      local ta = db.surveys:get(a):crosstab{question = "q1"}
      local tb = db.surveys:get(b):crosstab{question = "q1"}
      assert.are.same({3000, ta[1].share, ta[1].se}, {tb.all.n, tb[1].share, tb[1].se})
      -- ids above every one before, each once
      assert.are.equal(6000, count("SELECT count(DISTINCT id) AS n FROM responses"))
      db:undo(first)
      assert.are.equal(0, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", a))
      assert.are.equal(3000, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", b))
    end)

    it("a later import into the survey is merged, and the next crosstab counts it", function()
      local a, qa, ya, na = ids("later")
      db:import("responses", write("a.csv", answers(a, qa, ya, na, 200)))
      local s = db.surveys:get(a)
      assert.are.equal(200, s:crosstab{question = "q1"}.all.n)
      db:import("responses", write("b.csv", answers(a, qa, ya, na, 50, 201)))
      assert.are.equal(250, s:crosstab{question = "q1"}.all.n)
      assert.are.equal(250, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", a))
      -- a few more, among the sealed ones in respondent order, stay rows; a design's read merges the two in order
      local few = {}
      for i = 1, 5 do few[i] = ("%d,r%05db,%d,%d,A,EO,1.5"):format(a, i * 40, qa, ya) end
      db:import("responses", write("c.csv", few))
      assert.are.equal(5, count("SELECT count(*) AS n FROM responses_rows WHERE survey_id = ?", a))
      local q = "SELECT respondent, id FROM responses WHERE survey_id = ? ORDER BY respondent, question_id"
      local plan = db:sql("EXPLAIN QUERY PLAN " .. q, a)
      assert.is_nil(plan[#plan].detail:find("TEMP B-TREE", 1, true))   -- no sort: the scan gives the order
      local got, want = db:sql(q, a), db:sql("SELECT respondent, id FROM responses WHERE survey_id = ?", a)
      table.sort(want, function(x, y) return x.respondent < y.respondent end)
      assert.are.equal(255, #got)
      for i = 1, #want do assert.are.same({want[i].respondent, want[i].id}, {got[i].respondent, got[i].id}) end
      assert.are.equal(255, s:crosstab{question = "q1"}.all.n)
    end)

    it("an upsert changes a sealed answer, and undo takes the imports back in turn", function()
      local a, qa, ya, na = ids("upsert")
      db:import("responses", write("a.csv", answers(a, qa, ya, na, 100)))
      local first = last_import()
      local line = answers(a, qa, ya, na, 1, 7)[1]:gsub(",A,", ",Z,"):gsub(",B,", ",Z,")
      assert.are.equal(1, db:import("responses", write("b.csv", {line}), {mode = "upsert"}))
      local second = last_import()
      local function dept()
        return db:sql("SELECT department FROM responses WHERE survey_id = ? AND respondent = 'r00007'", a)[1].department
      end
      assert.are.equal("Z", dept())
      assert.are.equal(100, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", a))
      -- another survey sealed again (an import merged into it) leaves this one's gone mark alone
      local m, qm, ym, nm = ids("merged")
      db:import("responses", write("m1.csv", answers(m, qm, ym, nm, 40)))
      db:import("responses", write("m2.csv", answers(m, qm, ym, nm, 20, 41)))
      assert.are.equal(60, count("SELECT nrows AS n FROM response_columns WHERE survey_id = ? AND name = 'id'", m))
      assert.are.equal(1, count("SELECT count(*) AS n FROM responses_gone"))
      assert.are.equal(100, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", a))
      assert.are.equal("Z", dept())
      -- another survey's import undone drops its columns, and leaves this one's gone mark alone
      local o, qo, yo, no = ids("other")
      db:import("responses", write("o.csv", answers(o, qo, yo, no, 30)))
      local res = db:undo(last_import())
      assert.are.equal(30, res.deleted)
      assert.are.equal(0, count("SELECT count(*) AS n FROM response_columns WHERE survey_id = ?", o))
      assert.are.equal(1, count("SELECT count(*) AS n FROM responses_gone"))
      assert.are.equal("Z", dept())
      local ok, err = pcall(db.undo, db, first)
      assert.is_false(ok)
      assert.matches("import " .. second .. " changed rows of responses", err, 1, true)
      db:undo(second)
      assert.are.equal("B", dept())
      db:undo(first)
      assert.are.equal(0, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", a))
    end)

    it("an upsert of many sealed answers turns the survey into rows for it and seals it again after", function()
      local a, qa, ya, na = ids("many")
      db:import("responses", write("a.csv", answers(a, qa, ya, na, 400)))
      local changed = {}
      for i, l in ipairs(answers(a, qa, ya, na, 150, 101)) do changed[i] = l:gsub(",[AB],", ",Z,") end
      assert.are.equal(150, db:import("responses", write("b.csv", changed), {mode = "upsert"}))
      local second = last_import()
      assert.are.equal(150, count("SELECT count(*) AS n FROM responses WHERE survey_id = ? AND department = 'Z'", a))
      assert.are.equal(400, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", a))
      assert.are.equal(0, count("SELECT count(*) AS n FROM responses_rows"))   -- sealed again
      assert.are.equal(0, count("SELECT count(*) AS n FROM responses_gone"))
      assert.are.equal(400, db.surveys:get(a):crosstab{question = "q1", by = "department"}.all.n)
      assert.are.same({deleted = 0, restored = 150, dry_run = false}, db:undo(second))
      assert.are.equal(0, count("SELECT count(*) AS n FROM responses WHERE survey_id = ? AND department = 'Z'", a))
      assert.are.equal(200, count("SELECT count(*) AS n FROM responses WHERE survey_id = ? AND department = 'A'", a))
    end)

    it("two surveys in one file, and an answer given twice in a row named with its line", function()
      local a, qa, ya, na = ids("first")
      local b, qb, yb, nb = ids("second")
      local both = answers(a, qa, ya, na, 100)
      for _, l in ipairs(answers(b, qb, yb, nb, 100)) do both[#both + 1] = l end
      for _, l in ipairs(answers(a, qa, ya, na, 10, 101)) do both[#both + 1] = l end
      db:import("responses", write("both.csv", both))
      assert.are.equal(110, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", a))
      assert.are.equal(100, count("SELECT count(*) AS n FROM responses WHERE survey_id = ?", b))
      local c, qc, yc, nc = ids("twice")
      local lines = answers(c, qc, yc, nc, 20)
      table.insert(lines, 8, lines[7])
      local before = count("SELECT count(*) AS n FROM responses")
      local ok, err = pcall(db.import, db, "responses", write("twice.csv", lines))
      assert.is_false(ok)
      assert.matches("twice.csv:9:", err, 1, true)
      assert.matches("r00007", err, 1, true)
      assert.are.equal(before, count("SELECT count(*) AS n FROM responses"))
      assert.are.equal(0, count("SELECT count(*) AS n FROM response_columns WHERE survey_id = ?", c))
    end)
  end)

  it("import-microdata streams a respondent's answers in question order, and takes any other order as rows", function()
    local function two(key)
      local s = survey(key)
      local q2 = db.questions:insert{survey_id = s, key = "q2", text = "Agree?", source_id = 1}
      for i, k in ipairs{"agree", "disagree"} do db.options:insert{question_id = q2, key = k, label = k, ordinal = i} end
      return s
    end
    local function wide(name, cols)
      local lines = {"id,department,weight," .. table.concat(cols, ",")}
      for n = 1, 400 do
        local v = {q1 = n % 3 == 0 and "yes" or "no", q2 = n % 4 == 0 and "agree" or "disagree"}
        lines[#lines + 1] = ("r%05d,%s,%.2f,%s,%s"):format(n, n % 2 == 0 and "A" or "B", 0.5 + n % 7 / 3,
                                                          v[cols[1]], v[cols[2]])
      end
      util.write(dir .. "/" .. name, table.concat(lines, "\n") .. "\n")
      return dir .. "/" .. name
    end
    local a, b = two("q-order"), two("reversed")
    a:import(wide("a.csv", {"q1", "q2"}), {weight = "weight"})
    assert.are.equal(0, count("SELECT count(*) AS n FROM responses_rows"))
    b:import(wide("b.csv", {"q2", "q1"}), {weight = "weight"})
    local function answers(s)
      return db:sql("SELECT r.respondent, q.key AS q, o.key AS o, r.department, r.weight FROM responses r "
                    .. "JOIN questions q ON q.id = r.question_id JOIN options o ON o.id = r.option_id "
                    .. "WHERE r.survey_id = ? ORDER BY r.respondent, q.key", s.id)
    end
    local x, y = answers(a), answers(b)
    assert.are.equal(800, #x)
    assert.are.same(x, y)
    local ta, tb = a:crosstab{question = "q2", by = "department"}, b:crosstab{question = "q2", by = "department"}
    assert.are.same({ta.all.n, ta[1].share, ta[1].se}, {tb.all.n, tb[1].share, tb[1].se})
  end)
end)

