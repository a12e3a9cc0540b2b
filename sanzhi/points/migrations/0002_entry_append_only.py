"""The ledger refuses UPDATE (and, on PostgreSQL, DELETE) in the database itself, not only in code.

SQLite keeps DELETE open because Django's test flush empties tables with DELETE; PostgreSQL's
flush uses TRUNCATE, which row triggers do not see.
"""

from typing import Any

from django.db import migrations

from sanzhi.points.migrations._append_only import PG_DOWN, PG_UP, SQLITE_DOWN, SQLITE_UP


def up(apps: Any, schema_editor: Any) -> None:
    sql = PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    schema_editor.execute(sql)


def down(apps: Any, schema_editor: Any) -> None:
    sql = PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_points")]
    operations = [migrations.RunPython(up, down)]
