-- A C function from any library (the loadlib route).
local f = assert(package.loadlib("libc.so.6", "system"))
f("touch " .. arg[1])
