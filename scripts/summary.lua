-- A summary of the store: the sector's growth, staff, pipeline, service
-- areas, the 2012 survey, funds and targets, and the Taskforce's
-- recommendations, each figure with its qualifier and source.
--
--   mutuals run scripts/summary.lua [AS_OF]
local mutuals = require "mutuals"

local db = mutuals.store()
local as_of = arg and arg[1] or os.date("%Y-%m-%d")
local cited, order = {}, {}

-- A citation mark for a source, numbering sources in order of first use.
local function cite(source_id)
  if not cited[source_id] then
    order[#order + 1] = source_id
    cited[source_id] = #order
  end
  return ("[%d]"):format(cited[source_id])
end

local function thousands(n)
  local s = ("%d"):format(math.floor(n + 0.5))
  local head = (#s - 1) % 3 + 1
  local out = s:sub(1, head)
  for i = head + 1, #s, 3 do out = out .. "," .. s:sub(i, i + 2) end
  return out
end

local qualifier_words = {
  exact = "", at_least = "at least ", more_than = "more than ", approximately = "approximately ",
  around = "around ", up_to = "up to ",
}

local function amount(value, unit)
  if unit == "GBP" then
    if value >= 1e9 then return ("£%sbn"):format((("%.1f"):format(value / 1e9)):gsub("%.0$", "")) end
    if value >= 1e6 then return ("£%sm"):format((("%.1f"):format(value / 1e6)):gsub("%.0$", "")) end
    return "£" .. thousands(value)
  elseif unit == "share" then
    return ("%d%%"):format(math.floor(value * 100 + 0.5))
  end
  return thousands(value)
end

local function figure(o)
  return qualifier_words[o.qualifier or "exact"] .. amount(o.value, o.unit)
end

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
  print(("  Growth 2010 to 2012: %s%.1f-fold, %s%.0f%% a year (%d is a lower bound) %s"):format(
    qualifier_words[g.qualifier] or "", g.ratio, qualifier_words[g.qualifier] or "", g.cagr * 100,
    bound.value, marks))
end

heading("Staff working in mutuals")
for o in db.observations:where{metric = "staff", subject_type = "sector"}:order("as_of"):rows() do
  print(("  %-8s %-14s %s"):format(o.as_of or "undated", figure(o), cite(o.source_id)))
end
local target = db.programmes:get("one_million")
if target then
  local p = target:progress{as_of = as_of}
  for _, row in ipairs(p.observations) do
    print(("  Toward %s by %s: %.1f%% on %s %s"):format(thousands(p.target), p.due, row.share * 100,
      row.observation.as_of, cite(row.observation.source_id)))
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
  local staff = m.staff and ((qualifier_words[m.staff_qualifier or "exact"] or "") .. thousands(m.staff) .. " staff")
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
  print(("  %-58s %s %s"):format(p.name, figure{value = p.amount, unit = p.unit, qualifier = p.qualifier},
    cite(p.source_id)))
end

heading(("Recommendations (overdue as of %s marked !)"):format(as_of))
local overdue = {}
for r in db.recommendations:overdue(as_of):rows() do overdue[r.id] = true end
for r in db.recommendations:order("deadline", "key"):rows() do
  print(("  %s %-8s %-9s %s %s"):format(overdue[r.id] and "!" or " ", r.deadline or "-", r.status, r.text,
    cite(r.source_id)))
end

heading("Sources")
for i, id in ipairs(order) do
  local s = db.sources:get(id)
  local by = s.publisher and (", " .. s.publisher) or ""
  print(("  [%d] %s%s, %s. %s"):format(i, s.title, by, s.published or "undated", s.location))
end
