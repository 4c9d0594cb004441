-- Migration 6: a columnar cache of survey designs and variables, so that a
-- design-based estimate over millions of answers reads a few arrays instead
-- of scanning and joining rows. Each entry is stamped with the state of the
-- data it was built from (the largest row ids, which grow with every insert,
-- and a counter of updates and deletes that triggers keep); a stale entry is
-- rebuilt on the next use. The cache is derived data: dropping it loses
-- nothing.
-- A rowid table, so that a BLOB can be read in pieces straight into the
-- arrays it fills (sqlite3_blob_read), without a copy of the whole.
CREATE TABLE survey_cache (
  id        INTEGER PRIMARY KEY,
  survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  stamp     TEXT NOT NULL,
  data      BLOB NOT NULL,
  UNIQUE (survey_id, name)
);

CREATE TABLE data_changes (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  INTEGER NOT NULL
);
INSERT INTO data_changes (id, n) VALUES (1, 0);

CREATE TRIGGER responses_updated AFTER UPDATE ON responses BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER responses_deleted AFTER DELETE ON responses BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER respondents_updated AFTER UPDATE ON respondents BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER respondents_deleted AFTER DELETE ON respondents BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER options_updated AFTER UPDATE ON options BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER options_deleted AFTER DELETE ON options BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER questions_updated AFTER UPDATE ON questions BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER questions_deleted AFTER DELETE ON questions BEGIN UPDATE data_changes SET n = n + 1; END;
-- An insert below the largest row id (an explicit id filling a gap) leaves the
-- largest row id as it was, so it counts as a change too. Appends, the usual
-- case, skip the update.
CREATE TRIGGER responses_inserted AFTER INSERT ON responses WHEN NEW.rowid < (SELECT max(rowid) FROM responses)
BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER respondents_inserted AFTER INSERT ON respondents WHEN NEW.rowid < (SELECT max(rowid) FROM respondents)
BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER options_inserted AFTER INSERT ON options WHEN NEW.rowid < (SELECT max(rowid) FROM options)
BEGIN UPDATE data_changes SET n = n + 1; END;
CREATE TRIGGER questions_inserted AFTER INSERT ON questions WHEN NEW.rowid < (SELECT max(rowid) FROM questions)
BEGIN UPDATE data_changes SET n = n + 1; END;
