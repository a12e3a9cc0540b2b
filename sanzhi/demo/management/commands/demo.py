"""``sanzhi demo``: build the demo town on an empty database, or rebuild it (``--reset``) on a demo one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sanzhi.core.dbstate import require_migrated
from sanzhi.demo.guard import database_state, wipe_demo
from sanzhi.demo.town import build_demo, format_logins, format_summary


class Command(BaseCommand):
    help = "建设示范镇（仅限空库或示范库）/ build the demo town (empty or demo database only)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="库中已是示范数据时清空重建 / rebuild an existing demo"
        )
        parser.add_argument("--seed", type=int, default=None, help="随机种子 / random seed")
        parser.add_argument(
            "--tickets",
            type=int,
            default=None,
            help="近 90 天的诉求工单数（默认 600）/ tickets over the last 90 days (default 600)",
        )
        parser.add_argument(
            "--logins", action="store_true", help="只打印演示账号 / only print the demo logins"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["logins"]:
            self.stdout.write(format_logins())
            return
        require_migrated()
        state = database_state()
        if state.kind == "foreign":
            raise CommandError(
                _("拒绝建设示范镇：{reason}。示范数据只能建在空库或示范库上。").format(reason=state.reason)
                + "\nRefusing to build the demo: the database holds data that is not demo data. "
                "Point DATABASE_URL (or SANZHI_VAR_DIR) at an empty database."
            )
        if state.kind == "demo":
            if not options["reset"]:
                self.stdout.write(
                    _("示范镇已存在；用 --reset 重建。") + " / The demo town exists; --reset rebuilds it."
                )
                self.stdout.write(format_logins())
                return
            self.stdout.write(_("清除旧的示范数据…") + " / clearing the old demo data")
            wipe_demo()
        kwargs = {k: options[k] for k in ("seed", "tickets") if options[k] is not None}
        summary = build_demo(**kwargs)
        self.stdout.write(
            self.style.SUCCESS(_("示范镇已建成（{s:.1f} 秒）").format(s=summary.seconds))
            + f" / demo town built in {summary.seconds:.1f} s"
        )
        self.stdout.write(format_summary(summary))
        self.stdout.write("")
        self.stdout.write(format_logins())
