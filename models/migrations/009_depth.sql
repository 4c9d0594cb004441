-- Migration 9: the facts real files hold that one row per mutual cannot.
--   - A mutual's further bodies, each with a role (a second parent, the
--     department that sponsors it, a commissioner): mutual_bodies. parent_id
--     stays the principal parent.
--   - A disputed fact as claims, one per source, about any field of a row;
--     the row's own field stays unknown while the sources disagree.
--   - Dates carry their precision in their form (2012, 2012-04, 2012-04-30)
--     and, here, whether they were inferred ("in April" -> 2012-04, inferred).
--   - A confidence on the rows analysts grade: mutuals, figures, claims.
--   - Publications as rows (the Taskforce's report above all), with the
--     sources that discuss them; their title variants go in aliases.
--   - Which list names a service area (the Taskforce's twelve, against areas
--     seen only elsewhere), so that no count is padded to match a figure.
-- The bundled rows for these tables are in models/depth.sql, run after the
-- dataset in a new store and here in an existing one.
CREATE TABLE publications (
  id                 INTEGER PRIMARY KEY,
  key                TEXT NOT NULL UNIQUE CHECK (length(key) > 0),
  title              TEXT NOT NULL CHECK (length(title) > 0),
  kind               TEXT NOT NULL DEFAULT 'report' CHECK (kind IN ('report', 'article', 'guidance', 'statement', 'other')),
  publisher          TEXT,
  published          TEXT CHECK (published IS NULL OR published GLOB '[12][0-9][0-9][0-9]*'),
  published_inferred INTEGER NOT NULL DEFAULT 0 CHECK (published_inferred IN (0, 1)),
  url                TEXT,
  note               TEXT,
  source_id          INTEGER NOT NULL REFERENCES sources(id)
);

CREATE TABLE source_publications (
  id             INTEGER PRIMARY KEY,
  source_id      INTEGER NOT NULL REFERENCES sources(id),
  publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
  UNIQUE (source_id, publication_id)
);

CREATE TABLE mutual_bodies (
  id        INTEGER PRIMARY KEY,
  mutual_id INTEGER NOT NULL REFERENCES mutuals(id) ON DELETE CASCADE,
  body_id   INTEGER NOT NULL REFERENCES bodies(id),
  role      TEXT NOT NULL CHECK (role IN ('parent', 'sponsor', 'commissioner', 'partner')),
  note      TEXT,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  UNIQUE (mutual_id, body_id, role, source_id)
);
CREATE INDEX mutual_bodies_body ON mutual_bodies(body_id);

CREATE TABLE claims (
  id           INTEGER PRIMARY KEY,
  subject_type TEXT NOT NULL CHECK (subject_type IN ('mutual', 'body', 'programme', 'recommendation', 'publication',
                                                      'sector', 'organisation', 'event')),
  subject_id   INTEGER NOT NULL,
  field        TEXT NOT NULL CHECK (length(field) > 0),
  value        TEXT,
  inferred     INTEGER NOT NULL DEFAULT 0 CHECK (inferred IN (0, 1)),
  confidence   TEXT CHECK (confidence IN ('high', 'medium', 'low')),
  note         TEXT,
  source_id    INTEGER NOT NULL REFERENCES sources(id)
);
CREATE INDEX claims_subject ON claims(subject_type, subject_id, field);

CREATE TABLE sector_lists (
  id             INTEGER PRIMARY KEY,
  sector_id      INTEGER NOT NULL REFERENCES sectors(id) ON DELETE CASCADE,
  publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
  source_id      INTEGER NOT NULL REFERENCES sources(id),
  UNIQUE (sector_id, publication_id)
);

ALTER TABLE mutuals ADD COLUMN spun_out_inferred INTEGER NOT NULL DEFAULT 0 CHECK (spun_out_inferred IN (0, 1));
ALTER TABLE mutuals ADD COLUMN confidence TEXT CHECK (confidence IN ('high', 'medium', 'low'));
ALTER TABLE status_changes ADD COLUMN date_inferred INTEGER NOT NULL DEFAULT 0 CHECK (date_inferred IN (0, 1));
ALTER TABLE observations ADD COLUMN as_of_inferred INTEGER NOT NULL DEFAULT 0 CHECK (as_of_inferred IN (0, 1));
ALTER TABLE observations ADD COLUMN confidence TEXT CHECK (confidence IN ('high', 'medium', 'low'));
ALTER TABLE events ADD COLUMN date_inferred INTEGER NOT NULL DEFAULT 0 CHECK (date_inferred IN (0, 1));
ALTER TABLE sources ADD COLUMN published_inferred INTEGER NOT NULL DEFAULT 0 CHECK (published_inferred IN (0, 1));

-- An import may now replace rows (--mode replace): the history's mode takes it. SQLite cannot change a CHECK,
-- so the two history tables are copied into new ones; the child first, so that dropping the old parent
-- deletes nothing (foreign keys are on), and the renames carry the reference along.
CREATE TABLE imports_v9 (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,
  origin     TEXT NOT NULL,
  sha256     TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
  mode       TEXT NOT NULL CHECK (mode IN ('insert', 'upsert', 'replace')),
  command    TEXT NOT NULL,
  at         TEXT NOT NULL,
  inserted   INTEGER NOT NULL DEFAULT 0,
  updated    INTEGER NOT NULL DEFAULT 0,
  unchanged  INTEGER NOT NULL DEFAULT 0,
  replaced   INTEGER NOT NULL DEFAULT 0,   -- rows a refetch of the same URL dropped first
  undone_at  TEXT
);
INSERT INTO imports_v9 SELECT id, kind, origin, sha256, mode, command, at, inserted, updated, unchanged, replaced,
                              undone_at FROM imports;
CREATE TABLE import_changes_v9 (
  id        INTEGER PRIMARY KEY,
  import_id INTEGER NOT NULL REFERENCES imports_v9(id) ON DELETE CASCADE,
  tbl       TEXT NOT NULL,
  first_id  INTEGER NOT NULL,
  last_id   INTEGER NOT NULL CHECK (last_id >= first_id),
  before    TEXT CHECK (before IS NULL OR json_valid(before)),   -- NULL: rows inserted
  after     TEXT CHECK (after IS NULL OR json_valid(after))
);
INSERT INTO import_changes_v9 SELECT id, import_id, tbl, first_id, last_id, before, after FROM import_changes;
DROP TABLE import_changes;
DROP TABLE imports;
ALTER TABLE imports_v9 RENAME TO imports;
ALTER TABLE import_changes_v9 RENAME TO import_changes;
CREATE INDEX import_changes_rows ON import_changes(tbl, first_id);
CREATE INDEX import_changes_import ON import_changes(import_id);
