-- The Taskforce progress summary: growth of mutuals and their staff, the
-- pipeline, service areas, and progress toward one million public servants
-- in mutuals by 2015.
--   mutuals report scripts/progress.lua --out progress.html [AS_OF]
local mutuals = require "mutuals"
local report = require "mutuals.report"
local fmt = report.format

local db = mutuals.store()
local as_of = arg and arg[1] or os.date("%Y-%m-%d")
local r = report.new{title = "Public service mutuals: progress", db = db, as_of = as_of,
                     subtitle = "Growth, staff and pipeline of public service mutuals, with every figure's source"}

local counts = db.observations:where{metric = "mutuals", subject_type = "sector"}:order("as_of", "value"):list()
local first = db.observations:where{metric = "mutuals", as_of = "2010"}:first()
local bound = db.observations:where{metric = "mutuals", qualifier = "at_least"}:first()

r:heading("Number of mutuals")
if first and bound then
  local g = first:growth(bound)
  r:paragraph(("The number of public service mutuals rose from %s in 2010 to %s in June 2012: %s%.1f-fold, " ..
    "a compound rate of %s%s a year. The 2012 figure is a lower bound, so the growth is too."):format(
    r:figure(first), r:figure(bound), g.qualifier == "at_least" and "at least " or "", g.ratio,
    g.qualifier == "at_least" and "at least " or "", fmt.percent(g.cagr)))
end
local rows = {}
for i, o in ipairs(counts) do
  rows[i] = {fmt.date(o.as_of), fmt.qualified(o.value, o.unit, o.qualifier), o.geography or "", r:cite(o)}
end
r:table{caption = "Mutuals counted, by date and source", columns = {"As of", "Mutuals", "Area", "Source"},
        rows = rows, align = {"l", "r", "l", "l"}}
local labels, values = {}, {}
for _, o in ipairs(counts) do
  if o.source.kind ~= "seed" or o.qualifier ~= "exact" or o.as_of ~= "2012-06" then
    labels[#labels + 1] = fmt.date(o.as_of) .. (o.qualifier ~= "exact" and " (" .. o.qualifier:gsub("_", " ") .. ")" or "")
    values[#values + 1] = o.value
  end
end
r:chart{type = "line", title = "Public service mutuals over time", labels = labels,
        series = {{name = "mutuals", values = values}}, ylabel = "mutuals", sources = counts}

r:heading("Staff and the 2015 target")
local staff = db.observations:where{metric = "staff", subject_type = "sector"}:order("as_of"):list()
rows = {}
for i, o in ipairs(staff) do
  rows[i] = {fmt.date(o.as_of), fmt.qualified(o.value, o.unit, o.qualifier), o.geography or "", r:cite(o)}
end
r:table{caption = "People working in public service mutuals", columns = {"As of", "Staff", "Area", "Source"},
        rows = rows, align = {"l", "r", "l", "l"}}
local target = db.programmes:get("one_million")
if target then
  local p = target:progress{as_of = as_of}
  local parts = {}
  for _, row in ipairs(p.observations) do
    parts[#parts + 1] = ("%s of the target on the latest figure (%s, %s)"):format(fmt.percent(row.share, 1),
      fmt.qualified(row.observation.value, "people", row.observation.qualifier), r:cite(row.observation))
  end
  r:paragraph(("The target is %s public servants working in mutuals by %s %s. As of %s: %s."):format(
    fmt.number(p.target), p.due, r:cite(target), fmt.date(as_of),
    #parts > 0 and table.concat(parts, "; ") or "no staff figure is dated on or before then"))
  r:paragraph("Sources disagree on staff in 2012: 20,000 in the Taskforce's count of 58 mutuals, and around " ..
    "45,000 on the Number 10 site two months later. Both are shown; neither is preferred.")
end

r:heading("Pipeline and service areas")
rows = {}
for o in db.observations:where{subject_type = "sector"}:where("metric", "like", "pipeline"):order("source_id"):rows() do
  rows[#rows + 1] = {"In the pipeline", fmt.qualified(o.value, o.unit, o.qualifier) .. " " .. o.unit, fmt.date(o.as_of),
                     r:cite(o)}
end
for o in db.observations:where{metric = "service_areas"}:order("as_of"):rows() do
  rows[#rows + 1] = {"Service areas", fmt.number(o.value), fmt.date(o.as_of), r:cite(o)}
end
r:table{caption = "Pipeline and diversification", columns = {"Measure", "Value", "As of", "Source"}, rows = rows,
        align = {"l", "r", "l", "l"}}

local sectors = db.sectors:order("name"):list()
local names, nmut = {}, {}
for _, s in ipairs(sectors) do
  local n = s.mutuals:count()
  if n > 0 then
    names[#names + 1] = s.name
    nmut[#nmut + 1] = n
  end
end
r:chart{type = "bar", title = "Named mutuals by service area", labels = names,
        series = {{values = nmut}}, ylabel = "mutuals named in the sources", sources = db.mutuals:list()}

r:heading("Funds and costs")
rows = {}
for p in db.programmes:where("amount", "is not null"):where("kind", "~=", "target"):order("kind", "key"):rows() do
  rows[#rows + 1] = {p.name, fmt.qualified(p.amount, p.unit, p.qualifier), p.started and fmt.date(p.started) or "",
                     r:cite(p)}
end
r:table{caption = "Money for mutuals", columns = {"Programme, fund or cost", "Amount", "From", "Source"}, rows = rows,
        align = {"l", "r", "l", "l"}}

return r
