-- Migration 3: honest numbers.
-- 1. A recommendation's addressees carry the source that names them: the
--    five departments are named by Third Sector, not by the seed that only
--    says "five departments".
-- 2. The Community Right to Challenge's £11.5m fund was held twice, as two
--    programmes from two sources; it is one programme, and seed 003's
--    mention of it is kept as its own claim (an observation) on that one.
-- 3. Derived figures record what they were derived from, so that a check can
--    recompute them; known issues hold the explanation of each remaining
--    contradiction in the bundled data.
-- Statements that touch bundled rows look them up by their keys, so a store
-- whose data the analyst has changed is left as it is.

ALTER TABLE recommendation_bodies ADD COLUMN source_id INTEGER REFERENCES sources(id);
UPDATE recommendation_bodies SET source_id = (SELECT id FROM sources WHERE key = 'thirdsector_2012')
 WHERE source_id IS NULL
   AND recommendation_id IN (SELECT id FROM recommendations WHERE key IN ('department_plans', 'staff_pathways'));
UPDATE recommendation_bodies SET source_id = (SELECT id FROM sources WHERE key = 'seed002')
 WHERE source_id IS NULL
   AND recommendation_id IN (SELECT id FROM recommendations WHERE key = 'eu_procurement_exemption');

INSERT INTO observations (metric, subject_type, subject_id, value, unit, as_of, qualifier, is_change, baseline,
                          baseline_label, geography, derived, note, source_id)
SELECT 'fund_size', 'programme', p8.id, p2.amount, 'GBP', NULL, 'exact', 0, NULL, NULL, NULL, 0,
       'Seed 003: "a similar £11.5m fund" (held before as a second programme).', p2.source_id
  FROM programmes p2 JOIN programmes p8 ON p8.key = 'crtc_support'
 WHERE p2.key = 'crtc_fund' AND p2.amount = 11500000 AND p2.unit = 'GBP';
DELETE FROM programmes
 WHERE key = 'crtc_fund' AND amount = 11500000
   AND EXISTS (SELECT 1 FROM observations WHERE metric = 'fund_size' AND subject_type = 'programme'
               AND subject_id = (SELECT id FROM programmes WHERE key = 'crtc_support'))
   AND NOT EXISTS (SELECT 1 FROM observations WHERE subject_type = 'programme' AND subject_id = programmes.id);

-- How a derived figure follows from others: result = a op b.
CREATE TABLE derivations (
  id        INTEGER PRIMARY KEY,
  result_id INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
  op        TEXT NOT NULL CHECK (op IN ('ratio', 'sum', 'difference')),
  a_id      INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
  b_id      INTEGER NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
  note      TEXT,
  source_id INTEGER NOT NULL REFERENCES sources(id)
);

-- The explanation of a problem `mutuals check` finds and the data must keep
-- (two sources that disagree), keyed by the check's own key for it.
CREATE TABLE known_issues (
  id          INTEGER PRIMARY KEY,
  check_key   TEXT NOT NULL UNIQUE CHECK (length(check_key) > 0),
  explanation TEXT NOT NULL CHECK (length(explanation) > 0),
  source_id   INTEGER REFERENCES sources(id)
);

INSERT INTO derivations (result_id, op, a_id, b_id, note, source_id)
SELECT g.id, 'ratio', n.id, d.id, '"six-fold since 2010": from 9 to at least 58.', g.source_id
  FROM observations g, observations n, observations d
 WHERE g.metric = 'mutuals_growth' AND g.as_of = '2012-06' AND g.value = 6
   AND n.metric = 'mutuals' AND n.as_of = '2012-06' AND n.qualifier = 'at_least' AND n.value = 58
   AND d.metric = 'mutuals' AND d.as_of = '2010' AND d.value = 9;

-- The explanations of what the check finds in the bundled data (a new store
-- gets them with the dataset; a migrated one here, when its rows are there).
INSERT OR IGNORE INTO known_issues (check_key, explanation, source_id)
SELECT 'rival:observation:6,7',
       'Sources disagree on staff in 2012: the Taskforce launch counts 20,000 staff in the 58 mutuals it counts; '
       || 'Number 10 says around 45,000 people deliver public services through mutual organisations two months later, '
       || 'perhaps counting more organisations. Both are kept and neither is preferred.', id
  FROM sources WHERE key = 'number10_2012'
   AND EXISTS (SELECT 1 FROM observations WHERE id = 6 AND value = 20000)
   AND EXISTS (SELECT 1 FROM observations WHERE id = 7 AND value = 45000);
INSERT OR IGNORE INTO known_issues (check_key, explanation, source_id)
SELECT 'rival:status_change:4,5',
       'Seed 002 dates the Hull spin-out 2009 and Health Estate Journal 2010: both are kept, and the mutual''s '
       || 'spun_out is left unknown.', id
  FROM sources WHERE key = 'healthestate'
   AND EXISTS (SELECT 1 FROM status_changes WHERE id = 4 AND date = '2009')
   AND EXISTS (SELECT 1 FROM status_changes WHERE id = 5 AND date = '2010');
INSERT OR IGNORE INTO known_issues (check_key, explanation, source_id)
SELECT 'derived:observation:4',
       'Seed 002 calls the rise from 9 to at least 58 "six-fold"; its own figures give at least 6.4-fold. The '
       || 'word is kept as the source wrote it, and the derivation says what it came from.', id
  FROM sources WHERE key = 'seed002'
   AND EXISTS (SELECT 1 FROM observations WHERE id = 4 AND metric = 'mutuals_growth' AND value = 6);
