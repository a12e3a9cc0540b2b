"""The publication chain is append-only (UPDATE of anything the hash covers, or of the node and the
content, refused on both backends; DELETE on PostgreSQL except in a demo wipe), and its head row
exists from the start. ``node_path`` (a copy that follows a node move) and ``published_by`` (cleared
when a user is deleted) are not published and may change."""

from typing import Any

from django.db import migrations

from sanzhi.core.append_only import arm, disarm

TABLES = ("disclosure_publication",)
FROZEN = (
    "seq",
    "kind",
    "node_id",
    "node_code",
    "title",
    "ref",
    "content",
    "content_hash",
    "corrects_seq",
    "published_at",
    "prev_hash",
    "hash",
)


def up(apps: Any, schema_editor: Any) -> None:
    arm(schema_editor, TABLES, columns=FROZEN)
    apps.get_model("disclosure", "PublicationHead").objects.get_or_create(pk=1)


def down(apps: Any, schema_editor: Any) -> None:
    disarm(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_disclosure"), ("points", "0003_more_append_only")]
    operations = [migrations.RunPython(up, down)]
