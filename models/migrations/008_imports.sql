-- Migration 8: the history of imports, so that one can be listed, traced
-- and undone. Every import, fetch and sync records what it read (file or
-- URL and its SHA-256), how (mode, command), when, what it did (counts), and
-- the rows it changed: inserted rows as ranges of row ids (a million rows
-- are one range), updated rows with their values before and after, so that
-- an undo can put them back and can see whether anything changed them since.
CREATE TABLE imports (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,
  origin     TEXT NOT NULL,
  sha256     TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
  mode       TEXT NOT NULL CHECK (mode IN ('insert', 'upsert')),
  command    TEXT NOT NULL,
  at         TEXT NOT NULL,
  inserted   INTEGER NOT NULL DEFAULT 0,
  updated    INTEGER NOT NULL DEFAULT 0,
  unchanged  INTEGER NOT NULL DEFAULT 0,
  replaced   INTEGER NOT NULL DEFAULT 0,   -- rows a refetch of the same URL dropped first
  undone_at  TEXT
);

CREATE TABLE import_changes (
  id        INTEGER PRIMARY KEY,
  import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
  tbl       TEXT NOT NULL,
  first_id  INTEGER NOT NULL,
  last_id   INTEGER NOT NULL CHECK (last_id >= first_id),
  before    TEXT CHECK (before IS NULL OR json_valid(before)),   -- NULL: rows inserted
  after     TEXT CHECK (after IS NULL OR json_valid(after))
);
CREATE INDEX import_changes_rows ON import_changes(tbl, first_id);
CREATE INDEX import_changes_import ON import_changes(import_id);
