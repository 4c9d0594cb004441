-- The debug library: the registry, upvalues, hooks.
local reg = debug.getregistry()
for _, v in pairs(reg) do print(v) end
