-- The API fuzzer: every function of the module and every method of every
-- mutuals metatable (store, collection, record, cursor, qualified value),
-- called with wrong-typed and hostile arguments under pcall. A Lua error is
-- the right answer; a crash (caught by AddressSanitizer and UBSan in the
-- sanitized build) or a hang is a bug. Network functions are left out.
--   mutuals-lua tests/fuzz/api.lua CALLS [SEED [DIR]]
local mutuals = require "mutuals"

local calls = tonumber(arg[1]) or 20000
local seed = tonumber(arg[2]) or 1
local dir = arg[3] or os.getenv("TMPDIR") or "/tmp"
math.randomseed(seed)

local path = ("%s/fuzz-%d-%d.db"):format(dir, seed, math.random(1 << 30))
local function cleanup()
  for _, s in ipairs{"", "-wal", "-shm", "-writer"} do os.remove(path .. s) end
end
cleanup()

local db
local function fresh()
  if db then pcall(db.close, db) end
  cleanup()   -- a call may have dropped a table with db:sql: start from a new store
  db = assert(mutuals.open(path))
end
fresh()

-- Values of every type, and values that are wrong in interesting ways.
local function build_values()
  local rec = db.mutuals:first()
  return {
    nil, true, false, 0, -1, 1, 2^53, -2^63, 1e308, -1e308, 0 / 0, 1 / 0, -1 / 0, 0.5, 10.5,
    "", "x", "mutuals", "status", "value", "staff", "name", "id", "operating", "2012-06", "2012-13-45",
    ("a"):rep(5000), "\0", "%s%n", "DROP TABLE mutuals", "'; --",
    {}, {1, 2, 3}, {a = 1}, {question = "interest"}, {status = "operatng"}, {value = 1, as_of = "2010"},
    {{}}, setmetatable({}, {__index = function() error("trap") end}),
    print, function() error("from a callback") end, coroutine.create(function() end),
    db, db.mutuals, db.observations:where{metric = "mutuals"}, rec, db.observations:get(2),
    mutuals.qualified(58, "at_least"), mutuals.qualified(nil), io.stdout,
  }
end

local function values()
  local ok, v = pcall(build_values)
  if ok then return v end
  fresh()   -- a call broke the store (dropped a table, emptied it): start again
  return build_values()
end

-- Everything callable: the module's functions and each metatable's methods.
local function targets()
  local list = {}
  local skip = {fetch = true, sync = true, close = true, init = true}
  for k, v in pairs(mutuals) do
    if type(v) == "function" and not skip[k] then list[#list + 1] = {"mutuals." .. k, v} end
  end
  local function methods_of(obj, label)
    local mt = getmetatable(obj)
    if type(mt) ~= "table" then return end
    for k, v in pairs(mt) do
      if type(v) == "function" and k ~= "__gc" and k ~= "__close" then list[#list + 1] = {label .. "." .. k, v} end
    end
    if type(mt.methods) == "table" then
      for k, v in pairs(mt.methods) do
        if not skip[k] then list[#list + 1] = {label .. ":" .. k, v} end
      end
    end
  end
  methods_of(db, "store")
  methods_of(db.mutuals, "collection")
  methods_of(db.mutuals:first(), "record")
  methods_of(mutuals.qualified(1), "qvalue")
  local iter, _, _, cursor = db.mutuals:rows()
  methods_of(cursor, "cursor")
  list[#list + 1] = {"cursor next", iter}
  -- entity-specific methods, reached through records and collections of every entity
  for _, name in ipairs(mutuals.entities()) do
    local c = db[name]
    local r = c:first()
    for _, m in ipairs{"shares", "crosstab", "mean", "compare", "chisq", "difference", "import", "growth", "progress",
                          "measure"} do
      if r then
        local ok, f = pcall(function() return r[m] end)
        if ok and type(f) == "function" then list[#list + 1] = {name .. " record:" .. m, f} end
      end
    end
    for _, m in ipairs{"overdue", "past_deadline"} do
      local ok, f = pcall(function() return c[m] end)
      if ok and type(f) == "function" then list[#list + 1] = {name .. ":" .. m, f} end
    end
  end
  table.sort(list, function(a, b) return a[1] < b[1] end)
  return list
end

local list = targets()
local errors, ok_calls = 0, 0
for i = 1, calls do
  if i % 2000 == 0 then fresh() end   -- some calls close or empty the store
  local vals = values()
  local t = list[math.random(#list)]
  local n = math.random(0, 5)
  local args = {}
  for k = 1, n do args[k] = vals[math.random(#vals + 1)] end   -- #vals + 1: sometimes nil
  local ok = pcall(t[2], table.unpack(args, 1, n))
  if ok then ok_calls = ok_calls + 1 else errors = errors + 1 end
end
pcall(db.close, db)
cleanup()
print(("%d calls to %d functions and methods: %d raised errors, %d returned; no crash"):format(calls, #list,
  errors, ok_calls))
