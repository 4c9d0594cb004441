-- A C module through require.
package.cpath = "/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;" .. package.cpath
local lfs = require "lfs"
lfs.touch(arg[1])
