-- Migration 1: the mutuals domain.
-- Dates are ISO 8601 text at the precision the source gives: 'YYYY', 'YYYY-MM'
-- or 'YYYY-MM-DD'. Unknown is NULL, never a guess. Shares are fractions 0..1.
-- Every table that states a fact carries source_id.

CREATE TABLE sources (
  id            INTEGER PRIMARY KEY,
  key           TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
  title         TEXT NOT NULL,
  publisher     TEXT,
  author        TEXT,
  published     TEXT CHECK (published IS NULL OR published GLOB '[12][0-9][0-9][0-9]*'),
  location      TEXT NOT NULL,            -- seed file name or URL
  kind          TEXT NOT NULL CHECK (kind IN ('seed', 'web', 'import', 'remote')),
  fetched_at    TEXT,
  sha256        TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
  etag          TEXT,
  last_modified TEXT,
  rows          INTEGER CHECK (rows IS NULL OR rows >= 0),
  note          TEXT
);

CREATE TABLE bodies (
  id        INTEGER PRIMARY KEY,
  abbrev    TEXT NOT NULL UNIQUE CHECK (length(abbrev) > 0),
  name      TEXT NOT NULL,
  tier      TEXT NOT NULL CHECK (tier IN ('central', 'nhs', 'local', 'arms_length', 'parliament')),
  source_id INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE organisations (
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL UNIQUE,
  kind      TEXT NOT NULL CHECK (kind IN ('charity', 'social_enterprise', 'company', 'campaign',
                                          'think_tank', 'university', 'media', 'investor', 'law_firm', 'other')),
  note      TEXT,
  source_id INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE people (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  role        TEXT,
  affiliation TEXT,
  source_id   INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE events (
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,
  date      TEXT CHECK (date IS NULL OR date GLOB '[12][0-9][0-9][0-9]*'),
  place     TEXT,
  note      TEXT,
  source_id INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE sectors (
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL UNIQUE,
  source_id INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE mutuals (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
  parent_id       INTEGER REFERENCES bodies(id),
  legal_form      TEXT CHECK (legal_form IS NULL OR legal_form IN
                    ('cic', 'joint_venture', 'cooperative', 'company_limited_by_guarantee',
                     'industrial_provident_society', 'mutual', 'other')),
  status          TEXT NOT NULL CHECK (status IN
                    ('proposed', 'pipeline', 'operating', 'blocked', 'failed', 'dissolved')),
  staff           INTEGER CHECK (staff IS NULL OR staff >= 0),
  staff_qualifier TEXT CHECK (staff_qualifier IS NULL OR staff_qualifier IN
                    ('exact', 'at_least', 'more_than', 'approximately', 'up_to')),
  spun_out        TEXT CHECK (spun_out IS NULL OR spun_out GLOB '[12][0-9][0-9][0-9]*'),
  note            TEXT,
  source_id       INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE mutual_sectors (
  id        INTEGER PRIMARY KEY,
  mutual_id INTEGER NOT NULL REFERENCES mutuals(id) ON DELETE CASCADE,
  sector_id INTEGER NOT NULL REFERENCES sectors(id),
  UNIQUE (mutual_id, sector_id)
);

-- The lifecycle: proposed -> pipeline -> operating; blocked, failed, dissolved.
-- Two sources may date the same change differently: both rows stay.
CREATE TABLE status_changes (
  id        INTEGER PRIMARY KEY,
  mutual_id INTEGER NOT NULL REFERENCES mutuals(id) ON DELETE CASCADE,
  status    TEXT NOT NULL CHECK (status IN
              ('proposed', 'pipeline', 'operating', 'blocked', 'failed', 'dissolved')),
  date      TEXT CHECK (date IS NULL OR date GLOB '[12][0-9][0-9][0-9]*'),
  note      TEXT,
  source_id INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE programmes (
  id           INTEGER PRIMARY KEY,
  key          TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
  name         TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('programme', 'fund', 'target', 'cost')),
  amount       REAL CHECK (amount IS NULL OR amount >= 0),
  unit         TEXT,
  qualifier    TEXT CHECK (qualifier IS NULL OR qualifier IN
                 ('exact', 'at_least', 'more_than', 'approximately', 'up_to')),
  started      TEXT CHECK (started IS NULL OR started GLOB '[12][0-9][0-9][0-9]*'),
  period       TEXT,
  target_date  TEXT CHECK (target_date IS NULL OR target_date GLOB '[12][0-9][0-9][0-9]*'),
  body_id      INTEGER REFERENCES bodies(id),
  note         TEXT,
  source_id    INTEGER NOT NULL REFERENCES sources(id)
);

-- A measured figure: for the sector as a whole (subject_type 'sector', no
-- subject_id), one mutual, one body or one programme.
CREATE TABLE observations (
  id             INTEGER PRIMARY KEY,
  metric         TEXT NOT NULL CHECK (length(metric) > 0),
  subject_type   TEXT NOT NULL CHECK (subject_type IN ('sector', 'mutual', 'body', 'programme')),
  subject_id     INTEGER,
  value          REAL NOT NULL,
  unit           TEXT NOT NULL,
  as_of          TEXT CHECK (as_of IS NULL OR as_of GLOB '[12][0-9][0-9][0-9]*'),
  qualifier      TEXT NOT NULL DEFAULT 'exact' CHECK (qualifier IN
                   ('exact', 'at_least', 'more_than', 'approximately', 'up_to', 'around')),
  is_change      INTEGER NOT NULL DEFAULT 0 CHECK (is_change IN (0, 1)),
  baseline       REAL,
  baseline_label TEXT,
  geography      TEXT,
  derived        INTEGER NOT NULL DEFAULT 0 CHECK (derived IN (0, 1)),
  note           TEXT,
  source_id      INTEGER NOT NULL REFERENCES sources(id),
  CHECK ((subject_type = 'sector') = (subject_id IS NULL))
);
CREATE INDEX observations_metric ON observations(metric, as_of);

CREATE TABLE barriers (
  id          INTEGER PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
  name        TEXT NOT NULL,
  kind        TEXT CHECK (kind IS NULL OR kind IN ('technical', 'cultural', 'financial', 'legal')),
  description TEXT,
  source_id   INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE recommendations (
  id        INTEGER PRIMARY KEY,
  key       TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
  text      TEXT NOT NULL,
  deadline  TEXT CHECK (deadline IS NULL OR deadline GLOB '[12][0-9][0-9][0-9]*'),
  status    TEXT NOT NULL DEFAULT 'unknown' CHECK (status IN
              ('proposed', 'accepted', 'rejected', 'in_progress', 'implemented', 'unknown')),
  response  TEXT,
  source_id INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE recommendation_barriers (
  id                INTEGER PRIMARY KEY,
  recommendation_id INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
  barrier_id        INTEGER NOT NULL REFERENCES barriers(id),
  UNIQUE (recommendation_id, barrier_id)
);

CREATE TABLE recommendation_bodies (
  id                INTEGER PRIMARY KEY,
  recommendation_id INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
  body_id           INTEGER NOT NULL REFERENCES bodies(id),
  UNIQUE (recommendation_id, body_id)
);

CREATE TABLE surveys (
  id             INTEGER PRIMARY KEY,
  key            TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
  title          TEXT NOT NULL,
  organiser      TEXT,
  fieldwork      TEXT,
  population     TEXT,
  method         TEXT,
  respondents    INTEGER CHECK (respondents IS NULL OR respondents > 0),
  note           TEXT,
  source_id      INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE questions (
  id        INTEGER PRIMARY KEY,
  survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  key       TEXT NOT NULL,
  text      TEXT NOT NULL,
  asked_of  TEXT,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  UNIQUE (survey_id, key)
);

CREATE TABLE options (
  id          INTEGER PRIMARY KEY,
  question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  key         TEXT NOT NULL,
  label       TEXT NOT NULL,
  ordinal     INTEGER NOT NULL,
  UNIQUE (question_id, key)
);

-- Published results: the share of a group giving an option. base_n is the
-- number of respondents in the group, NULL when no base was published (then
-- no interval can be computed). count_derived marks counts computed from
-- rounded shares rather than published.
CREATE TABLE results (
  id            INTEGER PRIMARY KEY,
  question_id   INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  option_id     INTEGER NOT NULL REFERENCES options(id) ON DELETE CASCADE,
  breakdown     TEXT NOT NULL CHECK (breakdown IN ('overall', 'department', 'grade', 'answer')),
  grp           TEXT NOT NULL,
  share         REAL NOT NULL CHECK (share >= 0 AND share <= 1),
  qualifier     TEXT NOT NULL DEFAULT 'exact' CHECK (qualifier IN
                  ('exact', 'at_least', 'more_than', 'approximately')),
  base_n        INTEGER CHECK (base_n IS NULL OR base_n > 0),
  count         INTEGER CHECK (count IS NULL OR count >= 0),
  count_derived INTEGER NOT NULL DEFAULT 0 CHECK (count_derived IN (0, 1)),
  source_id     INTEGER NOT NULL REFERENCES sources(id),
  UNIQUE (question_id, option_id, breakdown, grp, source_id)
);

-- Respondent-level microdata.
CREATE TABLE responses (
  id          INTEGER PRIMARY KEY,
  survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  respondent  TEXT NOT NULL,
  question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  option_id   INTEGER NOT NULL REFERENCES options(id) ON DELETE CASCADE,
  department  TEXT,
  grade       TEXT,
  weight      REAL NOT NULL DEFAULT 1 CHECK (weight > 0),
  UNIQUE (survey_id, respondent, question_id)
);
-- Covering the weighted tabulation by department: the GROUP BY reads this
-- index in order and never touches the table (see bench/RESULTS.md).
CREATE INDEX responses_question ON responses(question_id, department, option_id, weight);

-- Sizes of survey groups (overall, by department, by grade) where a source
-- states them or they can be derived; derived = 1 marks the latter.
CREATE TABLE survey_groups (
  id        INTEGER PRIMARY KEY,
  survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  breakdown TEXT NOT NULL CHECK (breakdown IN ('overall', 'department', 'grade', 'answer')),
  grp       TEXT NOT NULL,
  n         INTEGER NOT NULL CHECK (n > 0),
  derived   INTEGER NOT NULL DEFAULT 0 CHECK (derived IN (0, 1)),
  note      TEXT,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  UNIQUE (survey_id, breakdown, grp, source_id)
);

-- Statements that are not figures but that an analyst must be able to cite:
-- a source's claim about a subject, kept beside claims that disagree with it.
CREATE TABLE findings (
  id           INTEGER PRIMARY KEY,
  subject_type TEXT NOT NULL CHECK (subject_type IN
                 ('sector', 'mutual', 'body', 'programme', 'survey', 'recommendation')),
  subject_id   INTEGER,
  text         TEXT NOT NULL,
  as_of        TEXT CHECK (as_of IS NULL OR as_of GLOB '[12][0-9][0-9][0-9]*'),
  source_id    INTEGER NOT NULL REFERENCES sources(id)
);
