-- What a user of stock Lua would write with LuaSQL: iterate the responses
-- reading two fields, from the same rows in a plain table (responses_raw: the
-- store's own responses are a virtual table stock SQLite cannot read). LuaSQL's
-- SQLite driver already returns REAL columns as Lua numbers, so no conversion
-- is needed.   lua5.4 luasql_iter.lua DB
local driver = require "luasql.sqlite3"
local env = assert(driver.sqlite3())
local con = assert(env:connect(arg[1]))
local cur = assert(con:execute("SELECT weight, department FROM responses_raw"))
local heavy = 0
local w, d = cur:fetch()
while w do
  if w > 1 and d then heavy = heavy + 1 end
  w, d = cur:fetch()
end
cur:close()
con:close()
env:close()
print(heavy)
