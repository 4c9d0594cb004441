-- Binary chunks asked for explicitly.
local chunk = "\27Lua\84\0"
assert(load(chunk, "x", "b"))()
