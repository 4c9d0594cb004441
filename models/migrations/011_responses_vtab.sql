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
  data      BLOB NOT NULL,
  UNIQUE (survey_id, name)
);
CREATE TABLE responses_gone (id INTEGER PRIMARY KEY);
-- The largest id ever sealed: a new answer's id is above it, so an id marked gone is never given again. And
-- a random number drawn each time any survey's columns are written or dropped: what a connection derived
-- from them (responses_vtab.c: a filter of their keys) is current while it is the same, a rollback included.
CREATE TABLE responses_high (id INTEGER PRIMARY KEY CHECK (id = 1), max_id INTEGER NOT NULL,
                             nonce INTEGER NOT NULL DEFAULT 0);
INSERT INTO responses_high (id, max_id) VALUES (1, 0);

-- Deleting a question or an option deletes its answers: the rows by their foreign keys, the sealed ones here.
CREATE TRIGGER questions_deleted_sealed AFTER DELETE ON questions BEGIN
  INSERT OR IGNORE INTO responses_gone (id)
    SELECT id FROM responses WHERE question_id = OLD.id AND id NOT IN (SELECT id FROM responses_rows);
END;
CREATE TRIGGER options_deleted_sealed AFTER DELETE ON options BEGIN
  INSERT OR IGNORE INTO responses_gone (id)
    SELECT id FROM responses WHERE option_id = OLD.id AND id NOT IN (SELECT id FROM responses_rows);
END;

-- A sealed answer marked gone is a delete to the survey cache's stamp (migration 6). Sealing itself changes
-- no answer: the rows' largest id falls with it, and the cache is rebuilt from the columns.
CREATE TRIGGER responses_gone_marked AFTER INSERT ON responses_gone BEGIN UPDATE data_changes SET n = n + 1; END;
