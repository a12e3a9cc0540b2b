"""``sanzhi worker``: the background task runner (django-tasks' database backend, no broker)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "运行后台任务 / run background tasks (django-tasks-db db_worker, all queues)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*", help="队列，逗号分隔；* 为全部 / queues, * for all")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="空闲轮询间隔（秒）/ idle poll interval"
        )
        parser.add_argument("--batch", action="store_true", help="处理完积压任务后退出 / drain and exit")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        kwargs: dict[str, Any] = {
            "queue_name": options["queue_name"],
            "interval": options["interval"],
            "batch": options["batch"],
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"] is not None:
            kwargs["max_tasks"] = options["max_tasks"]
        call_command("db_worker", **kwargs)
