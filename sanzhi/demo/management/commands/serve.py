"""``sanzhi serve``: the production web server (gunicorn, static files through whitenoise)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


def static_ready() -> bool:
    """collectstatic has run: the manifest exists (or, with DEBUG storage, the directory is filled)."""
    root = Path(settings.STATIC_ROOT)
    if settings.DEBUG:
        return root.is_dir() and any(root.iterdir())
    return (root / "staticfiles.json").is_file()


class Command(BaseCommand):
    help = "以生产方式运行网站 / run the production web server (gunicorn + whitenoise)"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="监听地址 / address:port")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("SANZHI_WORKERS", "0")) or min(4, (os.cpu_count() or 1) * 2),
            help="工作进程数 / worker processes",
        )
        parser.add_argument("--timeout", type=int, default=60, help="请求超时（秒）/ request timeout")

    def handle(self, *args: Any, **options: Any) -> None:
        if not static_ready():
            raise CommandError(
                _("静态文件尚未收集，请先运行 `sanzhi init`（或 `sanzhi collectstatic`）。")
                + " / Static files are not collected: run `sanzhi init` first."
            )
        from gunicorn.app.base import BaseApplication

        from sanzhi.wsgi import application

        config = {
            "bind": options["bind"],
            "workers": max(1, options["workers"]),
            "timeout": options["timeout"],
            "accesslog": "-",
            "errorlog": "-",
            "proc_name": "sanzhi",
        }

        class Server(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(_("三治网站运行于 http://{bind}/").format(bind=options["bind"]))
        self.stdout.flush()
        Server().run()
