-- Migration 10: the responses table loses its covering index (question, department, option, weight).
-- It served the SQL GROUP BY that crosstabs were before the survey engine; crosstabs now read the
-- survey cache (migration 6), and the index was a quarter of a store of microdata (24 MB of 93 at a
-- million answers). The UNIQUE key stays: it finds duplicates and orders the design's load. The
-- pages it held are reused by later writes (the file shrinks only with VACUUM).
DROP INDEX IF EXISTS responses_question;
