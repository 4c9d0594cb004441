-- Writes scripts/data/synthetic_staff_survey.csv: a SYNTHETIC staff survey
-- (no real people or answers), for the shipped survey_deep report and for
-- testing design-based estimation against R's survey package: about 3,000
-- respondents in 4 strata of 10 clusters (PSUs) each, population 50
-- clusters per stratum (fpc), unequal weights between 0.3 and 6, five
-- departments and a sixth of only six people (to show disclosure control),
-- three grades, two questions with some answers missing, and one empty cell
-- (nobody in department E answers "dont_know").
--   lua5.4 scripts/data/synthetic_staff_survey.lua > scripts/data/synthetic_staff_survey.csv
math.randomseed(20121125)
local depts = {"A", "B", "C", "D", "E"}
local grades = {"G1", "G2", "G3"}
local q2 = {"strongly_agree", "agree", "disagree", "strongly_disagree"}
print("id,stratum,psu,fpc,weight,department,grade,q1,q2")
local id = 0
for h = 1, 4 do
  for c = 1, 10 do
    local size = 60 + math.random(0, 30)          -- clusters of unequal size, about 3,000 in all
    local lean = math.random()                    -- answers cluster within PSUs
    for _ = 1, size do
      id = id + 1
      local d = depts[math.random(#depts)]
      if h == 2 and c <= 3 and math.random() < 0.03 then d = "F" end   -- a very small department
      local g = grades[math.random(#grades)]
      local w = 0.3 + 5.7 * math.random() ^ 2     -- unequal weights in [0.3, 6]
      local u = (math.random() + lean) / 2
      local a1 = u < 0.2 and "yes" or u < 0.75 and "no" or "dont_know"
      if d == "E" and a1 == "dont_know" then a1 = "no" end
      if math.random() < 0.04 then a1 = "" end    -- not answered
      local a2 = q2[math.min(4, 1 + math.floor((math.random() + (h - 1) / 4) * 3))]
      if math.random() < 0.03 then a2 = "" end
      print(("r%04d,S%d,S%d-C%02d,50,%.4f,%s,%s,%s,%s"):format(id, h, h, c, w, d, g, a1, a2))
    end
  end
end
