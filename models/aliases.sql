-- The name variants the bundled sources use, kept as they wrote them
-- (migration 7). Each is tied to its row by natural key, so the file runs
-- after the dataset in a new store and on the rows of an existing one; a row
-- an analyst has deleted or renamed is skipped, and nothing is added twice.
-- Only variants a source actually writes are here: a full name is the row's
-- own name field and needs no alias.
INSERT OR IGNORE INTO aliases (entity, target_id, alias, kind, note, source_id)
SELECT 'body', b.id, v.alias, v.kind, v.note, (SELECT id FROM sources WHERE key = v.src)
  FROM (SELECT 'DCLG' AS abbrev, 'Communities and Local Government department' AS alias, 'variant' AS kind,
               'seed 001: "the Communities and Local Government department"' AS note, 'seed001' AS src) AS v
  JOIN bodies b ON b.abbrev = v.abbrev;

INSERT OR IGNORE INTO aliases (entity, target_id, alias, kind, note, source_id)
SELECT 'mutual', m.id, v.alias, v.kind, v.note, (SELECT id FROM sources WHERE key = v.src)
  FROM (SELECT 'City Health Care Partnership CIC' AS name, 'Hull City Health Care Partnership' AS alias,
               'variant' AS kind, 'as seed 002 names it' AS note, 'seed002' AS src
        UNION ALL SELECT 'Audit Commission (mutualised)', 'Audit Commission', 'variant',
               'seed 004 names the body being mutualised; the mutual had no name of its own yet', 'seed004') AS v
  JOIN mutuals m ON m.name = v.name;
