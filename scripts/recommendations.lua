-- The recommendations tracker: each Taskforce recommendation, the barriers
-- it addresses, to whom, its deadline and status, and which are overdue.
--   mutuals report scripts/recommendations.lua --out tracker.html [AS_OF]
local mutuals = require "mutuals"
local report = require "mutuals.report"
local fmt = report.format

local db = mutuals.store()
local as_of = arg and arg[1] or os.date("%Y-%m-%d")
local r = report.new{title = "Mutuals Taskforce recommendations: tracker", db = db, as_of = as_of,
                     subtitle = "Deadlines, status and response as of " .. fmt.date(as_of)}

local total = db.observations:where{metric = "taskforce_recommendations"}:first()
local named = db.recommendations:count()
local overdue = db.recommendations:overdue(as_of)
r:paragraph(("The report made %s recommendations; %d are named in the sources held here. %d %s overdue as of %s."):format(
  total and r:figure(total) or "an unknown number of", named, overdue:count(), overdue:count() == 1 and "is" or "are",
  fmt.date(as_of)))

local late = {}
for rec in overdue:rows() do late[rec.id] = true end
local rows = {}
for rec in db.recommendations:order("deadline", "key"):rows() do
  local barriers, bodies = {}, {}
  for b in rec.barriers:order("name"):rows() do barriers[#barriers + 1] = b.name end
  for b in rec.bodies:order("abbrev"):rows() do bodies[#bodies + 1] = b.abbrev end
  rows[#rows + 1] = {rec.text, table.concat(bodies, ", "), rec.deadline and fmt.date(rec.deadline) or "none set",
                     late[rec.id] and "OVERDUE" or rec.status, table.concat(barriers, "; "), rec.response or "",
                     r:cite(rec)}
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
  r:paragraph(("%s: %s %s"):format(db.bodies:get(f.subject_id).name, f.text, r:cite(f)))
end
return r
