-- The weighted department x answer table through the survey API.
local mutuals = require "mutuals"
local t = mutuals.store().surveys:get(1):crosstab{question = "interest", by = "department"}
print(#t)
