"""Append-only tables: a trigger refuses UPDATE (both backends) and DELETE (PostgreSQL), except a
DELETE inside a whole-demo wipe (``SET LOCAL sanzhi.ledger_wipe = 'on'``, sanzhi.demo.guard).

Used by migrations (points 0003, disclosure 0002) and by tests that tamper with a row on purpose.
"""

from __future__ import annotations

from typing import Any

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION sanzhi_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('sanzhi.ledger_wipe', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only';
END $$ LANGUAGE plpgsql;
"""


def arm(schema_editor: Any, tables: tuple[str, ...], *, columns: tuple[str, ...] = ()) -> None:
    """Arm the trigger on ``tables``; with ``columns``, UPDATE is refused only when it touches one of
    them (what a hash covers), so bookkeeping copies such as a node's path can still follow a move."""
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(PG_FUNCTION)
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    for table in tables:
        if postgres:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE {update} OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sanzhi_append_only()"
            )
        else:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE {update} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def disarm(schema_editor: Any, tables: tuple[str, ...], *, drop_function: bool = False) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for table in tables:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_append_only" + (f" ON {table}" if postgres else "")
        )
    if postgres and drop_function:
        schema_editor.execute("DROP FUNCTION IF EXISTS sanzhi_append_only()")
