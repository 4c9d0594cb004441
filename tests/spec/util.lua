-- Helpers shared by the specs: a fresh store in a temporary file.
local mutuals = require "mutuals"

local util = {}

function util.tmpdir()
  local base = os.getenv("TEST_TMPDIR") or "/tmp"
  local p = os.tmpname()
  os.remove(p)
  local dir = base .. "/mutuals-spec-" .. p:match("[^/]+$")
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  return dir
end

-- A new store loaded with the bundled dataset, and its path.
function util.fresh()
  local dir = util.tmpdir()
  local path = dir .. "/store.db"
  local db = assert(mutuals.open(path))
  return db, path, dir
end

-- A store made by an earlier build (tests/fixtures/store_vN.sql, a sqlite3 .dump), opened, so migrated, by
-- this one; checked to be at the current schema. The store, its path and its folder.
function util.fixture(version)
  local dir = util.tmpdir()
  local path = ("%s/v%d.db"):format(dir, version)
  assert(os.execute(("sqlite3 '%s' < tests/fixtures/store_v%d.sql"):format(path, version)))
  local db = assert(mutuals.open(path))
  assert(db:sql("PRAGMA user_version")[1].user_version == mutuals.schema_version, "not migrated")
  return db, path, dir
end

function util.drop(db, path)
  if db then db:close() end
  if path then
    for _, suffix in ipairs{"", "-wal", "-shm"} do os.remove(path .. suffix) end
    os.remove((path:gsub("/[^/]+$", "")))
  end
end

function util.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- A file's bytes, or nil when there is none (a store's -wal may not exist).
function util.bytes(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

function util.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

return util
