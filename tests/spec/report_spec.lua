-- The report library: number formatting, each renderer, sources from
-- provenance, and the charts gnuplot draws.
local report = require "mutuals.report"
local mutuals = require "mutuals"
local util = require "tests.spec.util"
local fmt = report.format

describe("report formatting", function()
  it("formats numbers, percentages, money and dates for the field", function()
    assert.are.equal("20,000", fmt.number(20000))
    assert.are.equal("1,395", fmt.number(1395))
    assert.are.equal("999", fmt.number(999))
    assert.are.equal("1,000,000", fmt.number(1e6))
    assert.are.equal("-1,234.50", fmt.number(-1234.5, 2))
    assert.are.equal("16%", fmt.percent(0.16))
    assert.are.equal("14.2%", fmt.percent(0.14169942509848, 1))
    assert.are.equal("£600,000", fmt.money(600000))
    assert.are.equal("£11.5m", fmt.money(11500000))
    assert.are.equal("£10m", fmt.money(10000000))
    assert.are.equal("£1.2bn", fmt.money(1.2e9))
    assert.are.equal("£79bn", fmt.money(79e9))
    assert.are.equal("25 June 2012", fmt.date("2012-06-25"))
    assert.are.equal("June 2012", fmt.date("2012-06"))
    assert.are.equal("2012", fmt.date("2012"))
    assert.are.equal("undated", fmt.date(nil))
  end)

  it("carries qualifiers and units from the data", function()
    assert.are.equal("at least 58", fmt.qualified(58, "organisations", "at_least"))
    assert.are.equal("up to £120,000", fmt.qualified(120000, "GBP", "up_to"))
    assert.are.equal("around 45,000", fmt.qualified(45000, "people", "around"))
    assert.are.equal("more than 50%", fmt.qualified(0.5, "share", "more_than"))
    assert.are.equal("approximately 40", fmt.qualified(40, "projects", "approximately"))
  end)
end)

describe("reports", function()
  local db, path, dir
  setup(function() db, path, dir = util.fresh() end)
  teardown(function() util.drop(db, path) end)

  local function sample()
    local r = report.new{title = "Test & <report>", db = db}
    local o = db.observations:where{metric = "mutuals", qualifier = "at_least"}:first()
    r:heading("Growth")
    r:paragraph("There are " .. r:figure(o) .. " mutuals.")
    r:table{caption = "Counts", columns = {"As of", "Mutuals"}, align = {"l", "r"},
            rows = {{"2010", 9}, {"2012, June", "at least 58"}}, sources = {o, db.sources:get("seed001")}}
    return r
  end

  it("cites each source once, numbered in order of use, and lists them at the end", function()
    local r = sample()
    assert.are.equal("[1]", r:cite(db.sources:get("seed002")))
    assert.are.equal("[2]", r:cite(db.sources:get("seed001").id))
    local list = r:source_list()
    assert.are.equal(2, #list)
    assert.matches("^Taskforce calls for action", list[1].text)
    assert.are.equal("002_be80a463b6867683.txt", list[1].location)
  end)

  it("renders Markdown", function()
    local md = sample():render("md")
    assert.matches("^# Test & <report>\n", md)
    assert.matches("There are at least 58 %[1%] mutuals.", md)
    assert.matches("| As of | Mutuals |\n| --- | ---: |\n| 2010 | 9 |", md, 1, true)
    assert.matches("## Sources\n\n[1] Taskforce calls for action", md, 1, true)
  end)

  it("renders a self-contained, escaped HTML page", function()
    local html = sample():render("html")
    assert.matches("^<!DOCTYPE html>", html)
    assert.matches("<title>Test &amp; &lt;report&gt;</title>", html, 1, true)
    assert.matches('<td class="r">at least 58</td>', html, 1, true)
    assert.is_nil(html:find("<link", 1, true))
    assert.is_nil(html:find("<script", 1, true))
  end)

  it("renders its tables as one tidy CSV: a row per cell, figures as numbers with their qualifier", function()
    local r = sample()
    r:table{name = "bounds", columns = {"What", "Figure"}, rows = {{"mutuals", mutuals.qualified(58, "at_least")},
                                                                 {"staff", mutuals.qualified(nil)}}, sources = {1}}
    local csv = r:render("csv")
    local lines = {}
    for l in csv:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.are.equal("table,row,column,text,value,qualifier,lo,hi,unit,as_of,sources", lines[1])
    assert.are.equal("Counts,1,Mutuals,9,9,exact,9,9,,,[1][2]", lines[3])
    assert.are.equal('Counts,2,As of,"2012, June",,,,,,,[1][2]', lines[4])
    assert.are.equal("bounds,1,Figure,at least 58,58,at_least,58,,,,[3]", lines[7])
    assert.are.equal("bounds,2,Figure,unknown,,unknown,,,,,[3]", lines[9])
    assert.matches("^sources,1,source,", lines[10])
  end)

  it("renders the whole report as JSON data: every block in order, cells with their figures, the sources", function()
    local r = sample()
    r:table{name = "bounds", columns = {"Figure"}, rows = {{mutuals.qualified(58, "at_least")}}, sources = {1}}
    r:chart{type = "bar", title = "Bars", labels = {"a", "b"}, series = {{name = "s", values = {1, 2.5}}}, sources = {1}}
    local json = r:render("json")
    local q = function(at) return db:sql("SELECT json_extract(?, ?) AS v", json, at)[1].v end
    assert.are.equal(1, db:sql("SELECT json_valid(?) AS ok", json)[1].ok)
    assert.are.same({"heading", "paragraph", "table", "table", "chart"},
                    {q("$.blocks[0].type"), q("$.blocks[1].type"), q("$.blocks[2].type"), q("$.blocks[3].type"),
                     q("$.blocks[4].type")})
    assert.matches("^There are at least 58 %[1%] mutuals%.$", q("$.blocks[1].text"))
    assert.are.same({"2012, June", 9}, {q("$.blocks[2].rows[1][0]"), q("$.blocks[2].rows[0][1]")})
    assert.are.same({58, "at_least", 58}, {q("$.blocks[3].rows[0][0].value"), q("$.blocks[3].rows[0][0].qualifier"),
                                           q("$.blocks[3].rows[0][0].lo")})
    assert.is_nil(q("$.blocks[3].rows[0][0].hi"))
    assert.are.same({"bar", 2.5, "b"}, {q("$.blocks[4].chart"), q("$.blocks[4].series[0].values[1]"),
                                       q("$.blocks[4].labels[1]")})
    assert.matches("^Taskforce calls for action", q("$.sources[0].text"))
  end)

  it("rejects unknown formats and malformed charts", function()
    assert.has_error(function() sample():render("pdf") end)
    assert.has_error(function() sample():chart{type = "pie", labels = {}, series = {}} end)
    assert.has_error(function() sample():chart{type = "bar", labels = {"a", "b"}, series = {{values = {1}}}} end)
  end)

  for _, kind in ipairs{"bar", "line", "stacked"} do
    it("draws a " .. kind .. " chart as SVG and PNG showing the data", function()
      local chart = {type = kind, title = "Not interested, by department", labels = {"DCLG", "HMRC", "All"},
                     series = {{name = "no", values = {0.78, 0.73, 0.69}}, {name = "yes", values = {0.1, 0.2, 0.16}}},
                     percent = true}
      local svg = report.draw(chart, "svg")
      assert.matches("<svg", svg, 1, true)
      for _, label in ipairs{"DCLG", "HMRC", "All", "Not interested, by department"} do
        assert.matches(">" .. label .. "<", svg, 1, true)
      end
      -- the SVG is well-formed XML
      local f = dir .. "/c.svg"
      util.write(f, svg)
      assert.is_true(os.execute("python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' " .. f))
      local png = report.draw(chart, "png")
      assert.are.equal("\137PNG\r\n\26\n", png:sub(1, 8))
      local w, h = string.unpack(">I4I4", png, 17)
      assert.are.same({720, 400}, {w, h})
    end)
  end

  it("never lets chart text run a command through gnuplot", function()
    local mark = dir .. "/pwned"
    local hostile = "`touch " .. mark .. "`"
    local svg = report.draw({type = "bar", title = "it's " .. hostile, ylabel = '"' .. hostile .. '"',
                             labels = {hostile, "it's"}, series = {{name = "'; system('touch " .. mark .. "') #",
                             values = {1, 2}}}}, "svg")
    assert.is_nil(io.open(mark))
    assert.matches("touch " .. mark, svg, 1, true)   -- shown as text, not run
    assert.matches("it\u{2019}s", svg, 1, true)
  end)

  it("embeds charts in the HTML page and saves chart files", function()
    local r = sample()
    r:chart{type = "bar", title = "Mutuals", labels = {"2010", "2012"}, series = {{values = {9, 58}}}}
    local html = r:render("html")
    assert.matches('<figure class="chart"><svg', html, 1, true)
    local files = r:save_charts(dir, "png")
    assert.are.equal(1, #files)
    assert.are.equal("\137PNG", util.read(files[1]):sub(1, 4))
  end)
end)
