"""The append-only trigger SQL (used by migration 0002 and by tests that re-arm it)."""

PG_UP = """
CREATE OR REPLACE FUNCTION points_entry_append_only() RETURNS trigger AS $$
BEGIN
  -- Only a whole-demo wipe (sanzhi.demo.guard) may delete, and it says so for its transaction.
  IF TG_OP = 'DELETE' AND current_setting('sanzhi.ledger_wipe', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'points entries are append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER points_entry_no_update BEFORE UPDATE OR DELETE ON points_entry
  FOR EACH ROW EXECUTE FUNCTION points_entry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS points_entry_no_update ON points_entry;
DROP FUNCTION IF EXISTS points_entry_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS points_entry_no_update BEFORE UPDATE ON points_entry
BEGIN SELECT RAISE(ABORT, 'points entries are append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS points_entry_no_update;"
