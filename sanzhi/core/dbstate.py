"""Whether the database has been migrated: commands say "run sanzhi init" instead of crashing."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def unapplied_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def require_migrated() -> None:
    """CommandError unless every migration is applied (``sanzhi init`` does that)."""
    if unapplied_migrations():
        raise CommandError(
            _("数据库尚未迁移到最新，请先运行 `sanzhi init`。")
            + " / The database is not migrated: run `sanzhi init` first."
        )
