-- Changing the store: rows, raw SQL, another database, a copy elsewhere.
local db = mutuals.store()
local ok1 = pcall(function() db.mutuals:first():delete() end)
local ok2 = pcall(db.sql, db, "DELETE FROM mutuals")
local ok3 = pcall(db.sql, db, "ATTACH 'x.db' AS x")
local ok4 = pcall(db.sql, db, "VACUUM INTO '/tmp/copy.db'")
local ok5 = pcall(db.sql, db, "PRAGMA writable_schema = 1")
if ok1 or ok2 or ok3 or ok4 or ok5 then io.open(arg[1], "w") end
error(("store writes refused: %s %s %s %s %s"):format(ok1, ok2, ok3, ok4, ok5))
