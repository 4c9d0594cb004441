-- The bundled rows of migration 9's tables: the Taskforce's report as a
-- publication (with the title variants the sources write, and the sources
-- that discuss it), the list of service areas it names, MyCSP's second
-- department, and the facts the sources dispute, as claims. Each row is tied
-- to its neighbours by natural key, so the file runs after the dataset in a
-- new store and on the rows of an existing one; a row an analyst has
-- deleted or renamed is skipped, and nothing is added twice.
INSERT OR IGNORE INTO publications (key, title, kind, publisher, published, note, source_id)
SELECT 'next_steps', 'Public Service Mutuals: The Next Steps', 'report', 'Mutuals Taskforce', '2012-06-25',
       'The Mutuals Taskforce''s progress report (chair: Julian Le Grand), launched 25 June 2012 with 17 '
       || 'recommendations.', id
  FROM sources WHERE key = 'bssec';

INSERT OR IGNORE INTO aliases (entity, target_id, alias, kind, note, source_id)
SELECT 'publication', p.id, v.alias, 'variant', v.note, (SELECT id FROM sources WHERE key = v.src)
  FROM (SELECT 'Public Sector Mutuals: The Next Steps' AS alias,
               'seed 001, at the launch: "Sector" for "Service"' AS note, 'seed001' AS src
        UNION ALL SELECT 'The Public Sector Mutuals next steps report', 'seed 001''s headline', 'seed001'
        UNION ALL SELECT 'next steps report', 'seed 003: "Their next steps report"', 'seed003'
        UNION ALL SELECT 'progress report on public service mutuals',
               'seed 003: "in its recent progress report on public service mutuals"', 'seed003') AS v
  JOIN publications p ON p.key = 'next_steps';

INSERT OR IGNORE INTO source_publications (source_id, publication_id)
SELECT s.id, p.id FROM sources s JOIN publications p ON p.key = 'next_steps'
 WHERE s.key IN ('seed000', 'seed001', 'seed002', 'seed003', 'bssec', 'thirdsector_2012');

-- Seed 002: the areas grew "from four (Health, Social Work, Education and Leisure) to twelve (including Fire
-- Services, Housing and Libraries)": seven of the twelve are named; probation, youth services, social care,
-- pensions administration and audit come from other sources and are not on the list.
INSERT OR IGNORE INTO sector_lists (sector_id, publication_id, source_id)
SELECT c.id, p.id, (SELECT id FROM sources WHERE key = 'seed002')
  FROM sectors c JOIN publications p ON p.key = 'next_steps'
 WHERE c.name IN ('Health', 'Social Work', 'Education', 'Leisure', 'Fire Services', 'Housing', 'Libraries')
   AND EXISTS (SELECT 1 FROM sources WHERE key = 'seed002');

-- MyCSP: seed 000 has DWP set it up; Social Enterprise Live has the Cabinet Office launch it. DWP stays the
-- principal parent (the first source); the Cabinet Office is tied to it as sponsor, and both claims are kept.
INSERT OR IGNORE INTO mutual_bodies (mutual_id, body_id, role, note, source_id)
SELECT m.id, b.id, 'sponsor', 'Social Enterprise Live: "UK Cabinet Office launches first central government mutual"',
       s.id
  FROM mutuals m JOIN bodies b ON b.abbrev = 'CO' JOIN sources s ON s.key = 'sel_2012' WHERE m.name = 'MyCSP';

INSERT INTO claims (subject_type, subject_id, field, value, inferred, note, source_id)
SELECT 'mutual', m.id, v.field, v.value, v.inferred, v.note, s.id
  FROM (SELECT 'MyCSP' AS mutual, 'parent_id' AS field, 'DWP' AS value, 0 AS inferred,
               'seed 000: set up by the Department for Work and Pensions' AS note, 'seed000' AS src
        UNION ALL SELECT 'MyCSP', 'parent_id', 'CO', 0, 'Social Enterprise Live: the Cabinet Office launches it',
               'sel_2012'
        UNION ALL SELECT 'MyCSP', 'spun_out', '2012-04', 1, 'seed 000: "set up in April" (the year from its date)',
               'seed000'
        UNION ALL SELECT 'MyCSP', 'spun_out', '2012-04-30', 0, 'Social Enterprise Live, 30 April 2012', 'sel_2012'
        UNION ALL SELECT 'City Health Care Partnership CIC', 'spun_out', '2009', 0, 'seed 002 dates the spin-out 2009',
               'seed002'
        UNION ALL SELECT 'City Health Care Partnership CIC', 'spun_out', '2010', 0,
               'Health Estate Journal dates it 2010', 'healthestate') AS v
  JOIN mutuals m ON m.name = v.mutual JOIN sources s ON s.key = v.src
 WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.subject_type = 'mutual' AND c.subject_id = m.id
                   AND c.field = v.field AND c.value IS v.value AND c.source_id = s.id);

-- "Set up in April": a month read from the words, so inferred.
UPDATE status_changes SET date_inferred = 1
 WHERE date = '2012-04' AND note = 'Set up in April.'
   AND mutual_id = (SELECT id FROM mutuals WHERE name = 'MyCSP')
   AND source_id = (SELECT id FROM sources WHERE key = 'seed000');

-- Why the store keeps DWP as MyCSP's parent though the sources disagree (mutuals check asks).
INSERT OR IGNORE INTO known_issues (check_key, explanation, source_id)
SELECT 'disputed:mutual:' || m.id || ':parent_id',
       'Seed 000 has DWP set MyCSP up, Social Enterprise Live the Cabinet Office: DWP is kept as parent, the first '
       || 'source, with the Cabinet Office as sponsor (mutual_bodies); both claims are kept.', s.id
  FROM mutuals m JOIN sources s ON s.key = 'sel_2012' WHERE m.name = 'MyCSP';
