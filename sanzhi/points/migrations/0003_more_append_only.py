"""Published boards (红黑榜 snapshots) and stock movements are append-only too: UPDATE refused by
the database (and DELETE on PostgreSQL, except in a demo wipe), like the ledger (0002)."""

from typing import Any

from django.db import migrations

from sanzhi.core.append_only import arm, disarm

TABLES = ("points_board", "points_stockmovement")


def up(apps: Any, schema_editor: Any) -> None:
    arm(schema_editor, TABLES)


def down(apps: Any, schema_editor: Any) -> None:
    disarm(schema_editor, TABLES, drop_function=True)


class Migration(migrations.Migration):
    dependencies = [("points", "0002_entry_append_only")]
    operations = [migrations.RunPython(up, down)]
