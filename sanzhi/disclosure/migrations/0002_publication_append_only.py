"""The publication chain is append-only (UPDATE refused on both backends, DELETE on PostgreSQL
except in a demo wipe), and its head row exists from the start."""

from typing import Any

from django.db import migrations

from sanzhi.core.append_only import arm, disarm

TABLES = ("disclosure_publication",)


def up(apps: Any, schema_editor: Any) -> None:
    arm(schema_editor, TABLES)
    apps.get_model("disclosure", "PublicationHead").objects.get_or_create(pk=1)


def down(apps: Any, schema_editor: Any) -> None:
    disarm(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_disclosure"), ("points", "0003_more_append_only")]
    operations = [migrations.RunPython(up, down)]
