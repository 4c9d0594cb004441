-- The recommendations tracker: each Taskforce recommendation, the barriers
-- it addresses, to whom (cited to the source that names them), its
-- deadline and status, and which are overdue. A recommendation is overdue
-- only when its status is known and not done; past its deadline with no
-- status reported, it says so.
--   mutuals report scripts/recommendations.lua --out tracker.html [AS_OF]
local mutuals = require "mutuals"
local report = require "mutuals.report"
local fmt = report.format

local db = mutuals.store()
local as_of = arg and arg[1] or os.date("%Y-%m-%d")
local r = report.new{title = "Mutuals Taskforce recommendations: tracker", db = db, as_of = as_of, strict = true,
                     subtitle = "Deadlines, status and response as of " .. fmt.date(as_of)}

local total = db.observations:where{metric = "taskforce_recommendations"}:first()
local named = db.recommendations:list()
local past = db.recommendations:past_deadline(as_of)
local overdue = db.recommendations:overdue(as_of)
local late, passed, unknown = {}, {}, 0
for rec in overdue:rows() do late[rec.id] = true end
for rec in past:rows() do
  passed[rec.id] = true
  if rec.status == "unknown" then unknown = unknown + 1 end
end
r:paragraph(("The report made %s recommendations; %d of them are named in the sources held here %s."):format(
  total and r:figure(total) or "an unknown number of", #named, r:cite_all(named)))
r:paragraph(("As of %s, %d of the named recommendations are past their deadline: %d known to be overdue, and %d " ..
  "whose status no source held here reports."):format(fmt.date(as_of), past:count(), overdue:count(), unknown),
  past:list())

local rows = {}
for rec in db.recommendations:order("deadline", "key"):rows() do
  local barriers, bodies, body_sources = {}, {}, {}
  for b in rec.barriers:order("name"):rows() do barriers[#barriers + 1] = b.name end
  for link in db.recommendation_bodies:where{recommendation_id = rec.id}:rows() do
    bodies[#bodies + 1] = link.body.abbrev
    if link.source_id then body_sources[#body_sources + 1] = link end
  end
  table.sort(bodies)
  local status = late[rec.id] and "OVERDUE" or
    (passed[rec.id] and rec.status == "unknown") and "deadline passed; status unknown" or rec.status
  rows[#rows + 1] = {rec.text, #bodies > 0 and (table.concat(bodies, ", ") .. " " .. r:cite_all(body_sources)) or "",
                     rec.deadline and fmt.date(rec.deadline) or "none set", status, table.concat(barriers, "; "),
                     rec.response or "", r:cite(rec)}
end
r:table{caption = "Recommendations", columns = {"Recommendation", "Addressed to", "Deadline", "Status",
        "Barriers addressed", "Response", "Source"}, rows = rows}

r:heading("Barriers named")
rows = {}
for b in db.barriers:order("kind", "name"):rows() do
  rows[#rows + 1] = {b.name, b.kind or "", b.recommendations:count(), r:cite(b)}
end
r:table{caption = "Barriers and how many named recommendations address them",
        columns = {"Barrier", "Kind", "Recommendations", "Source"}, rows = rows, align = {"l", "l", "r", "l"}}

r:heading("Progress reported")
for f in db.findings:where{subject_type = "body"}:where("as_of", ">=", "2013"):rows() do
  r:paragraph(("%s: %s"):format(db.bodies:get(f.subject_id).name, f.text), {f})
end
return r
