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
end)
