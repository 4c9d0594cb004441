-- Changing the methods every string shares.
local mt = getmetatable("")
mt.__index = function() return os.execute end
