"""``sanzhi init``: bring a database and the static files up to date (safe to run on every deploy)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "迁移数据库并收集静态文件 / migrate the database and collect static files"

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=verbosity)
        # Code tables (tags, categories …) are seeded by data migrations, so nothing else is needed.
        call_command("collectstatic", interactive=False, verbosity=max(0, verbosity - 1))
        self.stdout.write(self.style.SUCCESS("初始化完成 / initialised"))
