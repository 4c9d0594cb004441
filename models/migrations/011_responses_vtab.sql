-- Migration 11: responses become a virtual table (responses_vtab.c) over their rows, now responses_rows,
-- so that a survey's answers can also be kept as columns behind the same name (columns.c). The rename
-- carries the rows' keys, foreign keys and triggers (the change counters of migration 6) with them.
ALTER TABLE responses RENAME TO responses_rows;
CREATE VIRTUAL TABLE responses USING mutuals_responses;
