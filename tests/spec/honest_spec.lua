-- Honest numbers (issue 11): each defect found by a demanding analyst, as
-- a spec that failed before the fix. Aggregates keep bounds and unknowns,
-- queries refuse what cannot match, references are checked, statistics
-- check their input, reports say what the data says and cite it, and the
-- consistency check lists what contradicts itself.
local mutuals = require "mutuals"
local report = require "mutuals.report"
local util = require "tests.spec.util"

describe("honest aggregates", function()
  local db, path
  setup(function() db, path = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("refuses to add two claims about one quantity, naming them and how to pick", function()
    local c = db.observations:where{metric = "mutuals", as_of = "2012-06"}
    local ok, err = pcall(c.sum, c, "value")
    assert.is_false(ok)
    assert.matches("sum: 2 rows are claims about the same quantity", err, 1, true)
    assert.matches("observation 2: at least 58 organisations (June 2012; source 3)", err, 1, true)
    assert.matches("observation 3: 58 organisations (June 2012; source 2)", err, 1, true)
    assert.matches("where{source_id = ...}", err, 1, true)
    assert.has_error(function() c:avg("value") end)
    -- one claim is fine
    assert.are.equal(58, c:where{source_id = 2}:sum("value").value)
  end)

  it("a max over a bound and an exact figure is the bound, with both sources", function()
    local m = db.observations:where{metric = "mutuals", as_of = "2012-06"}:max("value")
    assert.are.equal("at_least", m.qualifier)
    assert.are.equal("at least 58 organisations", m:text())
    local sources = m.sources
    table.sort(sources)
    assert.are.same({2, 3}, sources)
  end)

  it("unknown staff never sums to 0", function()
    local by = {}
    for _, g in ipairs(db.mutuals:group("parent_id", "sum", "staff")) do by[g.parent_id or "none"] = g.sum end
    -- NHS Hull's mutual has unknown staff: unknown, not 0
    assert.is_false(by[9].known)
    assert.are.equal("unknown", by[9]:text())
    -- two mutuals with no parent, neither with known staff
    assert.matches("0 of 2 known", tostring(by.none))
    assert.are.equal("approximately 500 people", by[1]:text())
    -- across all: a lower bound from the known ones, saying how many were known
    local all = db.mutuals:sum("staff")
    assert.are.equal("more_than", all.qualifier)
    assert.are.same({2, 6}, {all.n_known, all.n_terms})
  end)

  it("refuses sums of different units", function()
    assert.has_error(function() db.programmes:sum("amount") end,
      "sum: programme.amount: units differ ('GBP' and 'people'): convert one first; or keep to one unit, e.g. where{unit = ...}")
    -- SEIF's amount is unknown: the funds' total is a lower bound, and says so
    local funds = db.programmes:where{unit = "GBP", kind = "fund"}:sum("amount")
    assert.are.equal("at least £10m", funds:text())
    assert.are.same({1, 2}, {funds.n_known, funds.n_terms})
  end)
end)

describe("queries validate what they are given", function()
  local db, path, dir
  setup(function() db, path, dir = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("refuses a misspelt enum value, with a suggestion", function()
    assert.has_error(function() db.mutuals:where{status = "operatng"}:count() end,
      "where status: 'operatng' is not a status: did you mean 'operating'? " ..
      "(one of: proposed pipeline operating blocked failed dissolved)")
    assert.has_error(function() db.mutuals:where("status", "~=", "blockd") end)
    assert.are.equal(4, db.mutuals:where{status = "operating"}:count())
  end)

  it("refuses a value of the wrong type", function()
    assert.has_error(function() db.mutuals:where{staff = "five hundred"} end,
      "where staff: 'five hundred' is not a number, and staff holds numbers")
    assert.has_error(function() db.mutuals:where{name = 5} end)
    assert.has_error(function() db.observations:where("as_of", ">", "June") end)
    assert.has_error(function() db.mutuals:where("staff", "like", "5%") end)
    assert.are.equal(1, db.mutuals:where{staff = "500"}:count())
  end)

  it("refuses to sum or average what is not a number", function()
    assert.has_error(function() db.mutuals:sum("name") end,
      "sum: mutual.name is not a number field (number fields of mutuals: staff)")
    assert.has_error(function() db.mutuals:group("status", "avg", "note") end)
  end)

  it("suggests the field meant", function()
    assert.has_error(function() db.mutuals:where{stauts = "operating"} end)
    local ok, err = pcall(db.mutuals.where, db.mutuals, {stauts = "operating"})
    assert.is_false(ok)
    assert.matches("did you mean 'status'?", err, 1, true)
  end)

  it("never reads a double-quoted word as a string", function()
    assert.has_error(function() db:sql('SELECT "no_such_column" AS v FROM mutuals') end)
  end)

  it("refuses a store whose schema has drifted", function()
    local p = dir .. "/drift.db"
    local d = assert(mutuals.open(p))
    d:close()
    -- SQLite's shell changes the schema with the store's module loaded (responses is its virtual table)
    assert(os.execute("sqlite3 -cmd '.load build/sqlite/mutuals' '" .. p .. "' 'ALTER TABLE mutuals DROP COLUMN note'"))
    local s, err = mutuals.open(p)
    assert.is_nil(s)
    assert.matches("has no column mutuals.note, which this program needs", err, 1, true)
  end)
end)

describe("polymorphic references", function()
  local db, path, dir
  setup(function() db, path, dir = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  local function obs(fields)
    local t = {metric = "x", subject_type = "mutual", subject_id = 1, value = 1, unit = "people", source_id = 1}
    for k, v in pairs(fields) do t[k] = v end
    return t
  end

  it("are checked on insert", function()
    assert.has_error(function() db.observations:insert(obs{subject_id = 9999}) end,
      "observation.subject_id: no mutual has id 9999")
    assert.has_error(function() db.observations:insert(obs{subject_type = "body", subject_id = 9999}) end)
    assert.has_error(function() db.observations:insert(obs{subject_type = "sector", subject_id = 1}) end)
    assert.has_error(function() db.findings:insert{subject_type = "survey", subject_id = 42, text = "t", source_id = 1} end)
    assert.are.equal("x", db.observations:insert(obs{}).metric)
  end)

  it("are checked on update, against the stored half of the pair", function()
    local o = db.observations:insert(obs{})
    assert.has_error(function() o:update{subject_id = 9999} end)
    o:update{subject_id = 6}                                            -- mutual 6 exists
    assert.has_error(function() o:update{subject_type = "survey"} end)  -- survey 6 does not
    assert.has_error(function() o:update{subject_type = "sector"} end)  -- a sector figure has no id
    o:update{subject_type = "body", subject_id = 4}
    assert.are.equal("Cabinet Office", db.bodies:get(o.subject_id).name)
  end)

  it("are checked on import, which then writes nothing", function()
    local f = dir .. "/obs.csv"
    util.write(f, "metric,subject_type,subject_id,value,unit,source_id\nx,mutual,1,1,people,1\nx,mutual,9999,2,people,1\n")
    local before = db.observations:count()
    local ok, err = pcall(db.import, db, "observations", f)
    assert.is_false(ok)
    assert.matches("obs.csv:3: subject_id: no mutual has id 9999", err, 1, true)
    assert.are.equal(before, db.observations:count())
  end)
end)

describe("statistics check their input", function()
  it("refuses shares outside [0, 1], n that is not a whole positive number, and z <= 0", function()
    assert.has_error(function() mutuals.two_prop(1.2, 10, 0.73, 200) end,
      "two_prop: the share must be a share between 0 and 1, not 1.2")
    assert.has_error(function() mutuals.two_prop(0.5, 0, 0.73, 200) end)
    assert.has_error(function() mutuals.wilson(0.5, 10, -1) end)
    assert.has_error(function() mutuals.wilson(0.5, 10.5) end)
    assert.has_error(function() mutuals.wilson(0.5, math.huge) end)
    assert.has_error(function() mutuals.wilson(0 / 0, 10) end)
    assert.has_error(function() mutuals.wilson{count = 11, n = 10} end)
    assert.has_error(function() mutuals.wilson{count = 3, n = 10, zz = 2} end, "wilson: unknown option 'zz' (did you mean 'z'?)")
  end)

  it("takes a count and its base where one exists", function()
    local lo, hi = mutuals.wilson{count = 223, n = 1395}
    local lo2, hi2 = mutuals.wilson(223 / 1395, 1395)
    assert.are.same({lo2, hi2}, {lo, hi})
    local t = mutuals.two_prop{count_a = 50, n_a = 100, count_b = 40, n_b = 100}
    assert.is_true(math.abs(t.z - 1.4213381090374) < 1e-9)
    -- identical degenerate shares: no difference, not a missing z
    local same = mutuals.two_prop(0, 10, 0, 20)
    assert.are.same({0, 1}, {same.z, same.p})
  end)
end)

describe("honest reports", function()
  local db, path
  setup(function()
    db, path = util.fresh()
    -- the shipped scripts use the shared store: point it at this one
    package.loaded["mutuals"].store = function() return db end
  end)
  teardown(function() util.drop(db, path) end)

  local function run(script, ...)
    local env = setmetatable({arg = {[0] = "scripts/" .. script .. ".lua", ...}}, {__index = _G})
    local chunk = assert(loadfile("scripts/" .. script .. ".lua", "t", env))
    return chunk(...)
  end

  it("every sentence, table and chart of each shipped report cites a source", function()
    for _, s in ipairs{"progress", "survey", "recommendations", "survey_deep"} do
      local r = run(s)
      assert.is_true(r.strict, s .. " is strict")
      assert.are.same({}, report.uncited(r), s)
    end
  end)

  it("strict reports refuse an uncited sentence", function()
    local r = report.new{title = "t", db = db, strict = true}
    r:paragraph("Mutuals grew fast. There were " .. r:figure(db.observations:get(1)) .. " in 2010.")
    assert.has_error(function() r:render("md") end)
    assert.are.same({"sentence: Mutuals grew fast."}, report.uncited(r))
  end)

  it("the progress report: no evenly spaced dates, bounds drawn as bounds, one area per series", function()
    local r = run("progress")
    local charts = {}
    for _, b in ipairs(r.blocks) do if b.kind == "chart" then charts[#charts + 1] = b.chart end end
    assert.are.equal("time", charts[1].type)
    -- the 2014 England-and-Wales count is a series of its own
    local areas = {}
    for _, s in ipairs(charts[1].series) do areas[#areas + 1] = s.geography or "not stated" end
    assert.are.same({"not stated", "England and Wales"}, areas)
    local svg = report.draw(charts[1], "svg")
    assert.matches("lower bound (at least): arrow up", svg, 1, true)
    -- a line chart over dates is refused
    assert.has_error(function()
      r:chart{type = "line", labels = {"2010", "2012-06"}, series = {{values = {9, 58}}}}
    end)
  end)

  it("the progress report's growth is a true bound, and its target figure is dated", function()
    local md = run("progress"):render("md")
    assert.matches("at least 6.4-fold", md, 1, true)
    assert.matches("the compound rate is at least 111% a year", md, 1, true)
    assert.is_nil(md:find("159%", 1, true))
    -- the July 2014 figure against a 2015 target, both dates said; not "as of today"
    assert.matches("35,000 people %[%d+%] in July 2014 %(England and Wales%), 3.5%% of the target", md)
    assert.matches("progress is measured in July 2014, not in 2015", md, 1, true)
    assert.is_nil(md:find("As of " .. os.date("%d"), 1, true))
    -- the £11.5m fund once
    local _, n = md:gsub("£11.5m", "")
    assert.are.equal(1, n)
  end)

  it("the tracker marks overdue only with a known status, and cites who names the departments", function()
    local r = run("recommendations", "2014-01-01")
    local md = r:render("md")
    assert.is_nil(md:find("OVERDUE", 1, true))
    assert.matches("deadline passed; status unknown", md, 1, true)
    db.recommendations:get("department_plans"):update{status = "in_progress"}
    assert.matches("OVERDUE", run("recommendations", "2014-01-01"):render("md"), 1, true)
    db.recommendations:get("department_plans"):update{status = "unknown"}
    -- the five departments are cited to Third Sector, which names them
    local ts = db.sources:get("thirdsector_2012")
    for _, b in ipairs(r.blocks) do
      if b.kind == "table" and b.caption == "Recommendations" then
        for _, row in ipairs(b.rows) do
          if row[1]:match("^A clear plan") then
            assert.matches("^BIS, DCLG, DfE, HO, MoJ %[" .. r.sources[ts.id] .. "%]$", row[2])
          end
        end
      end
    end
  end)

  it("the survey report gives the base once, not as each answer's respondents", function()
    local r = run("survey")
    for _, b in ipairs(r.blocks) do
      if b.kind == "table" and b.caption and b.caption:match("^Would you") then
        assert.matches("base: 1,395 respondents", b.caption, 1, true)
        for _, row in ipairs(b.rows) do
          for _, cell in ipairs(row) do assert.is_nil(tostring(cell):find("1,395", 1, true)) end
        end
      end
    end
  end)
end)

describe("what reads honestly", function()
  local db, path
  setup(function() db, path = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("an observation reads as its figure, date, area and source", function()
    assert.are.equal("observation 17: mutuals = 100 organisations (July 2014; England and Wales; source 16)",
      tostring(db.observations:get(17)))
    assert.are.equal("at least 58 organisations (June 2012; source 3)", tostring(db.observations:get(2):measure()))
    assert.are.equal("more than 3,000 people (source 2)", tostring(db.mutuals:get("Gloucestershire Care Services"):measure()))
  end)
end)

describe("the consistency check", function()
  local db, path
  setup(function() db, path = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  it("finds the bundled data's contradictions, each explained", function()
    local issues, unexplained = db:check()
    assert.are.equal(0, unexplained)
    local keys = {}
    for _, i in ipairs(issues) do
      keys[#keys + 1] = i.key
      assert.is_string(i.known)
    end
    assert.are.same({"rival:observation:6,7", "rival:status_change:4,5", "derived:observation:4",
                     "disputed:mutual:1:parent_id"}, keys)
  end)

  it("reports a new contradiction, a duplicate, a stale derived count and an unsourced row", function()
    local ok, err = pcall(db.transaction, db, function()
      db.observations:insert{metric = "mutuals", subject_type = "sector", value = 30, unit = "organisations",
                             as_of = "2012-06", source_id = 5}
      db.observations:insert{metric = "mutuals", subject_type = "sector", value = 9, unit = "organisations",
                             as_of = "2010", source_id = 3}
      db.results:get(8):update{count = 300}
      db.programmes:insert{key = "again", name = "MSP again", kind = "fund", amount = 10000000, unit = "GBP",
                           source_id = 4}
      db:sql("INSERT INTO recommendation_bodies (recommendation_id, body_id) VALUES (2, 2)")
      local issues, unexplained = db:check()
      local kinds = {}
      for _, i in ipairs(issues) do if not i.known then kinds[#kinds + 1] = i.kind end end
      table.sort(kinds)
      assert.are.same({"contradiction", "contradiction", "derived", "duplicate", "duplicate", "unsourced"}, kinds)
      assert.are.equal(6, unexplained)
      error({rollback = true})   -- leave the store as it was
    end)
    assert.is_false(ok)
    assert.is_true(type(err) == "table" and err.rollback, tostring(err))
  end)
end)

describe("migration from schema version 2", function()
  it("keeps an existing store working and fixes its bundled data", function()
    local db, p = util.fixture(2)
    assert.is_nil(db.programmes:get("crtc_fund"))
    assert.are.equal(1, db.programmes:get("crtc_support").observations:where{metric = "fund_size"}:count())
    assert.are.equal(0, db.recommendation_bodies:where("source_id", "is null"):count())
    local _, unexplained = db:check()
    assert.are.equal(0, unexplained)
    assert.are.equal(6, db.mutuals:count())
    util.drop(db, p)
  end)
end)

describe("migration from schema version 10 (a store with survey answers as rows, made before migration 11)", function()
  -- tests/fixtures/store_v10.sql: `mutuals init`, 30 answers by import responses, 25 respondents of two answers by
  -- import-microdata, by 883bac5
  it("seals the answers, which read, cross-tabulate, undo and take a later import as before", function()
    local db, p, dir = util.fixture(10)
    local function n(sql, ...) return db:sql(sql, ...)[1].n end
    assert.are.equal(0, n("SELECT count(*) AS n FROM responses_rows"))
    assert.are.equal(2, n("SELECT count(DISTINCT survey_id) AS n FROM response_columns"))
    assert.are.same({30, 50}, {n("SELECT count(*) AS n FROM responses WHERE survey_id = 1"),
                               n("SELECT count(*) AS n FROM responses WHERE survey_id = 2")})
    assert.are.equal(80, n("SELECT count(DISTINCT id) AS n FROM responses"))
    assert.are.equal("R007", db:sql("SELECT respondent FROM responses WHERE id = 7")[1].respondent)
    local t = db.surveys:get(1):crosstab{question = "interest", by = "department", min_base = 0}
    assert.are.equal(30, t.all.n)
    assert.are.equal(25, db.surveys:get(2):crosstab{question = "q1", min_base = 0}.all.n)   -- respondents
    -- the old imports undo from the sealed answers; a new one gets ids above every old one
    assert.are.same({deleted = 75, restored = 0, dry_run = false}, db:undo(2))
    assert.are.equal(0, n("SELECT count(*) AS n FROM responses WHERE survey_id = 2"))
    util.write(dir .. "/r.csv", "survey_id,respondent,question_id,option_id,weight\n1,R999,1,1,2.5\n")
    db:import("responses", dir .. "/r.csv")
    assert.is_true(db:sql("SELECT id FROM responses WHERE respondent = 'R999'")[1].id > 80)
    assert.are.equal(31, db.surveys:get(1):crosstab{question = "interest", min_base = 0}.all.n)
    assert.are.same({deleted = 30, restored = 0, dry_run = false}, db:undo(1))
    assert.are.equal(1, n("SELECT count(*) AS n FROM responses"))
    util.drop(db, p)
  end)
end)

describe("migration from schema version 8 (a store with an import history, made before migration 9)", function()
  -- tests/fixtures/store_v8.sql: `mutuals init`, an import of one mutual, an upsert of MyCSP's staff, by 3ee1c83
  it("keeps the history through the copy of its tables: both imports listed and undone; replace recorded", function()
    local db, p, dir = util.fixture(8)
    local imports = db:sql("SELECT id, mode, inserted, updated FROM imports ORDER BY id")
    assert.are.same({{id = 1, mode = "insert", inserted = 1, updated = 0}, {id = 2, mode = "upsert", inserted = 0,
                      updated = 1}}, imports)
    assert.are.equal(0, #db:sql("PRAGMA foreign_key_check"))
    assert.are.equal(650, db.mutuals:get("MyCSP").staff)
    assert.are.same({deleted = 0, restored = 1, dry_run = false}, db:undo(2))
    assert.are.equal(500, db.mutuals:get("MyCSP").staff)
    assert.are.same({deleted = 1, restored = 0, dry_run = false}, db:undo(1))   -- the mutual (its file named a source)
    assert.is_nil(db.mutuals:get("Old Store Mutual"))
    -- the widened history takes a replace; migration 9's bundled rows are there
    util.write(dir .. "/r.csv", "name,status,source\nMyCSP,operating,seed000\n")
    local _, counts = db:import("mutuals", dir .. "/r.csv", {mode = "replace"})
    assert.are.equal("replace", db:sql("SELECT mode FROM imports WHERE id = ?", counts.import)[1].mode)
    assert.are.same({"next_steps", 7}, {db.publications:first().key, db.publications:first().sectors:count()})
    util.drop(db, p)
  end)
end)

describe("migration from schema version 4 (a store made by the build before survey microdata)", function()
  -- tests/fixtures/store_v4.sql: `mutuals init`, an import of one mutual and 40 survey answers, by commit 92a7e5c
  it("brings it to the current schema with nothing lost: respondents derived, cache, aliases, import history", function()
    local db, p, dir = util.fixture(4)
    assert.are.equal(7, db.mutuals:count())
    assert.are.equal("MoJ", db.mutuals:get("Old Store Mutual").parent.abbrev)
    assert.are.equal(120, db.mutuals:get("Old Store Mutual").staff)
    assert.are.equal(40, db.responses:count())
    assert.are.equal(40, db.respondents:count())            -- migration 5: one per respondent key
    assert.are.equal(7, db.aliases:count())                 -- migration 7 (3) and 9 (4 titles): the sources' variants
    assert.are.equal("City Health Care Partnership CIC", db.mutuals:get("Hull City Health Care Partnership").name)
    -- migration 9: the report as a publication, found by a source's variant title; its list of areas; MyCSP's
    -- sponsor; the disputed facts as claims; "in April" marked inferred; and check explains what it finds
    local next_steps = db.publications:get("Public Sector Mutuals: The Next Steps")
    assert.are.same({"next_steps", "2012-06-25", 6, 7},
                    {next_steps.key, next_steps.published, next_steps.sources:count(), next_steps.sectors:count()})
    local links = db.mutuals:get("MyCSP").bodies:list()
    assert.are.same({1, "CO", "sponsor"}, {#links, links[1].body.abbrev, links[1].role})
    assert.are.equal(6, db.claims:count())
    assert.are.equal(1, db.status_changes:where{date_inferred = 1}:count())
    assert.are.equal(0, db.mutuals:get("Old Store Mutual").spun_out_inferred)
    local _, unexplained = db:check()
    assert.are.equal(0, unexplained)
    local t = db.surveys:get(1):crosstab{question = "interest", by = "department", min_base = 0}
    assert.are.equal(6, #t)                                 -- 2 departments x 3 answers, design-based
    assert.is_true(db:sql("SELECT count(*) AS n FROM survey_cache")[1].n > 0)   -- migration 6, filled on use
    util.write(dir .. "/m.csv", "name,status\nNew After Migration,proposed\n")
    local _, counts = db:import("mutuals", dir .. "/m.csv")
    assert.are.same({deleted = 2, restored = 0, dry_run = false}, db:undo(counts.import))   -- migration 8
    assert.are.equal(7, db.mutuals:count())
    util.drop(db, p)
  end)
end)
