-- A staff survey's microdata, analysed as a survey statistician would:
-- design-based shares with 95% intervals by department, the Rao-Scott test
-- of whether interest differs between departments, the difference between
-- two of them, a mean score by department, and disclosure control (a department too small to publish is
-- suppressed, with another so that it cannot be recovered by subtraction).
--
-- By default it reads the SYNTHETIC file shipped in scripts/data (made by
-- scripts/data/synthetic_staff_survey.lua: no real people or answers) into a
-- store in memory, so your own store is untouched:
--   mutuals report scripts/survey_deep.lua --out deep.html [-- FILE]
local mutuals = require "mutuals"
local report = require "mutuals.report"
local fmt = report.format

local here = (arg and arg[0] or "scripts/survey_deep.lua"):match("^(.*)/[^/]*$") or "."
local file = arg and arg[1] or (here .. "/data/synthetic_staff_survey.csv")
local db = assert(mutuals.open(":memory:", {empty = true}))   -- in memory: nothing is written anywhere

-- The survey, its questions and the file it comes from.
local src = db.sources:insert{key = "synthetic_staff_survey", kind = "import", location = file,
  title = "Synthetic staff survey: generated data, not real respondents (scripts/data/synthetic_staff_survey.lua)"}
local survey = db.surveys:insert{key = "staff", title = "Synthetic staff survey", source_id = src,
                                 method = "Stratified cluster sample: 4 strata of 10 PSUs, weights 0.3 to 6"}
local q1 = db.questions:insert{survey_id = survey, key = "q1", source_id = src,
  text = "Would you be interested in your team becoming a mutual?"}
for i, o in ipairs{{"yes", "Yes"}, {"no", "No"}, {"dont_know", "Don't know"}} do
  db.options:insert{question_id = q1, key = o[1], label = o[2], ordinal = i}
end
local q2 = db.questions:insert{survey_id = survey, key = "q2", text = "I would recommend my organisation", source_id = src}
for i, o in ipairs{"strongly_agree", "agree", "disagree", "strongly_disagree"} do
  db.options:insert{question_id = q2, key = o, label = (o:gsub("_", " ")), ordinal = i}
end
local loaded = survey:import(file, {id = "id", weight = "weight", strata = "stratum", psu = "psu", fpc = "fpc"})

local r = report.new{title = "Interest in mutualisation by department (synthetic data)", db = db, strict = true,
                     subtitle = "Design-based estimates with 95% intervals, a test of association, and disclosure control"}
r:paragraph(("These figures come from a synthetic file of %s respondents and %s answers, generated to show the " ..
  "method: they describe no real organisation."):format(fmt.number(loaded.respondents), fmt.number(loaded.answers)),
  {src})

-- The crosstab: every department and answer, with the design's own uncertainty.
local t = survey:crosstab{question = "q1", by = "department"}
local MARK = "‡"
local rows, hidden = {}, 0
for _, c in ipairs(t) do
  if c.suppressed then
    hidden = hidden + 1
    rows[#rows + 1] = {c.group, c.label or c.option, MARK, MARK, MARK, MARK, r:cite(src)}
  else
    -- a missing share or interval comes with the reason (c.why), never a blank or a 0
    rows[#rows + 1] = {c.group, c.label, c.share and fmt.percent(c.share, 1) or c.why,
      c.lo and ("%s to %s"):format(fmt.percent(c.lo, 1), fmt.percent(c.hi, 1)) or c.why,
      fmt.number(c.base_n), c.deff and ("%.1f"):format(c.deff) or "", r:cite(src)}
  end
end
for _, c in ipairs(t.overall) do
  rows[#rows + 1] = {"All departments", c.label, fmt.percent(c.share, 1),
    ("%s to %s"):format(fmt.percent(c.lo, 1), fmt.percent(c.hi, 1)), fmt.number(c.base_n),
    c.deff and ("%.1f"):format(c.deff) or "", r:cite(src)}
end
r:table{caption = "Interest in becoming a mutual, by department (design-based; 95% logit intervals)",
        columns = {"Department", "Answer", "Share", "95% interval", "Respondents (base)", "Design effect", "Source"},
        rows = rows, align = {"l", "l", "r", "l", "r", "r", "l"}}
if hidden > 0 then
  r:paragraph(("%s marks a result not published: a department with fewer than %d respondents is suppressed, " ..
    "and so is the next smallest, so that neither can be worked out from the total and the other departments."):format(
    MARK, t.min_base), {src})
end

-- A chart of the published "yes" shares only.
local labels, values = {}, {}
for _, c in ipairs(t) do
  if c.option == "yes" and not c.suppressed then
    labels[#labels + 1] = c.group
    values[#values + 1] = c.share
  end
end
r:chart{type = "bar", title = "Share answering yes, by department", labels = labels, percent = true,
        series = {{values = values}}, ylabel = "% answering yes", sources = {src}}

-- Is interest related to department? The Rao-Scott test, which allows for the design.
local chi = survey:chisq{"q1", "department"}
r:paragraph(("Whether interest differs by department, allowing for the survey design (the Rao-Scott corrected " ..
  "chi-square): F = %.2f on %.2f and %.1f degrees of freedom, p = %s."):format(chi.f, chi.ndf, chi.ddf,
  chi.p < 0.001 and "< 0.001" or ("%.3f"):format(chi.p)), {src})

local d = survey:difference{question = "q1", option = "no", by = "department", a = "A", b = "B"}
r:paragraph(("Departments A and B: %s and %s answered no, a difference of %s points (95%% interval %s to %s)."):format(
  fmt.percent(d.share_a, 1), fmt.percent(d.share_b, 1), ("%.1f"):format(d.diff * 100),
  ("%.1f"):format(d.lo * 100), ("%.1f"):format(d.hi * 100)), {src})
-- A score, as the People Survey scores its agreement scales (100, 75, 25, 0): a design-based mean by department.
local m = survey:mean{question = "q2", by = "department",
                      scores = {strongly_agree = 100, agree = 75, disagree = 25, strongly_disagree = 0}}
local mrows = {}
for _, g in ipairs(m) do
  mrows[#mrows + 1] = g.suppressed and {g.group, MARK, MARK, MARK, r:cite(src)}
    or not g.mean and {g.group, g.why, "", fmt.number(g.n), r:cite(src)}
    or {g.group, ("%.1f"):format(g.mean), g.lo and ("%.1f to %.1f"):format(g.lo, g.hi) or g.why, fmt.number(g.n),
        r:cite(src)}
end
mrows[#mrows + 1] = {"All departments", ("%.1f"):format(m.all.mean), ("%.1f to %.1f"):format(m.all.lo, m.all.hi),
                     fmt.number(m.all.n), r:cite(src)}
r:table{caption = "Would recommend the organisation: mean score out of 100, by department (design-based; 95% intervals)",
        columns = {"Department", "Mean score", "95% interval", "Respondents scored", "Source"},
        rows = mrows, align = {"l", "r", "l", "r", "l"}}
return r
