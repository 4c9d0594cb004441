-- Bytecode forged from string.dump (CVE-2015-4335 in Redis).
local f = load(string.dump(function() io.open(arg[1], "w"):write("x") end))
f()
