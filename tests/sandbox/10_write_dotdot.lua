-- Writing outside through "..".
local f = assert(io.open("../outside/escaped", "w"))
f:write("x")
f:close()
