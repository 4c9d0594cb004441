-- Migration 11: responses become a virtual table (responses_vtab.c) over their rows, now responses_rows,
-- so that a survey's answers can also be kept as columns behind the same name (columns.c). The rename
-- carries the rows' keys, foreign keys and triggers (the change counters of migration 6) with them.
ALTER TABLE responses RENAME TO responses_rows;
CREATE VIRTUAL TABLE responses USING mutuals_responses;

-- A survey's answers sealed into columns (columns.c), one entry per column of responses, every entry in
-- the order of (respondent, question_id); responses_gone: sealed answers deleted or replaced since.
CREATE TABLE response_columns (
  id        INTEGER PRIMARY KEY,
  survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  nrows     INTEGER NOT NULL CHECK (nrows >= 0),
  max_id    INTEGER,   -- the id column's: a new answer's id is above it, never a sealed one's
  data      BLOB NOT NULL,
  UNIQUE (survey_id, name)
);
CREATE TABLE responses_gone (id INTEGER PRIMARY KEY);
