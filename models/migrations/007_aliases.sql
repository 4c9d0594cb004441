-- Migration 7: names and aliases. A row is found by its natural key (a
-- body's abbrev), its name, or any alias registered here: full names, old
-- names, abbreviations, and the sources' own variants and misspellings, kept
-- verbatim as the sources wrote them, each with the source that wrote it.
-- get(), import references and where{} resolve through this table; a name
-- that matches nothing gets a did-you-mean suggestion, never a guess.
-- (The bundled dataset's aliases are inserted by models/aliases.sql, after
-- the dataset in a new store and here in an existing one.)
CREATE TABLE aliases (
  id        INTEGER PRIMARY KEY,
  entity    TEXT NOT NULL,
  target_id INTEGER NOT NULL,
  alias     TEXT NOT NULL CHECK (length(alias) > 0),
  kind      TEXT NOT NULL CHECK (kind IN ('name', 'abbreviation', 'old_name', 'variant', 'misspelling')),
  note      TEXT,
  source_id INTEGER REFERENCES sources(id),
  UNIQUE (entity, alias)
);
CREATE INDEX aliases_target ON aliases(entity, target_id);
