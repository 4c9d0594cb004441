-- The Taskforce progress summary: growth of mutuals and their staff, the
-- pipeline, service areas, and progress toward one million public servants
-- in mutuals by 2015. Every sentence cites its sources; figures keep their
-- qualifiers, dates and areas; charts space dates by time.
--   mutuals report scripts/progress.lua --out progress.html
local mutuals = require "mutuals"
local report = require "mutuals.report"
local fmt = report.format

local db = mutuals.store()
local r = report.new{title = "Public service mutuals: progress", db = db, strict = true,
                     subtitle = "Growth, staff and pipeline of public service mutuals, with every figure's source"}

-- "June 2012 (England and Wales)": when and where a figure holds.
local function when_where(o)
  return fmt.date(o.as_of) .. (o.geography and (" (" .. o.geography .. ")") or "")
end

local function figures_table(caption, heading, list)
  local rows = {}
  for i, o in ipairs(list) do
    rows[i] = {fmt.date(o.as_of), o:measure(), o.geography or "not stated", r:cite(o)}
  end
  r:table{caption = caption, columns = {"As of", heading, "Area", "Source"}, rows = rows,
          align = {"l", "r", "l", "l"}}
end

r:heading("Number of mutuals")
local counts = db.observations:where{metric = "mutuals", subject_type = "sector"}:order("as_of", "value"):list()
local first = db.observations:where{metric = "mutuals", as_of = "2010"}:first()
local bound = db.observations:where{metric = "mutuals", qualifier = "at_least"}:first()
if first and bound then
  local g = first:growth(bound)
  r:paragraph(("The number of public service mutuals rose from %s in %s to %s in %s: %s. "):format(
    r:figure(first), fmt.date(first.as_of), r:figure(bound), fmt.date(bound.as_of), r:figure(g.ratio)) ..
    ("The 2012 figure is a lower bound, so the growth is one too %s. "):format(r:cite(bound)) ..
    ("With the 2010 figure dated only by its year, the time between them is %.1f to %.1f years, " ..
     "and the compound rate is %s %s."):format(g.years_min, g.years_max, fmt.qualified(g.cagr), r:cite_all{g.cagr}))
end
local stated = db.observations:where{metric = "mutuals_growth", as_of = "2012-06"}:first()
if stated and first and bound then
  r:paragraph(("The report itself calls this %s growth; its own figures give %s %s."):format(
    r:figure(stated), fmt.qualified(first:growth(bound).ratio), r:cite_all{first, bound}))
end
figures_table("Mutuals counted, by date and source", "Mutuals", counts)
r:chart{type = "time", title = "Public service mutuals over time", series = report.series(counts),
        ylabel = "mutuals (organisations)"}

r:heading("Staff and the 2015 target")
local staff = db.observations:where{metric = "staff", subject_type = "sector"}:order("as_of"):list()
figures_table("People working in public service mutuals", "Staff", staff)
r:chart{type = "time", title = "People working in public service mutuals", series = report.series(staff),
        ylabel = "people"}

-- Rival figures for the same year, stated as such from the data.
local by_year = {}
for _, o in ipairs(staff) do
  local y = o.as_of and o.as_of:sub(1, 4)
  if y then
    by_year[y] = by_year[y] or {}
    table.insert(by_year[y], o)
  end
end
for _, y in ipairs{"2012", "2013", "2014"} do
  local list = by_year[y]
  if list and #list > 1 then
    local parts = {}
    for i, o in ipairs(list) do parts[i] = ("%s in %s"):format(r:figure(o, {unit = true}), when_where(o)) end
    r:paragraph(("Sources disagree on staff in %s: %s. Both are shown and neither is preferred %s."):format(
      y, table.concat(parts, "; "), r:cite_all(list)))
  end
end

local target = db.programmes:get("one_million")
if target then
  local p = target:progress{as_of = target.target_date}
  local text = ("The target is %s working in mutuals by %s."):format(r:figure(target, {unit = true}), p.due)
  if #p.observations > 0 then
    local parts = {}
    for _, row in ipairs(p.observations) do
      local o = row.observation
      parts[#parts + 1] = ("%s in %s, %s of the target"):format(r:figure(o, {unit = true}), when_where(o),
        fmt.qualified(row.share))
    end
    text = text .. (" The latest staff figure dated no later than %s is %s; progress is measured in %s, " ..
      "not in %s %s."):format(p.due, table.concat(parts, "; "), fmt.date(p.figure_date), p.due, r:cite(target))
  else
    text = text .. (" No staff figure is dated no later than %s %s."):format(p.due, r:cite(target))
  end
  r:paragraph(text)
end

r:heading("Pipeline and service areas")
local rows = {}
for o in db.observations:where{subject_type = "sector"}:where("metric", "like", "pipeline"):order("source_id"):rows() do
  rows[#rows + 1] = {"In the pipeline", o:measure(), fmt.date(o.as_of), r:cite(o)}
end
for o in db.observations:where{metric = "service_areas"}:order("as_of"):rows() do
  rows[#rows + 1] = {"Service areas", o:measure(), fmt.date(o.as_of), r:cite(o)}
end
r:table{caption = "Pipeline and diversification", columns = {"Measure", "Value", "As of", "Source"}, rows = rows,
        align = {"l", "r", "l", "l"}}

local sectors = db.sectors:order("name"):list()
local names, nmut, named = {}, {}, {}
for _, s in ipairs(sectors) do
  local n = s.mutuals:count()
  if n > 0 then
    names[#names + 1] = s.name
    nmut[#nmut + 1] = n
    for m in s.mutuals:rows() do named[#named + 1] = m end
  end
end
r:chart{type = "bar", title = "Named mutuals by service area", labels = names,
        series = {{values = nmut}}, ylabel = "mutuals named in the sources", sources = named}

r:heading("Funds and costs")
rows = {}
for p in db.programmes:where("amount", "is not null"):where("kind", "~=", "target"):order("kind", "key"):rows() do
  -- Other sources' claims of the same amount, kept as observations of the programme.
  local claims = {p}
  for o in p.observations:where{metric = "fund_size"}:rows() do claims[#claims + 1] = o end
  rows[#rows + 1] = {p.name, p:measure(), p.started and fmt.date(p.started) or "not stated",
                     r:cite_all(claims)}
end
r:table{caption = "Money for mutuals", columns = {"Programme, fund or cost", "Amount", "From", "Sources"}, rows = rows,
        align = {"l", "r", "l", "l"}}

return r
