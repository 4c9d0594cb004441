-- A summary of the store: the sector's growth, staff, pipeline, service
-- areas, the 2012 survey, funds and targets, and the Taskforce's
-- recommendations, each figure with its qualifier and source.
--
--   mutuals run scripts/summary.lua [AS_OF]
local mutuals = require "mutuals"
local report = require "mutuals.report"

local db = mutuals.store()
local as_of = arg and arg[1] or os.date("%Y-%m-%d")
-- The report library numbers the citations and formats the figures; this
-- script prints them as plain text.
local cites = report.new{title = "summary", db = db}
local fmt = report.format
local function cite(source_id) return cites:cite(source_id) end
local thousands = fmt.number
local function figure(o) return fmt.qualified(o:measure()) end

local function heading(text)
  print()
  print(text)
  print(("-"):rep(#text))
end

print(("Public service mutuals: summary of the store (as of %s)"):format(as_of))
print(("=" ):rep(60))

heading("Number of mutuals")
for o in db.observations:where{metric = "mutuals", subject_type = "sector"}:order("as_of", "value"):rows() do
  local where = o.geography and (" (" .. o.geography .. ")") or ""
  print(("  %-8s %-14s%s %s"):format(o.as_of or "undated", figure(o), where, cite(o.source_id)))
end
local first = db.observations:where{metric = "mutuals", as_of = "2010"}:first()
local bound = db.observations:where{metric = "mutuals", qualifier = "at_least"}:first()
if first and bound then
  local g = first:growth(bound)
  local marks = cite(first.source_id)
  if bound.source_id ~= first.source_id then marks = marks .. " " .. cite(bound.source_id) end
  -- The rate is a range over the days the dates allow ('2010' is any day of 2010).
  print(("  Growth %s to %s: %s, %s over %.1f to %.1f years %s"):format(first.as_of, bound.as_of,
    g.ratio:text(), g.cagr:text(), g.years_min, g.years_max, marks))
end

heading("Staff working in mutuals")
for o in db.observations:where{metric = "staff", subject_type = "sector"}:order("as_of"):rows() do
  print(("  %-8s %-14s %s"):format(o.as_of or "undated", figure(o), cite(o.source_id)))
end
local target = db.programmes:get("one_million")
if target then
  -- Progress is measured with the latest figure dated no later than the target's date, and both dates are said.
  local p = target:progress{as_of = target.target_date}
  for _, row in ipairs(p.observations) do
    print(("  Toward %s by %s: %s on the figure of %s%s %s"):format(thousands(p.target.value), p.due,
      row.share:text(), row.observation.as_of, row.observation.geography and (" (" .. row.observation.geography .. ")") or "",
      cite(row.observation.source_id)))
  end
end

heading("Pipeline and service areas")
for o in db.observations:where{subject_type = "sector"}:where("metric", "like", "pipeline"):rows() do
  print(("  %s %s in the pipeline (%s) %s"):format(figure(o), o.unit, o.as_of, cite(o.source_id)))
end
for o in db.observations:where{metric = "service_areas"}:order("as_of"):rows() do
  print(("  %s service areas in %s %s"):format(figure(o), o.as_of, cite(o.source_id)))
end

heading("Mutuals named in the sources")
for m in db.mutuals:order("name"):rows() do
  local parent = m.parent and m.parent.abbrev or "parent unknown"
  local staff = m.staff and (m:measure():text{unit = false} .. " staff")
    or "staff unknown"
  print(("  %-34s %-10s %-20s %s %s"):format(m.name, m.status, parent, staff, cite(m.source_id)))
end

heading("Civil servants' interest in mutualisation (2012 survey)")
local survey = db.surveys:get("csl2012")
if survey then
  print(("  %s respondents %s"):format(thousands(survey.respondents), cite(survey.source_id)))
  for _, r in ipairs(survey:shares{question = "interest", source = "csw_ship"}) do
    print(("  %-10s %3.0f%%  (95%% CI %.1f%% to %.1f%%)"):format(r.label, r.share * 100, r.lo * 100, r.hi * 100))
  end
  for _, r in ipairs(survey:shares{question = "interest", by = "department"}) do
    print(("  %-10s %3.0f%% said %s (no published base: no interval)"):format(r.group, r.share * 100,
      r.label:lower()))
  end
end

heading("Funds, targets and costs")
for p in db.programmes:where("amount", "is not null"):order("kind", "key"):rows() do
  print(("  %-58s %s %s"):format(p.name, figure(p),
    cite(p.source_id)))
end

heading(("Recommendations as of %s (! overdue, ? deadline passed with no status reported)"):format(as_of))
local overdue, passed = {}, {}
for rec in db.recommendations:overdue(as_of):rows() do overdue[rec.id] = true end
for rec in db.recommendations:past_deadline(as_of):rows() do passed[rec.id] = true end
for rec in db.recommendations:order("deadline", "key"):rows() do
  local mark = overdue[rec.id] and "!" or (passed[rec.id] and rec.status == "unknown") and "?" or " "
  print(("  %s %-8s %-9s %s %s"):format(mark, rec.deadline or "-", rec.status, rec.text, cite(rec.source_id)))
end

heading("Sources")
for _, s in ipairs(cites:source_list()) do print(("  %s %s. %s"):format(s.mark, s.text, s.location)) end
