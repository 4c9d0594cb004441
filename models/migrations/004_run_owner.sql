-- Migration 4: which process ran a report, so that a run whose process died
-- (kill -9, a crash, a reboot) is shown as killed instead of running forever.
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN boot_id TEXT;
