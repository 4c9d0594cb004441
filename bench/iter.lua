-- Iterate the responses through the collection API reading two fields.
--   mutuals --db DB run iter.lua [values|rows]
local mutuals = require "mutuals"
local db = mutuals.store()
local heavy = 0
if arg[1] == "rows" then
  for r in db.responses:rows() do
    if r.weight > 1 and r.department then heavy = heavy + 1 end
  end
else
  for w, d in db.responses:values("weight", "department") do
    if w > 1 and d then heavy = heavy + 1 end
  end
end
print(heavy)
