-- help() documents everything there is to call, and help("all") (from
-- which the manual page mutuals-api(7) is generated) holds every section:
-- a function or method added without its documentation fails here.
local mutuals = require "mutuals"
local report = require "mutuals.report"
local util = require "tests.spec.util"

describe("help", function()
  local db, path, all
  setup(function()
    db, path = util.fresh()
    all = mutuals.help("all")
  end)
  teardown(function() util.drop(db, path) end)

  local function documented(name, how)
    -- "mutuals.open(", "db:sql(", "c:where{", "survey:mean{", "r:table{", "report.series(", "q:text("
    local found = all:find(how .. name .. "[({]", 1) or all:find(how .. name .. "%f[^%w_]", 1)
    assert(found, ("%s%s is not documented in help('all')"):format(how, name))
  end

  local function methods(obj)
    local mt, names = getmetatable(obj), {}
    for k, v in pairs(type(mt) == "table" and mt.methods or {}) do
      if type(v) == "function" then names[#names + 1] = k end
    end
    table.sort(names)
    return names
  end

  it("documents every function of the module and every method of a store, collection, record and figure", function()
    for k, v in pairs(mutuals) do
      if type(v) == "function" then documented(k, "mutuals%.") end
    end
    for _, k in ipairs(methods(db)) do documented(k, "db:") end
    for _, k in ipairs(methods(db.mutuals)) do documented(k, "c:") end
    for _, k in ipairs(methods(db.mutuals:first())) do documented(k, "rec:") end
    for _, k in ipairs{"text", "contains"} do documented(k, "q:") end
    -- entity-specific methods, as each kind offers them
    local kinds = {surveys = "survey:", programmes = "target:", observations = "obs:"}
    for _, name in ipairs(mutuals.entities()) do
      local r = db[name]:first()
      local prefix = r and kinds[name]
      if prefix then
        for _, k in ipairs(methods(r)) do
          if not all:find("rec:" .. k, 1, true) then documented(k, prefix) end
        end
      end
    end
  end)

  it("documents the report library: its functions and a report's methods", function()
    for k, v in pairs(report) do
      if type(v) == "function" then documented(k, "report%.") end
    end
    for k, v in pairs(report.Report) do
      if type(v) == "function" and not k:match("^__") then documented(k, "r:") end
    end
    assert.matches("r:chart{type = 'bar'", mutuals.help(report))
    assert.matches("r:table{columns =", mutuals.help(report.new{title = "t", db = db}))
  end)

  it("says how an import finds each entity's rows again: natural key, UNIQUE columns, or content", function()
    assert.matches("identity %(how an import finds a row again%): its natural key, name", mutuals.help(db.mutuals))
    assert.matches("identity[^\n]*: survey_id and key %(the table's UNIQUE columns%)", mutuals.help(db.questions))
    assert.matches("identity[^\n]*: its content", mutuals.help(db.observations:first()))
    for _, name in ipairs(mutuals.entities()) do
      assert.matches("\nidentity ", mutuals.help(db[name]), 1, true)
    end
  end)

  it("holds every section and entity, in the order the manual page shows them", function()
    local at = 0
    for _, head in ipairs{"MODULE:", "STORE:", "COLLECTION:", "RECORD:", "QUALIFIED VALUE:", "REPORT:", "ENTITIES"} do
      local pos = all:find("\n" .. head, 1, true) or (all:find(head, 1, true) == 1 and 1)
      assert(pos and pos > at, head .. " missing or out of order")
      at = pos
    end
    for _, name in ipairs(mutuals.entities()) do
      assert(all:find("(collection db." .. name .. ")", 1, true), name .. " missing from help('all')")
    end
  end)
end)
