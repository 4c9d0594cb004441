-- An error object whose __tostring runs when the host prints it.
error(setmetatable({}, {__tostring = function() os.execute("touch " .. arg[1]); return "x" end}))
