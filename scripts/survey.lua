-- The survey report: civil servants' interest in mutualisation in 2012,
-- overall, by department and by grade, with 95% intervals where the number
-- of respondents allows and a plain statement where it does not.
--   mutuals report scripts/survey.lua --out survey.html
local mutuals = require "mutuals"
local report = require "mutuals.report"
local fmt = report.format

local db = mutuals.store()
local survey = db.surveys:get(arg and arg[1] or "csl2012")
assert(survey, "no such survey")
local r = report.new{title = survey.title, db = db, strict = true,
                     subtitle = ("%s; %s respondents; %s"):format(survey.organiser or "organiser unknown",
                       survey.respondents and fmt.number(survey.respondents) or "number unknown",
                       survey.method or "")}

local question = survey.questions:where{key = "interest"}:first()
r:heading("The question")
r:paragraph(("“%s” %s"):format(question.text, r:cite(question)))

r:heading("Overall")
local rows, with_base, base, base_sources = {}, {}, nil, {}
for _, s in ipairs(survey:shares{question = "interest"}) do
  local interval = s.lo and ("%s to %s"):format(fmt.percent(s.lo, 1), fmt.percent(s.hi, 1))
    or "no base published: no interval"
  local count = s.count and (fmt.number(s.count) .. (s.count_derived == 1 and " (derived from the rounded share)" or ""))
    or "not published"
  rows[#rows + 1] = {s.label, fmt.percent(s.share), count, interval, r:cite(db.sources:get(s.source))}
  if s.n then
    with_base[#with_base + 1] = s
    base = s.n
    base_sources[#base_sources + 1] = db.sources:get(s.source)
  end
end
-- The base is the group's, not each answer's: it is said once, with its source.
r:table{caption = ("Would you be interested in your team becoming a mutual? (base: %s respondents %s)"):format(
          base and fmt.number(base) or "not published", r:cite_all(base_sources)),
        columns = {"Answer", "Share", "Respondents giving it", "95% interval (Wilson)", "Source"}, rows = rows,
        align = {"l", "r", "r", "l", "l"}}
local series = {}
for i, s in ipairs(with_base) do series[i] = {name = s.label, values = {s.share}} end
if #series > 0 then
  r:chart{type = "stacked", title = ("Answers overall (share of %s respondents)"):format(fmt.number(base)),
          labels = {"All respondents"}, series = series, percent = true, ylabel = "% of respondents",
          sources = base_sources}
end

r:heading("By department")
rows = {}
local labels, values, dept_sources = {}, {}, {survey}
for _, s in ipairs(survey:shares{question = "interest", by = "department"}) do
  dept_sources[#dept_sources + 1] = db.sources:get(s.source)
  rows[#rows + 1] = {s.group, s.label, fmt.percent(s.share), s.n and fmt.number(s.n) or "not published",
                     r:cite(db.sources:get(s.source))}
  labels[#labels + 1] = s.group
  values[#values + 1] = s.share
end
local overall_no
for _, s in ipairs(survey:shares{question = "interest", source = "csw_ship"}) do
  if s.option == "no" then overall_no = s end
end
if overall_no then
  labels[#labels + 1] = "All"
  values[#values + 1] = overall_no.share
end
r:table{caption = "Not interested, by department", columns = {"Department", "Answer", "Share", "Base", "Source"},
        rows = rows, align = {"l", "l", "r", "r", "l"}}
r:chart{type = "bar", title = "Not interested in mutualisation, by department", labels = labels,
        series = {{values = values}}, percent = true, ylabel = "% answering no", sources = dept_sources}
local _, why = survey:compare{question = "interest", option = "no", by = "department", a = "DCLG", b = "HMRC"}
if why then
  r:paragraph("The department figures were published without the number of respondents behind them, so no " ..
    "interval can be drawn and the difference between DCLG and HMRC cannot be tested.", dept_sources)
end

r:heading("By grade")
rows = {}
for g in survey.groups:where{breakdown = "grade"}:order("grp"):rows() do
  rows[#rows + 1] = {g.grp, fmt.number(g.n), g.derived == 1 and "derived" or "published", g.note or "", r:cite(g)}
end
r:table{caption = "Respondents by grade", columns = {"Grade", "Respondents", "Figure", "Note", "Source"},
        rows = rows, align = {"l", "r", "l", "l", "l"}}
for f in survey.findings:rows() do r:paragraph(f.text .. " " .. r:cite(f)) end

r:heading("What attracts and what deters")
rows = {}
for _, q in ipairs{"attractions", "deterrents"} do
  for _, s in ipairs(survey:shares{question = q, by = "answer"}) do
    rows[#rows + 1] = {q == "attractions" and "Attracts (those answering yes)" or "Deters (those answering no)",
                       s.label, fmt.qualified(s.share, "share", s.qualifier), r:cite(db.sources:get(s.source))}
  end
end
r:table{caption = "Reasons given", columns = {"Group", "Reason", "Share", "Source"}, rows = rows,
        align = {"l", "l", "r", "l"}}
return r
