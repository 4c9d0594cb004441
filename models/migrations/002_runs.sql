-- Migration 2: the history of report runs (who ran what, when, with what result).
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  script      TEXT NOT NULL,
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
  args        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(args)),
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      INTEGER,
  outputs     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(outputs)),
  error       TEXT
);
CREATE INDEX runs_script ON runs(script, started_at);
