"""Published boards (红黑榜 snapshots) and stock movements are append-only too: UPDATE refused by
the database (and DELETE on PostgreSQL, except in a demo wipe), like the ledger (0002)."""

from typing import Any

from django.db import migrations

TABLES = ("points_board", "points_stockmovement")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION sanzhi_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('sanzhi.ledger_wipe', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only';
END $$ LANGUAGE plpgsql;
"""


def up(apps: Any, schema_editor: Any) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(PG_FUNCTION)
    for table in TABLES:
        if postgres:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sanzhi_append_only()"
            )
        else:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def down(apps: Any, schema_editor: Any) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for table in TABLES:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_append_only" + (f" ON {table}" if postgres else "")
        )
    if postgres:
        schema_editor.execute("DROP FUNCTION IF EXISTS sanzhi_append_only()")


class Migration(migrations.Migration):
    dependencies = [("points", "0002_entry_append_only")]
    operations = [migrations.RunPython(up, down)]
