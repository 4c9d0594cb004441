-- The benchmark's wide survey: two questions, their options (bench/gen_wide.py writes the answers).
local db = require("mutuals").store()
local s = db.surveys:insert{key = "bench", title = "Synthetic benchmark survey", source_id = 1}
local q1 = db.questions:insert{survey_id = s, key = "q1", text = "Interested?", source_id = 1}
for i, k in ipairs{"yes", "no", "dont_know"} do db.options:insert{question_id = q1, key = k, label = k, ordinal = i} end
local q2 = db.questions:insert{survey_id = s, key = "q2", text = "Agree?", source_id = 1}
for i, k in ipairs{"strongly_agree", "agree", "disagree", "strongly_disagree"} do
  db.options:insert{question_id = q2, key = k, label = k, ordinal = i}
end
