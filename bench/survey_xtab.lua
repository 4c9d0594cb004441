-- A design-based crosstab timed inside the process (no start-up, no store opening): the first one
-- after opening, then the median of 9 more. Prints "first median" in milliseconds.
--   run bench/survey_xtab.lua dept   survey 1's question "interest" by department (the responses table)
--   run bench/survey_xtab.lua qxq    survey "bench": q1 by q2 (microdata imported wide)
local db = require("mutuals").store()
local which = arg[1] or "dept"
local survey = which == "dept" and db.surveys:get(1) or db.surveys:get("bench")
local spec = which == "dept" and {question = "interest", by = "department"} or {question = "q1", by = "q2"}
local now = require("mutuals").clock
local function once()
  local t0 = now()
  local t = survey:crosstab(spec)
  assert(#t > 0)
  return (now() - t0) * 1000
end
local first, times = once(), {}
for i = 1, 9 do times[i] = once() end
table.sort(times)
print(("%.2f %.2f"):format(first, times[5]))
