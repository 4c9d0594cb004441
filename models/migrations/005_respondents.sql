-- Migration 5: respondents as entities, with the survey design.
-- A respondent carries the design (weight, stratum, PSU, finite population
-- correction) and any attributes the file has (department, grade, region,
-- length of service, ...) as a JSON object. Answers (responses) link to
-- their respondent by (survey_id, respondent) = (survey_id, key), which the
-- responses' own unique index serves. Existing microdata gets its
-- respondents: one per (survey, respondent id), with the weight, department
-- and grade its answers carried.

CREATE TABLE respondents (
  id         INTEGER PRIMARY KEY,
  survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  key        TEXT NOT NULL CHECK (length(key) > 0),
  weight     REAL NOT NULL DEFAULT 1 CHECK (weight > 0),
  stratum    TEXT,
  psu        TEXT,
  fpc        REAL CHECK (fpc IS NULL OR fpc > 0),
  attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes) AND json_type(attributes) = 'object'),
  UNIQUE (survey_id, key)
);

INSERT INTO respondents (survey_id, key, weight, attributes)
SELECT survey_id, respondent, max(weight),
       json_object('department', max(department), 'grade', max(grade))
  FROM responses GROUP BY survey_id, respondent;

-- Settings of the store an analyst may change: the disclosure threshold is
-- the smallest unweighted base a published survey cell may have.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('disclosure.min_base', '10');
